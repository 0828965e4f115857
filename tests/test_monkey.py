"""A short key storm (30 s, a fixed seed) on the war room in a real terminal while a hostile
drill streams: no crash and no escape. `scripts/monkey.py` runs the long one and also counts
redraws slower than 1 s, which depend on the machine's load and are not asserted here."""

from __future__ import annotations

from scripts.monkey import storm


def test_a_key_storm_breaks_nothing() -> None:
    counts = storm(minutes=0.5, seed=7, speed=10)
    assert (counts["crashes"], counts["escapes"]) == (0, 0), counts
