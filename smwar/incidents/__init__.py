"""Incidents: when a scenario fires, and the reaction chain's state, folded from events."""
