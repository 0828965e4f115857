"""A war room beside the ingest leader: what the leader and the other war rooms wrote to the
journal since the last look, in the shape the leader's own poll gives it.

The screen's process matches nothing: it notices a commit by another connection with one
cheap check (`changed()`: SQLite's data version, PostgreSQL's notifications), then reads the
new mentions (a storm's in slices of `MAX_INTAKE`), and the new events: incidents proposed,
opened and worked elsewhere, and the leader's alerts. The sources' health, its backlog and
who leads come from the journal too.
"""

from __future__ import annotations

import time

from smwar.clock import RealClock
from smwar.engine.leader import LeaderProcess
from smwar.engine.live import MAX_INTAKE
from smwar.engine.pipeline import ALERT_EVENT_KINDS, Idle, Update, alert_from
from smwar.engine.session import Session
from smwar.journal.interface import JournalStore
from smwar.journal.team import INGEST
from smwar.model import Event
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.terms import Progress
from smwar.sources.runner import Health

NO_LEADER = "no ingest process is running: nothing new arrives"


def follow(
    journal: JournalStore,
    runbooks: RunbookSet,
    operator: str,
    process: LeaderProcess | None = None,
    progress: Progress | None = None,
) -> Follower:
    """A live war room's session on the real clock, kept in step with the journal."""
    return Follower(Session(journal, runbooks, RealClock(), Idle(), operator, progress), process)


class Follower:
    def __init__(self, session: Session, process: LeaderProcess | None = None) -> None:
        """`process`: the leader process this war room started, looked after on each poll."""
        self.session = session
        self.process = process
        journal = session.journal
        self._mention_id = journal.last_mention_id()
        self._event_id = journal.last_event_id()
        self.behind = False  # the last read stopped at `MAX_INTAKE`: more is waiting
        self._health: list[Health] = []
        self._backlog = 0
        self.missing: str | None = None  # why no ingest process leads, while none does
        journal.changed()

    def poll(self) -> Update:
        """What was journaled since the last poll (nothing read when nobody wrote)."""
        if self.process is not None:
            self.process.check()
        journal = self.session.journal
        if not journal.changed() and not self.behind:
            self._look_at_leader()
            return Update()
        mentions = journal.mentions(after_id=self._mention_id, limit=MAX_INTAKE)
        self.behind = len(mentions) == MAX_INTAKE
        if mentions:
            self._mention_id = mentions[-1].id
        events = list(journal.events(after_id=self._event_id))
        if events:
            self._event_id = events[-1].id
        proposals = self.session.desk.catch_up(events)
        alerts = [alert_from(event) for event in events if event.kind in ALERT_EVENT_KINDS]
        self.session.pipeline.watch(mentions)
        self._look_at_leader()
        return Update(tuple(mentions), tuple(proposals), tuple(self._messages_in(events)), tuple(alerts))

    def _messages_in(self, events: list[Event]) -> list[str]:
        """What the screen is to say of `events` besides what it shows of them: nothing live."""
        return []

    def _look_at_leader(self) -> None:
        journal = self.session.journal
        lease = journal.lease(INGEST)
        if lease is None or not lease.held_at(time.time()):  # what the last leader said no longer holds
            self.missing = (self.process.ended if self.process is not None else None) or NO_LEADER
            self._health, self._backlog = [], 0
        else:
            self.missing = None
            self._health, self._backlog = journal.source_health(), lease.backlog

    # -- the sources, as the leader runs them ------------------------------------------

    def health(self) -> list[Health]:
        return self._health

    def backlog(self) -> int:
        return self._backlog

    def toggle_pause(self, source_id: str) -> bool:
        """Ask the leader to pause the source (or resume it); True if it is to be paused."""
        paused = source_id not in self.session.journal.paused_sources()
        self.session.journal.set_paused(source_id, paused)
        return paused
