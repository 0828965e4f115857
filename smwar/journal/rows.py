"""Rows of the PostgreSQL journal turned into the journal's models."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from smwar.clock import from_iso
from smwar.model import Event, Match, TermHit


def match_of(scenario_id: str, score: float, explanation: str) -> Match:
    """A match as its row keeps it: the hits explained as JSON."""
    hits = tuple(
        TermHit(hit["rule"], hit["term"], tuple(hit["words"]), hit["similarity"]) for hit in json.loads(explanation)
    )
    return Match(scenario_id, score, hits)


def matches_by_mention(rows: Iterable[tuple[int, str, float, str]]) -> dict[int, tuple[Match, ...]]:
    """(mention id, scenario, score, explanation) rows, best first, as each mention's matches."""
    found: dict[int, list[Match]] = {}
    for mention_id, scenario_id, score, explanation in rows:
        found.setdefault(mention_id, []).append(match_of(scenario_id, score, explanation))
    return {key: tuple(value) for key, value in found.items()}


def event_of(row: Mapping[str, Any]) -> Event:
    return Event(
        row["kind"],
        from_iso(row["at"]),
        row["actor"],
        row["incident_id"],
        row["step_id"],
        json.loads(row["payload"]),
        row["id"],
    )
