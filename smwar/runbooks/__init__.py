"""Runbooks: the company's written-down plan, scenarios and reaction chains, and the matcher."""
