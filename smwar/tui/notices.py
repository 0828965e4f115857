"""Where the war room's notices go: one inbox in the journal, and a toast only for what needs
the operator now.

Proposals, deadlines, early warnings, spikes, campaigns, lessons, trainer messages and
runbook reloads are all kept in the journal's inbox (`m` shows it, grouped by kind and
scenario). Only a new incident and a deadline also show as a toast, and the app shows one
toast at a time: a new one replaces the last, the same one again counts up.
"""

from __future__ import annotations

from datetime import datetime

from textual.app import App
from textual.notifications import SeverityLevel

from smwar.journal.interface import JournalStore
from smwar.model import Notice
from smwar.triage.signals import CAMPAIGN, SPIKE, WARNING

INCIDENT, DEADLINE, TRAINER, LESSON, RUNBOOKS = "incident", "deadline", "trainer", "lesson", "runbooks"
KIND_LABELS = {
    INCIDENT: "Incident proposed",
    DEADLINE: "Deadline",
    WARNING: "Early warning",
    SPIKE: "Spike",
    CAMPAIGN: "Campaign",
    TRAINER: "Trainer",
    LESSON: "Lessons learned",
    RUNBOOKS: "Runbooks",
}


class NoticeDesk:
    def __init__(self, app: App[None], journal: JournalStore) -> None:
        self.app = app
        self.journal = journal

    @property
    def unread(self) -> int:
        """The team's unread notices, as the journal has them: another war room reads them too."""
        return self.journal.unread_notices()

    def post(
        self,
        kind: str,
        title: str,
        body: str,
        *,
        at: datetime,
        scenario_id: str | None = None,
        incident_id: int | None = None,
        urgent: bool = False,
        severity: SeverityLevel = "warning",
        cause: str | None = None,
    ) -> None:
        """Keep a notice in the inbox, once for the team when it has a `cause` (what it tells
        of: each war room of the team tells it); `urgent` ones also show as the toast, in each."""
        self.journal.add_notice(Notice(kind, title, body, at, scenario_id, incident_id, cause=cause))
        if urgent:
            self.app.notify(body, title=title, severity=severity, timeout=15)

    def read(self, kind: str | None = None, scenario_id: str | None = None) -> None:
        """Mark a group (or, without `kind`, every notice) read."""
        self.journal.mark_read(kind, scenario_id)
