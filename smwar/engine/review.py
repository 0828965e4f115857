"""Build the post-mortem of an incident from its journal, whichever backend keeps it: the
session gives the incident and its figures, the journal's reader streams the mentions and
counts, so a review of a million mentions takes the memory of a thousand."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from smwar.clock import Clock, ManualClock, from_iso
from smwar.engine.desk import IncidentDesk
from smwar.engine.session import Session
from smwar.errors import SmwarError
from smwar.incidents import chain
from smwar.journal.address import open_journal
from smwar.journal.interface import JournalStore
from smwar.journal.reading import MentionRow, Reading, Span, Tally
from smwar.model import SYSTEM_ACTOR, Event, Incident, Mention
from smwar.review.report import (
    FAILED,
    LESSON,
    REPLIED,
    REVISED_ROWS,
    Lesson,
    ReplyRecord,
    Review,
    Revised,
    Volume,
    deviations,
    timeline,
)
from smwar.runbooks.definitions import RunbookSet
from smwar.triage.decide import RESPOND, Triager
from smwar.triage.signals import ALERT_KINDS

AUTHOR_WINDOW = timedelta(hours=1)  # did the author calm down after a reply?
VOLUME_WINDOW = timedelta(minutes=30)  # did the scenario's volume?
BUCKETS = 60  # points of the volume chart


def span_of(incident: Incident, session: Session) -> Span:
    """The incident's mentions: from its trigger window before the proposal to its close (or now)."""
    scenario = session.runbooks.find_scenario(incident.scenario_id)
    within = scenario.trigger.within if scenario is not None else timedelta(0)
    end = incident.closed_at or session.clock.now()
    return Span(incident.scenario_id, incident.proposed_at - within, end, frozenset(incident.linked))


def build_review(session: Session, incident_id: int, *, figures: bool = True) -> Review:
    """The post-mortem of `incident_id`; without `figures` only its story (timeline, replies,
    chain), not the counts over all its mentions: what the CSV export needs, and faster."""
    incident = session.desk.incident(incident_id)
    span = span_of(incident, session)
    scenario = session.runbooks.find_scenario(incident.scenario_id)
    metrics = session.desk.metrics(incident_id)
    events = session.desk.events_of(incident_id)
    with session.journal.reader() as reader:
        replied = _replies(reader, span, session.journal.events(kind=REPLIED))
        replies = [record for _, record in replied]
        authors = {reply.author for reply in replies}
        bucket = _bucket(span.end - span.start)
        volume = Volume(span.start, bucket, {})
        tally = Tally(0, {}, 0, 0, [])
        revised_rows = reader.revised(span, REVISED_ROWS)
        if figures:
            with ThreadPoolExecutor(max_workers=1) as aside:  # two counts at once: a read lets go of the interpreter
                counted = aside.submit(_volume, session.journal, span, bucket)
                tally = reader.tally(span, authors)
                volume = Volume(span.start, bucket, counted.result())
    must, answered = _must_answer(tally, span, session.runbooks, authors)
    return Review(
        incident=incident,
        title=scenario.title if scenario is not None else incident.scenario_id,
        severity=str(chain.severity(incident, scenario)) if scenario is not None else incident.severity or "",
        start=span.start,
        end=span.end,
        metrics=metrics,
        mentions=tally.mentions,
        networks=tally.networks,
        must_answer=must,
        answered=answered,
        replies=tuple(replies),
        timeline=timeline([*events, *(event for event, _ in replied), *_alerts(session, span)]),
        deviations=deviations(incident, metrics.steps, events),
        lessons=lessons(session.journal, incident.scenario_id, only=incident_id),
        volume=volume,
        revised=tuple(
            Revised(row.author, row.network, row.text, row.revised or "", row.revised_text) for row in revised_rows
        ),
    )


def _volume(journal: JournalStore, span: Span, bucket: timedelta) -> dict[str, list[int]]:
    with journal.reader() as reader:
        return reader.volume(span.start, span.end, bucket)


def _alerts(session: Session, span: Span) -> list[Event]:
    """The alerts about the incident's scenario (and all mentions' spikes) from a baseline
    span before its window to its end: what warned of it, and how the storm went."""
    start = span.start - session.runbooks.trends.baseline
    return [
        event
        for kind in ALERT_KINDS.values()
        for event in session.journal.events(kind=kind)
        if start <= event.at <= span.end and event.payload.get("scenario") in (span.scenario_id, None)
    ]


def _bucket(length: timedelta) -> timedelta:
    """A round bucket that gives the chart about `BUCKETS` points."""
    for minutes in (1, 2, 5, 10, 15, 30, 60, 120, 240, 720, 1440):
        if length <= timedelta(minutes=minutes * BUCKETS):
            return timedelta(minutes=minutes)
    return timedelta(days=1)


def _replies(reader: Reading, span: Span, events: Iterator[Event]) -> list[tuple[Event, ReplyRecord]]:
    """The replies to the incident's mentions, each with what followed it."""
    records = []
    for event in events:
        payload = event.payload
        mention_id = int(str(payload.get("mention_id", 0)))
        if payload.get("how") == FAILED or not reader.concerns(span, mention_id):
            continue
        author = str(payload.get("author", ""))
        arrived = reader.received_at(mention_id)
        records.append(
            (
                event,
                ReplyRecord(
                    at=event.at,
                    actor=event.actor,
                    network=str(payload.get("network", "")),
                    author=author,
                    text=str(payload.get("text", "")),
                    simulated=bool(payload.get("simulated")),
                    took=event.at - arrived if arrived is not None else None,
                    author_before=reader.count_between(span.scenario_id, event.at - AUTHOR_WINDOW, event.at, author),
                    author_after=reader.count_between(span.scenario_id, event.at, event.at + AUTHOR_WINDOW, author),
                    volume_before=reader.count_between(span.scenario_id, event.at - VOLUME_WINDOW, event.at),
                    volume_after=reader.count_between(span.scenario_id, event.at, event.at + VOLUME_WINDOW),
                ),
            )
        )
    return records


def _must_answer(tally: Tally, span: Span, runbooks: RunbookSet, replied: set[str]) -> tuple[int, int]:
    """How many of the incident's mentions the de-escalation plan said to answer, and of how
    many of those the author got a reply. A mention journaled before triage existed, or
    linked by hand, is triaged now."""
    must, answered = tally.must_answer, tally.answered
    if tally.untriaged:
        triager = Triager(runbooks)
        for row in tally.untriaged:
            tags = [tag for tag in (row.author_tags or "").split(",") if tag]
            if triager.triage(as_mention(row), tags, [span.scenario_id]).action == RESPOND:
                must += 1
                answered += row.author in replied
    return must, answered


def as_mention(row: MentionRow) -> Mention:
    return Mention(
        network=row.network,
        native_id=row.native_id,
        author=row.author,
        text=row.text,
        posted_at=from_iso(row.posted_at),
        lang=row.lang,
        followers=row.followers,
        url=row.url,
        author_name=row.author_name,
    )


def lessons(journal: JournalStore, scenario_id: str, only: int | None = None) -> tuple[Lesson, ...]:
    """Lessons learned from incidents of `scenario_id` (or from incident `only`), oldest first."""
    scenario_of = {incident_id: sid for incident_id, sid in journal.incident_scenarios()}
    return tuple(
        Lesson(event.at, event.actor, str(event.payload.get("text", "")), event.incident_id or 0)
        for event in journal.events(kind=LESSON)
        if scenario_of.get(event.incident_id or 0) == scenario_id and (only is None or event.incident_id == only)
    )


def add_lesson(session: Session, incident_id: int, text: str) -> None:
    """Keep a lesson learned with the incident; it is shown when its scenario fires again."""
    session.desk.record_for(incident_id, LESSON, text=chain.text(text, "write the lesson"))


@contextmanager
def reading_session(address: str, runbooks: RunbookSet) -> Iterator[Session]:
    """A session on the journal at `address` (`postgresql://…` or `sqlite:PATH`) for reviewing
    it, as it stands: at the drill clock's last position for a drill run, now for the live
    journal. A SQLite journal that is not there is not created."""
    with open_journal(address, create=False) as journal:
        drill = journal.meta().get("mode") == "drill"
        now = (journal.latest_time() if drill else None) or datetime.now(UTC)
        yield ReadingSession(journal, runbooks, ManualClock(now))


class ReadingSession(Session):
    """A session that only reads: the desk, without the intake pipeline, whose setup (match
    counts, trigger windows, learned troublemakers) reads much of the journal for nothing."""

    def __init__(self, journal: JournalStore, runbooks: RunbookSet, clock: Clock) -> None:
        self.journal, self.runbooks, self.clock, self.operator = journal, runbooks, clock, SYSTEM_ACTOR
        self.desk = IncidentDesk(journal, runbooks, clock, SYSTEM_ACTOR)


def check_incident(session: Session, incident_id: int) -> None:
    known = [incident.id for incident in session.desk.incidents()]
    if incident_id not in known:
        listed = ", ".join(f"#{i}" for i in known) or "none"
        raise SmwarError(f"no incident #{incident_id} in {session.journal.path} (incidents: {listed})")
