"""Value types shared by every layer. Runbook *definitions* live in `smwar.runbooks`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

NETWORKS = ("mastodon", "bluesky", "rss", "reddit", "hackernews", "webhook", "jsonl")
"""The networks smwar's sources deliver mentions from."""


@dataclass(frozen=True, slots=True)
class Mention:
    """One post about the company, as a source delivered it. `text` is untrusted."""

    network: str
    native_id: str
    author: str
    text: str
    posted_at: datetime
    lang: str | None = None
    followers: int | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class TermHit:
    """Why a rule matched: which words of the mention matched which runbook term, how closely."""

    rule: str
    term: str
    words: tuple[str, ...]
    similarity: float


@dataclass(frozen=True, slots=True)
class Match:
    scenario_id: str
    score: float
    hits: tuple[TermHit, ...]


@dataclass(frozen=True, slots=True)
class JournaledMention:
    """A mention after the pipeline: its journal id, when it arrived, and what it matched."""

    id: int
    mention: Mention
    received_at: datetime
    matches: tuple[Match, ...] = ()
    author_tags: tuple[str, ...] = ()

    @property
    def best(self) -> Match | None:
        return max(self.matches, key=lambda match: match.score, default=None)


class IncidentStatus(StrEnum):
    PROPOSED = "proposed"
    OPEN = "open"
    DISMISSED = "dismissed"
    RESOLVED = "resolved"


class StepStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Note:
    at: datetime
    actor: str
    text: str


@dataclass(frozen=True, slots=True)
class StepState:
    step_id: str
    status: StepStatus = StepStatus.PENDING
    by: str | None = None
    at: datetime | None = None
    reason: str | None = None
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class Incident:
    id: int
    scenario_id: str
    status: IncidentStatus
    proposed_at: datetime
    trigger: str
    opened_at: datetime | None = None
    goal: str | None = None
    closed_reason: str | None = None
    steps: dict[str, StepState] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the append-only journal: a system decision or an operator action."""

    kind: str
    at: datetime
    actor: str
    incident_id: int | None = None
    step_id: str | None = None
    payload: dict[str, object] = field(default_factory=dict)


SYSTEM_ACTOR = "smwar"
