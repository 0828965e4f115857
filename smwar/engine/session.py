"""A session: the intake pipeline and the incident desk wired to one journal, runbook set,
clock and operator. The parts do the work (`session.pipeline.poll()`,
`session.desk.open_incident(...)`); the session only builds them and keeps them on one runbook set."""

from __future__ import annotations

from smwar.clock import Clock
from smwar.engine.desk import IncidentDesk
from smwar.engine.pipeline import MentionSource, Pipeline
from smwar.journal.interface import JournalStore
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.terms import Progress


class Session:
    def __init__(
        self,
        journal: JournalStore,
        runbooks: RunbookSet,
        clock: Clock,
        source: MentionSource,
        operator: str,
        progress: Progress | None = None,
        workers: int = 0,
    ) -> None:
        """`progress` is told how compiling the runbooks' rules goes (a large set takes seconds);
        `workers`: the processes that assess a storm's big batches beside this one."""
        self.journal = journal
        self.runbooks = runbooks
        self.clock = clock
        self.operator = operator
        self.desk = IncidentDesk(journal, runbooks, clock, operator)
        self.pipeline = Pipeline(source, journal, runbooks, clock, self.desk, progress, workers)

    def reload(self, runbooks: RunbookSet, *, journaled: bool = True) -> None:
        """Put an edited runbook set in force in the pipeline and at the desk; refused (the old
        set stays) if it drops a scenario with an active incident. `journaled`: whether this
        process records the change (beside an ingest leader, the leader does)."""
        self.pipeline.reload(runbooks, journaled=journaled)
        self.runbooks = runbooks
