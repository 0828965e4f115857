"""The post-mortem of one incident: what happened when, the figures, where the team left the
runbook, and what it learned. Built by the engine from the journal; shown by the review
screen and written by the exports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from smwar.incidents import chain
from smwar.incidents.metrics import IncidentMetrics, StepTiming
from smwar.model import FAILED, REPLIED, Event, Incident, StepStatus
from smwar.review.pseudonym import Pseudonyms
from smwar.triage.signals import ALERT_KINDS, WARNING

LESSON = "lesson.added"
REVISED_ROWS = 100  # the edited and deleted mentions a post-mortem lists (the CSV and JSON carry all)


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the timeline: an action or a system decision, in words."""

    at: datetime
    actor: str
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class ReplyRecord:
    """A reply to one of the incident's mentions, and what followed it."""

    at: datetime
    actor: str
    network: str
    author: str
    text: str
    simulated: bool
    took: timedelta | None  # from the mention's arrival to the reply
    author_before: int  # the author's matching mentions in the hour before the reply…
    author_after: int  # …and in the hour after
    volume_before: int  # the scenario's mentions in the half hour before the reply…
    volume_after: int  # …and in the half hour after

    @property
    def calmed(self) -> bool:
        """Fewer mentions after than before: of the author, or if they were quiet, overall."""
        if self.author_before or self.author_after:
            return self.author_after < self.author_before
        return self.volume_after < self.volume_before


@dataclass(frozen=True, slots=True)
class Revised:
    """One of the incident's mentions its network later said was edited or deleted."""

    author: str
    network: str
    text: str  # as first seen
    kind: str  # EDITED or DELETED
    revised_text: str | None  # as last edited; None once deleted


@dataclass(frozen=True, slots=True)
class Volume:
    """Matching mentions per scenario in buckets of `bucket` from `start`."""

    start: datetime
    bucket: timedelta
    series: dict[str, list[int]]


@dataclass(frozen=True, slots=True)
class Lesson:
    at: datetime
    actor: str
    text: str
    incident_id: int


@dataclass(frozen=True, slots=True)
class Review:
    incident: Incident
    title: str  # the scenario's
    severity: str
    start: datetime  # from the trigger window before the proposal…
    end: datetime  # …to the close, or now
    metrics: IncidentMetrics
    mentions: int
    networks: dict[str, int]
    must_answer: int  # mentions the de-escalation plan says to answer…
    answered: int  # …and how many of them got a reply
    replies: tuple[ReplyRecord, ...]
    timeline: tuple[Entry, ...]
    deviations: tuple[str, ...]
    lessons: tuple[Lesson, ...]
    volume: Volume
    revised: tuple[Revised, ...] = ()  # the first `REVISED_ROWS` of its mentions edited or deleted since

    @property
    def warned_ahead(self) -> timedelta | None:
        """How long before the proposal the first early-warning sign of it was raised."""
        signs = [entry.at for entry in self.timeline if entry.kind == ALERT_KINDS[WARNING]]
        first = min(signs, default=None)
        return self.incident.proposed_at - first if first is not None and first <= self.incident.proposed_at else None

    @property
    def first_reply(self) -> timedelta | None:
        """From the opening (or the proposal) to the first reply to one of its mentions."""
        if not self.replies:
            return None
        since = self.incident.opened_at or self.incident.proposed_at
        return max(self.replies[0].at - since, timedelta(0))

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.must_answer if self.must_answer else None

    @property
    def milestones(self) -> list[tuple[datetime, str]]:
        """The moments a chart marks: the incident's states and its steps done."""
        marks = [(self.incident.proposed_at, "proposed")]
        marks += [(e.at, e.kind.split(".", 1)[1]) for e in self.timeline if e.kind in _STATES]
        marks += [(e.at, f"{e.text.split(':', 1)[0]}") for e in self.timeline if e.kind == chain.STEP_DONE]
        return sorted(marks)

    def templates(self) -> dict[str, int]:
        """How often each reply wording was used (the first line of each reply)."""
        used: dict[str, int] = {}
        for reply in self.replies:
            first = reply.text.splitlines()[0] if reply.text else ""
            used[first] = used.get(first, 0) + 1
        return dict(sorted(used.items(), key=lambda item: -item[1]))


_STATES = {chain.OPENED, chain.RESOLVED, chain.REVIEWED, chain.REOPENED, chain.DISMISSED}


def describe(event: Event) -> str:
    """An event of an incident in the words of a post-mortem."""
    p = event.payload
    step = event.step_id or ""
    texts = {
        chain.PROPOSED: f"proposed: {p.get('trigger')}",
        chain.OPENED: f"opened — goal: {p.get('goal')}",
        chain.DISMISSED: f"dismissed: {p.get('reason')}",
        chain.RESOLVED: f"resolved — outcome: {p.get('outcome')}",
        chain.REVIEWED: f"reviewed: {p.get('note', '')}".rstrip(": "),
        chain.REOPENED: f"reopened: {p.get('reason')}",
        chain.SEVERITY: f"severity set to {p.get('severity')}",
        chain.LINKED: f"mention #{p.get('mention_id')} linked",
        chain.STEP_STARTED: f"{step}: in progress",
        chain.STEP_DONE: f"{step}: done" + (f" (gate overridden: {p['override']})" if p.get("override") else ""),
        chain.STEP_SKIPPED: f"{step}: skipped — {p.get('reason')}",
        chain.STEP_ADDED: f"{step}: added “{p.get('title')}”",
        chain.NOTE: f"note{' on ' + step if step else ''}: {p.get('text')}",
        chain.ROLE: f"{p.get('role')}: {p.get('person')}",
        chain.UNDONE: f"undone: {p.get('undid')}",
        chain.DEADLINE: f"{step}: {'overdue' if p.get('alert') == chain.MISSED else 'due soon'}",
        chain.NOTIFIED: f"{step}: notified {p.get('contact')} — "
        + ("simulated" if p.get("simulated") else "delivered" if p.get("ok") else f"failed: {p.get('detail')}"),
        LESSON: f"lesson learned: {p.get('text')}",
        REPLIED: (f"posting failed ({p.get('detail')}) of a " if p.get("how") == FAILED else "")
        + f"reply to {p.get('author')} on {p.get('network')}"
        + (" (simulated)" if p.get("simulated") else f" ({p.get('how')})" if p.get("how") else "")
        + f": {p.get('text')}",
    }
    if event.kind in ALERT_KINDS.values():
        return f"{p.get('title')}: {p.get('detail')}"
    return texts.get(event.kind, event.kind)


def timeline(events: Iterable[Event]) -> tuple[Entry, ...]:
    return tuple(Entry(event.at, event.actor, event.kind, describe(event)) for event in sorted(events, key=_when))


def _when(event: Event) -> tuple[datetime, int]:
    return event.at, event.id or 0


def deviations(incident: Incident, steps: Iterable[StepTiming], events: Iterable[Event]) -> tuple[str, ...]:
    """Where the team left the runbook: skipped steps, overridden gates, missed deadlines,
    steps added by hand, undone actions, severity changes and reopenings."""
    found: list[str] = []
    for step in steps:
        state = chain.step_state(incident, step.step_id)
        if state.status is StepStatus.SKIPPED:
            found.append(f"step {step.step_id} skipped: {state.reason}")
        if state.override:
            found.append(f"gate of step {step.step_id} overridden: {state.override}")
        if step.missed:
            found.append(f"step {step.step_id} missed its deadline ({_minutes(step.deadline)} after opening)")
    for added in incident.added_steps:
        found.append(f"step {added.id} added by hand: {added.title}")
    for event in events:
        if event.kind == chain.UNDONE:
            found.append(f"undone: {event.payload.get('undid')}")
        elif event.kind == chain.SEVERITY:
            found.append(f"severity changed to {event.payload.get('severity')}")
        elif event.kind == chain.REOPENED:
            found.append(f"reopened: {event.payload.get('reason')}")
    return tuple(found)


def _minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def pseudonymised(review: Review, names: Pseudonyms) -> Review:
    """`review` for sharing outside the team: authors replaced, links dropped, in every text."""
    authors = sorted({reply.author for reply in review.replies}, key=len, reverse=True)

    def scrub(text: str) -> str:
        text = names.text(text)
        for author in authors:  # handles written without "@" (Bluesky) in free text
            text = text.replace(author, names.author(author))
        return text

    return replace(
        review,
        incident=replace(
            review.incident,
            goal=scrub(review.incident.goal) if review.incident.goal else None,
            outcome=scrub(review.incident.outcome) if review.incident.outcome else None,
            closed_reason=scrub(review.incident.closed_reason) if review.incident.closed_reason else None,
        ),
        replies=tuple(replace(r, author=names.author(r.author), text=scrub(r.text)) for r in review.replies),
        timeline=tuple(replace(entry, text=scrub(entry.text)) for entry in review.timeline),
        deviations=tuple(scrub(text) for text in review.deviations),
        lessons=tuple(replace(lesson, text=scrub(lesson.text)) for lesson in review.lessons),
        revised=tuple(
            replace(
                post,
                author=names.author(post.author),
                text=scrub(post.text),
                revised_text=scrub(post.revised_text) if post.revised_text is not None else None,
            )
            for post in review.revised
        ),
    )
