"""Widgets of the war room."""
