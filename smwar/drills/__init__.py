"""Drills: scripted crises replayed on a drill clock, each run in a journal of its own."""
