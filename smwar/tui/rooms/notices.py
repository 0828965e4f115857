"""The notice room: what the war room has to say goes to the inbox (`m`), and only a new incident
or a deadline also rings and shows as the one toast.

Proposals (with the lessons of earlier incidents of the scenario), spikes, early warnings,
campaigns, deadlines coming up or missed, and trainer messages are each filed once.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen

from smwar.engine.review import lessons
from smwar.engine.session import Session
from smwar.incidents.chain import MISSED
from smwar.model import Incident
from smwar.triage.signals import CAMPAIGN, Alert
from smwar.tui.messages import Arrived, Changed, TrainerSaid
from smwar.tui.notices import DEADLINE, INCIDENT, LESSON, TRAINER, NoticeDesk
from smwar.tui.screens.inbox import InboxScreen


class NoticeRoom(Screen[None]):
    BINDINGS = [
        Binding("m", "inbox", "Inbox", tooltip="Every notice, grouped by kind and scenario", id="inbox.show"),
    ]

    session: Session
    desk: NoticeDesk

    def action_inbox(self) -> None:
        self.app.push_screen(InboxScreen(self.desk, self.session.runbooks), lambda _: self.post_message(Changed()))

    def on_arrived(self, message: Arrived) -> None:
        for alert in message.update.alerts:
            self._file_alert(alert)
        for incident in message.update.proposals:
            self._file_proposal(incident)

    def on_trainer_said(self, message: TrainerSaid) -> None:
        self.app.bell()
        self.desk.post(TRAINER, "Trainer", message.text, at=self.session.clock.now())

    def _file_alert(self, alert: Alert) -> None:
        """A spike, an early-warning sign or a campaign: into the inbox, with the bell but for a campaign."""
        if alert.kind != CAMPAIGN:
            self.app.bell()
        scenario = self.session.runbooks.find_scenario(alert.scenario_id) if alert.scenario_id else None
        title = f"{alert.title} ({scenario.title})" if scenario else alert.title
        detail = f"{alert.author} — {alert.detail}" if alert.author else alert.detail
        cause = f"alert:{alert.event_id}" if alert.event_id is not None else None
        self.desk.post(
            alert.kind, title, detail, at=self.session.clock.now(), scenario_id=alert.scenario_id, cause=cause
        )

    def _file_proposal(self, incident: Incident) -> None:
        self.app.bell()
        scenario = self.session.runbooks.scenario(incident.scenario_id)
        now = self.session.clock.now()
        self.desk.post(
            INCIDENT,
            f"Incident #{incident.id} proposed",
            f"{scenario.title}: {incident.trigger}. Press o to open it, x to dismiss.",
            at=now,
            scenario_id=scenario.id,
            incident_id=incident.id,
            urgent=True,
            cause=f"proposed:{incident.id}",
        )
        learned = [x for x in lessons(self.session.journal, incident.scenario_id) if x.incident_id < incident.id]
        if learned:
            self.desk.post(
                LESSON,
                f"Lessons learned from earlier {scenario.title} incidents",
                "\n".join(f"• {lesson.text} (#{lesson.incident_id})" for lesson in learned[-5:]),
                at=now,
                scenario_id=scenario.id,
                incident_id=incident.id,
                cause=f"lessons:{incident.id}",
            )

    def ring_deadlines(self) -> None:
        """Due-soon and overdue steps ring once each (the session journals that they did)."""
        for incident, step, kind in self.session.desk.due_alerts():
            self.app.bell()
            due = "is overdue" if kind == MISSED else "is due soon"
            self.desk.post(
                DEADLINE,
                "Deadline",
                f"Incident #{incident.id}: “{step.title}” {due}.",
                at=self.session.clock.now(),
                scenario_id=incident.scenario_id,
                incident_id=incident.id,
                urgent=True,
                severity="error" if kind == MISSED else "warning",
                cause=f"deadline:{incident.id}:{step.id}:{kind}",
            )
