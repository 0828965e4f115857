"""Value types shared by every layer. Runbook *definitions* live in `smwar.runbooks`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

NETWORKS = ("mastodon", "bluesky", "rss", "reddit", "hackernews", "webhook", "jsonl")
"""The networks smwar's sources deliver mentions from."""


def known_network(network: str) -> str:
    """`network`, if one of `NETWORKS`: a mention's network is shown and matched on as it is.
    Else a ValueError naming it (cut short, as outside text) and those there are."""
    if network not in NETWORKS:
        raise ValueError(f"unknown network {network[:40]!r} (known: {', '.join(NETWORKS)})")
    return network


class Handed:
    """A value handed to and from the processes that assess a storm: pickled as its fields in
    order (its class called with them), three times as fast as a dataclass's own way."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return type(self), tuple(getattr(self, name) for name in self.__slots__)


@dataclass(frozen=True, slots=True)
class Mention(Handed):
    """One post about the company, as a source delivered it. `text` is untrusted."""

    network: str
    native_id: str
    author: str
    text: str
    posted_at: datetime
    lang: str | None = None
    followers: int | None = None
    url: str | None = None
    author_name: str | None = None  # the display name, where the network has one
    reply_to: str | None = None  # the post it answers (its URL or the network's id)
    quote_of: str | None = None  # the post it quotes or reposts with a comment


EDITED, DELETED = "edited", "deleted"
REPLIED = "reply.recorded"  # the event of a reply that went out (or was simulated, or failed)
FAILED = "failed"  # a reply's `how` when posting it failed: it is on record, but no reply
LEFT_TO_CLAIM = "reply.left"  # an operator found a teammate replying to a mention and left it to them
TAKEN_OVER = "reply.taken_over"  # an operator took a reply over from the teammate writing it
GUARDED = "reply.guarded"  # a reply not sent because a teammate had taken it over, replied or was sending


@dataclass(frozen=True, slots=True)
class Revision:
    """A network's word that a post was edited (with its new `text`) or deleted: journaled as a
    fact about the mention, whose first text is kept (a deleted post is evidence)."""

    network: str
    native_id: str
    kind: str  # EDITED or DELETED
    at: datetime
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Quarantined:
    """An item a source could not read: kept with its raw bytes and why, never silently lost."""

    source_id: str
    reason: str
    raw: bytes
    at: datetime


@dataclass(frozen=True, slots=True)
class TermHit(Handed):
    """Why a rule matched: which words of the mention matched which runbook term, how closely."""

    rule: str
    term: str
    words: tuple[str, ...]
    similarity: float


@dataclass(frozen=True, slots=True)
class Match(Handed):
    scenario_id: str
    score: float
    hits: tuple[TermHit, ...]


@dataclass(frozen=True, slots=True)
class Draft:
    """A reply being written to a mention; `post_key` makes a retried post the same post."""

    mention_id: int
    text: str
    template_id: str | None
    post_key: str
    saved_at: datetime


@dataclass(frozen=True, slots=True)
class Worded:
    """What a mention's wording tells the plan's rules, by the wording model: the chance that
    an affected customer wrote it, and that a community manager would answer it."""

    affected: float
    answered: float

    def __str__(self) -> str:
        return f"by the wording: affected customer {self.affected:.0%}, to answer {self.answered:.0%}"


@dataclass(frozen=True, slots=True)
class Triage(Handed):
    """What the de-escalation plan says to do with a mention: respond, watch or ignore (None:
    no rule applies), the rule that decided, and the request types it is."""

    action: str | None
    rule: str | None
    request_types: tuple[str, ...] = ()
    sentiment: float | None = None  # -1 (most negative) … +1 (most positive)


@dataclass(frozen=True, slots=True)
class JournaledMention:
    """A mention after the pipeline: its journal id, when it arrived, and what it matched."""

    id: int
    mention: Mention
    received_at: datetime
    matches: tuple[Match, ...] = ()
    author_tags: tuple[str, ...] = ()
    triage: Triage | None = None
    revised: str | None = None  # EDITED or DELETED, as the network last said

    @property
    def best(self) -> Match | None:
        return max(self.matches, key=lambda match: match.score, default=None)


class IncidentStatus(StrEnum):
    PROPOSED = "proposed"
    OPEN = "open"
    DISMISSED = "dismissed"
    RESOLVED = "resolved"
    REVIEWED = "reviewed"


class StepStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in progress"
    DONE = "done"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Note:
    at: datetime
    actor: str
    text: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of one notification to one contact."""

    contact_id: str
    ok: bool
    detail: str
    at: datetime
    simulated: bool = False


@dataclass(frozen=True, slots=True)
class StepState:
    step_id: str
    status: StepStatus = StepStatus.PENDING
    by: str | None = None
    at: datetime | None = None
    reason: str | None = None
    override: str | None = None  # why a gate was overridden to do this step
    notes: tuple[Note, ...] = ()
    deliveries: tuple[Delivery, ...] = ()

    @property
    def finished(self) -> bool:
        return self.status in (StepStatus.DONE, StepStatus.SKIPPED)


@dataclass(frozen=True, slots=True)
class AdHocStep:
    """A step the operator added to an incident's chain; its deadline counts from opening."""

    id: str
    title: str
    role: str
    deadline: timedelta  # from the start of the incident's clock (opening, or its latest reopening)
    due_in: timedelta  # how long it was given when added


@dataclass(frozen=True, slots=True)
class Incident:
    id: int
    scenario_id: str
    status: IncidentStatus
    proposed_at: datetime
    trigger: str
    opened_at: datetime | None = None
    reopened_at: datetime | None = None  # reopening restarts the clock of the steps still to do
    first_seen: datetime | None = None  # for one opened by hand: when its mention arrived
    goal: str | None = None
    closed_reason: str | None = None
    closed_at: datetime | None = None
    outcome: str | None = None
    severity: str | None = None  # None: the scenario's own
    steps: dict[str, StepState] = field(default_factory=dict)
    added_steps: tuple[AdHocStep, ...] = ()
    roles: dict[str, str] = field(default_factory=dict)  # role -> person
    linked: frozenset[int] = frozenset()  # mention ids linked by hand
    alerts: frozenset[tuple[str, str]] = frozenset()  # (step id, "due-soon" | "missed") already rung


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the append-only journal: a system decision or an operator action."""

    kind: str
    at: datetime
    actor: str
    incident_id: int | None = None
    step_id: str | None = None
    payload: dict[str, object] = field(default_factory=dict)
    id: int | None = None  # given by the journal


SYSTEM_ACTOR = "smwar"


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the war room told the operator: a proposal, a deadline, a warning, a
    campaign, a trainer's message. Kept in the journal; `read` once the operator saw it."""

    kind: str
    title: str
    body: str
    at: datetime
    scenario_id: str | None = None
    incident_id: int | None = None
    id: int = 0
    read: bool = False
    cause: str | None = None  # what it tells of, the same for every war room: the team's inbox keeps it once


@dataclass(frozen=True, slots=True)
class NoticeGroup:
    """The notices of one kind about one scenario (None: about everything), newest last."""

    kind: str
    scenario_id: str | None
    count: int
    unread: int
    first_at: datetime
    last_at: datetime
    latest: str  # the newest one: its title — its text
