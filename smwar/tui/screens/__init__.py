"""Screens beyond the main war room."""
