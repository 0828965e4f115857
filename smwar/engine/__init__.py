"""The engine composes a working session: mentions in, matched, journaled, incidents out."""
