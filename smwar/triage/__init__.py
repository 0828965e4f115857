"""Triage: what the de-escalation plan says to do with each mention."""
