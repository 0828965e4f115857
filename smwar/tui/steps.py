"""What the operator does to a step of a reaction chain, wherever its checklist is shown (beside
the feed or on the incident's own screen): done (or an overridden gate, with a reason), in
progress, skipped, a note, and its notifications sent off the UI thread."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from smwar.engine.notifications import notify_step
from smwar.engine.session import Session
from smwar.incidents.chain import check_actionable, find_step, missing_gates
from smwar.model import Delivery, IncidentStatus
from smwar.tui.acting import alarm, ask, attempt
from smwar.tui.widgets.chain import ChainTable

NOTIFICATIONS = "notifications"  # the workers' group


def act_on_step(app: App[None], session: Session, message: ChainTable.Act) -> None:
    incident_id, step_id = message.incident_id, message.step_id
    if message.action == "done":
        incident = session.desk.incident(incident_id)
        step = find_step(incident, session.runbooks.scenario(incident.scenario_id), step_id)
        waiting = missing_gates(incident, step)
        if not waiting:
            attempt(app, lambda: session.desk.complete_step(incident_id, step_id))
            return
        if not attempt(app, lambda: check_actionable(incident, step)):
            return
        ask(
            app,
            f"Override the gate of step {step_id!r}?",
            f"It waits for {', '.join(waiting)}. Doing it anyway is recorded with your reason.",
            lambda reason: session.desk.complete_step(incident_id, step_id, override=reason),
            placeholder="e.g. the PR advisor approved by phone",
        )
    elif message.action == "start":
        attempt(app, lambda: session.desk.start_step(incident_id, step_id))
    elif message.action == "skip":
        ask(
            app,
            f"Skip step {step_id!r}",
            "Why is this step skipped?",
            lambda reason: session.desk.skip_step(incident_id, step_id, reason),
            placeholder="e.g. no media coverage yet",
        )
    elif message.action == "note":
        ask_note(app, session, incident_id, step_id)


def ask_note(app: App[None], session: Session, incident_id: int, step_id: str | None) -> None:
    about = f"step {step_id!r}" if step_id else f"incident #{incident_id}"
    ask(
        app,
        f"Note on {about}",
        "What should the record say?",
        lambda text: session.desk.add_note(incident_id, step_id, text),
    )


class StepNotifier:
    """Sends a step's notifications on a worker of the `owner` screen and says how it went; the
    same step is not sent twice while its notifications are on their way."""

    def __init__(self, owner: Screen[None], session: Session, *, simulated: bool, done: Callable[[], None]) -> None:
        self.owner = owner
        self.session = session
        self.simulated = simulated
        self.done = done  # what changed on screen: the step's deliveries
        self.sending: set[tuple[int, str]] = set()

    def send(self, incident_id: int, step_id: str) -> None:
        if (incident_id, step_id) in self.sending:
            self.owner.notify("These notifications are on their way already.", markup=False)
            return
        incident = self.session.desk.incident(incident_id)
        if incident.status is not IncidentStatus.OPEN:
            alarm(
                self.owner, f"Incident #{incident_id} is {incident.status}: only an open incident notifies.", "Not sent"
            )
            return
        self.sending.add((incident_id, step_id))
        self.owner.notify(f"Notifying for step {step_id!r}…", markup=False)
        self.owner.run_worker(
            lambda: self._deliver(incident_id, step_id), thread=True, group=NOTIFICATIONS, exit_on_error=False
        )

    def _deliver(self, incident_id: int, step_id: str) -> None:
        deliveries = notify_step(self.session, incident_id, step_id, simulated=self.simulated)
        self.owner.app.call_from_thread(self._show, (incident_id, step_id), deliveries)

    def _show(self, sent: tuple[int, str], deliveries: list[Delivery]) -> None:
        self.sending.discard(sent)
        if not deliveries:
            self.owner.notify("Everyone on this step has been reached already.", markup=False)
        reached = [d.contact_id for d in deliveries if d.ok]
        failed = [d for d in deliveries if not d.ok]
        if reached:
            how = "Simulated (a drill sends nothing)" if deliveries[0].simulated else "Sent"
            self.owner.notify(f"{how}: {', '.join(reached)}", title="Notified", markup=False)
        if failed:
            self.owner.app.bell()
            lines = "\n".join(f"{d.contact_id}: {d.detail}" for d in failed)
            alarm(self.owner, f"{lines}\nPress m on the step to try again.", "Notification failed")
        self.done()

    def failed(self, worker: Worker[object]) -> None:
        """Say it when a notification worker failed: the step can be sent again."""
        if worker.group != NOTIFICATIONS or worker.state is not WorkerState.ERROR:
            return
        self.sending.clear()
        alarm(self.owner, f"Notifying stopped: {worker.error}", "Notification failed")
        self.done()
