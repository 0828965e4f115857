"""One incident: its goal, trigger and the reaction chain as a checklist, beside the feed."""

from __future__ import annotations

from datetime import timedelta

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from smwar.engine.review import lessons
from smwar.engine.session import Session
from smwar.incidents.chain import (
    ChainError,
    clock_start,
    incident_notes,
    missing_gates,
    parse_added_step,
    severity,
    step_state,
)
from smwar.incidents.metrics import IncidentMetrics
from smwar.model import Incident
from smwar.plaintext import printable
from smwar.runbooks.definitions import Step
from smwar.timespan import format_offset
from smwar.tui.acting import ask, attempt
from smwar.tui.guard import Guarded
from smwar.tui.messages import Changed
from smwar.tui.screens.prompt import ChoicePrompt
from smwar.tui.screens.review import ReviewScreen
from smwar.tui.steps import StepNotifier, act_on_step, ask_note
from smwar.tui.text import local_time, plain
from smwar.tui.widgets.chain import ChainTable
from smwar.tui.widgets.keys import KeysLine


class IncidentScreen(Guarded, ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the war room", id="incident.back"),
        Binding(
            "N", "note_incident", "Incident note", tooltip="Add a note to the incident as a whole", id="incident.note"
        ),
        Binding(
            "u", "undo", "Undo", tooltip="Take back the newest step, note, role or severity action", id="incident.undo"
        ),
        Binding(
            "m", "notify", "Notify", tooltip="Send the highlighted step's notifications (again)", id="incident.notify"
        ),
        Binding("a", "add_step", "Add step", tooltip="Add an ad-hoc step to the chain", id="incident.add_step"),
        Binding(
            "r", "assign_role", "Role", tooltip="Give a role to a person (a handover if taken)", id="incident.role"
        ),
        Binding("greater_than_sign", "severity(1)", "Severity up", key_display=">", show=False, id="incident.sev_up"),
        Binding("less_than_sign", "severity(-1)", "Severity down", key_display="<", show=False, id="incident.sev_down"),
        Binding("R", "resolve", "Resolve", tooltip="Resolve the incident (asks how it ended)", id="incident.resolve"),
        Binding(
            "V", "review", "Reviewed", show=False, tooltip="Mark the resolved incident reviewed", id="incident.review"
        ),
        Binding(
            "O", "reopen", "Reopen", show=False, tooltip="Reopen a closed incident (asks why)", id="incident.reopen"
        ),
        Binding(
            "v",
            "post_mortem",
            "Post-mortem",
            tooltip="The post-mortem: figures, timeline, search, lessons, export",
            id="incident.post_mortem",
        ),
    ]

    def __init__(self, session: Session, incident_id: int, notifier: StepNotifier) -> None:
        super().__init__()
        self.session = session
        self.incident_id = incident_id
        self.notifier = notifier  # the war room's: a step on its way is not sent twice
        self.ready = False

    def compose(self) -> ComposeResult:
        yield Static(id="drill-banner", classes="banner")
        with Vertical(id="incident-body"):
            yield Static(id="incident-head")
            yield ChainTable(id="incident-chain")
            yield Static(id="step-detail")
        yield KeysLine()

    def on_mount(self) -> None:
        self.query_one("#drill-banner", Static).update(self.app.banner_text())  # type: ignore[attr-defined]
        self.ready = True  # its widgets are there: from now on it may be refreshed
        self.refresh_view()
        self.query_one(ChainTable).focus()
        self.set_interval(1.0, self.on_changed)  # deadlines count down

    def on_changed(self, _: Changed | None = None) -> None:
        if self.ready:
            self.refresh_view()

    def on_screen_suspend(self) -> None:
        self.ready = False  # on its way out (popped, or another screen on top): its widgets may go

    def on_screen_resume(self) -> None:
        self.ready = self.is_mounted
        if self.ready:  # what changed while a prompt was on top
            self.refresh_view()

    @property
    def incident(self) -> Incident:
        return self.session.desk.incident(self.incident_id)

    def refresh_view(self) -> None:
        incident = self.incident
        scenario = self.session.runbooks.find_scenario(incident.scenario_id)
        if scenario is None:  # a reload took it away
            self.app.pop_screen()
            self.app.notify(f"Scenario {incident.scenario_id!r} is no longer in the runbooks.", markup=False)
            return
        now = self.session.clock.now()
        head = Text(end="")
        head.append(f"Incident #{incident.id} · {printable(scenario.title)}\n", style="bold")
        head.append(
            f"{incident.status.upper()} · severity {severity(incident, scenario)} · "
            f"proposed {local_time(incident.proposed_at)} because {incident.trigger}"
        )
        started = clock_start(incident)
        if started is not None and incident.closed_at is None:
            again = " since reopening" if incident.reopened_at else ""
            head.append(f" · open for {format_offset(now - started)}{again}")
        head.append(f"\nGoal: {printable(incident.goal or '— (press o on the board to open it and state the goal)')}")
        if incident.outcome:
            head.append(f"\nOutcome: {printable(incident.outcome)}")
        head.append(f"\n{measured(self.session.desk.metrics(incident.id))}")
        if incident.roles:
            head.append("\nRoles: " + " · ".join(f"{role} {person}" for role, person in sorted(incident.roles.items())))
        notes = incident_notes(incident)
        if notes:
            head.append(f"\nNotes: {len(notes)} · latest: {printable(notes[-1].text)}", style="italic")
        earlier = [
            lesson for lesson in lessons(self.session.journal, incident.scenario_id) if lesson.incident_id < incident.id
        ]
        for lesson in earlier[-3:]:
            head.append(f"\nLesson from incident #{lesson.incident_id}: {printable(lesson.text)}", style="bold")
        self.query_one("#incident-head", Static).update(head)
        self.query_one(ChainTable).show(incident, scenario, now)
        self._show_step()

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._show_step()

    def _show_step(self) -> None:
        step = self.query_one(ChainTable).selected_step
        if step is not None:
            self.query_one("#step-detail", Static).update(Group(*step_detail(self.incident, step)))

    def action_post_mortem(self) -> None:
        self.app.push_screen(ReviewScreen(self.session, self.incident_id))

    def action_note_incident(self) -> None:
        ask_note(self.app, self.session, self.incident_id, None)  # type: ignore[arg-type]

    def on_chain_table_act(self, message: ChainTable.Act) -> None:
        message.stop()
        act_on_step(self.app, self.session, message)  # type: ignore[arg-type]

    def action_undo(self) -> None:
        def undo() -> None:
            _, what = self.session.desk.undo(self.incident_id)
            self.app.notify(f"Undone: {what}", title="Undo", markup=False)

        attempt(self.app, undo)  # type: ignore[arg-type]

    def action_notify(self) -> None:
        step = self.query_one(ChainTable).selected_step
        if step is None or not step.notify:
            self.app.notify("The highlighted step notifies no one.", severity="warning")
            return
        if self.notifier.simulated:
            self.notifier.send(self.incident_id, step.id)
            return

        def chosen(answer: str | None) -> None:
            if answer == "send":
                self.notifier.send(self.incident_id, step.id)

        self.app.push_screen(
            ChoicePrompt(
                f"Notify {', '.join(step.notify)} now?",
                "They are told for real (those reached already are not told again).",
                [("send", "Send the notifications"), ("keep", "Not now")],
            ),
            chosen,
        )

    def action_add_step(self) -> None:
        def add(text: str) -> None:
            self.session.desk.add_step(self.incident_id, parse_added_step(text))

        ask(
            self.app,  # type: ignore[arg-type]
            "Add a step to the chain",
            "Its title; optionally @role and when it is due (+15m). Default: @lead, due in 30 minutes.",
            add,
            placeholder="e.g. Call the consumer portal back @pr-liaison +20m",
        )

    def action_assign_role(self) -> None:
        def assign(text: str) -> None:
            role, _, person = text.partition("=")
            if not person.strip():
                raise ChainError("write it as role = person, e.g. lead = Anna")
            self.session.desk.assign_role(self.incident_id, role.strip(), person.strip())

        roles = ", ".join(sorted({step.role for step in self.query_one(ChainTable).steps}))
        ask(
            self.app,  # type: ignore[arg-type]
            "Assign a role",
            f"role = person. Roles in this chain: {roles}. Giving a taken role to someone else is a handover.",
            assign,
            placeholder="e.g. lead = Anna",
        )

    def action_severity(self, steps: int) -> None:
        attempt(self.app, lambda: self.session.desk.change_severity(self.incident_id, steps))  # type: ignore[arg-type]

    def action_resolve(self) -> None:
        ask(
            self.app,  # type: ignore[arg-type]
            f"Resolve incident #{self.incident_id}",
            f"How did it end, measured against the goal: {self.incident.goal or '—'}",
            lambda outcome: self.session.desk.resolve_incident(self.incident_id, outcome),
            placeholder="e.g. statement out in 25 min, all 14 affected customers answered",
        )

    def action_review(self) -> None:
        ask(
            self.app,  # type: ignore[arg-type]
            f"Mark incident #{self.incident_id} reviewed",
            "The review's main lesson, for the record.",
            lambda note: self.session.desk.review_incident(self.incident_id, note),
        )

    def action_reopen(self) -> None:
        def reopen(reason: str) -> None:
            if self.incident.goal is not None:
                self.session.desk.reopen_incident(self.incident_id, reason)
                return
            ask(  # it was dismissed before anyone stated a goal
                self.app,  # type: ignore[arg-type]
                f"Goal for incident #{self.incident_id}",
                "State the goal for this incident, as the team will be measured against it.",
                lambda goal: self.session.desk.reopen_incident(self.incident_id, reason, goal=goal),
            )

        ask(
            self.app,  # type: ignore[arg-type]
            f"Reopen incident #{self.incident_id}",
            "Why does it need the team again? The deadlines of the steps still to do start over.",
            reopen,
            placeholder="e.g. a second wave of reports",
        )


def measured(figures: IncidentMetrics) -> str:
    """The incident's figures in one line."""

    def took(span: timedelta | None) -> str:
        return format_offset(span) if span is not None else "—"

    missed = figures.missed
    return (
        f"Detected after {took(figures.time_to_detect)} · opened after {took(figures.time_to_open)} · "
        f"deadlines missed: {len(missed)}" + (f" ({', '.join(step.step_id for step in missed)})" if missed else "")
    )


def step_detail(incident: Incident, step: Step) -> list[Text]:
    state = step_state(incident, step.id)
    lines = [
        plain(step.title, "bold"),
        Text(f"role {printable(step.role)} · deadline +{format_offset(step.deadline)} after opening · {state.status}"),
    ]
    if state.by and state.at:
        lines.append(
            Text(
                f"{state.status} by {printable(state.by)} at {local_time(state.at)}"
                + (f" — reason: {printable(state.reason)}" if state.reason else "")
            )
        )
    if state.override:
        lines.append(Text(f"⚠ gate overridden: {printable(state.override)}", style="bold"))
    waiting = missing_gates(incident, step)
    if waiting and not state.finished:
        lines.append(
            Text(f"🔒 waits for: {printable(', '.join(waiting))} (d asks for a reason to override)", style="bold")
        )
    if step.notify:
        lines.append(Text(f"notify: {printable(', '.join(step.notify))} (m sends)"))
    for delivery in state.deliveries:
        mark = "simulated (drill)" if delivery.simulated else ("sent" if delivery.ok else "FAILED")
        line = Text(f"  ✉ {local_time(delivery.at)} {printable(delivery.contact_id)}: {mark}")
        if not delivery.simulated:
            line.append(f" — {printable(delivery.detail)}", style="" if delivery.ok else "bold")
        lines.append(line)
    if step.channel:
        lines.append(Text(f"channel: {printable(step.channel)}"))
    if step.help:
        lines.append(plain(step.help, "italic", keep_newlines=True))
    if step.checks:
        lines.append(Text("check before marking it done:", style="bold"))
        lines.extend(plain(f"  ☐ {check}") for check in step.checks)
    if step.template:
        lines.append(Text("template:", style="bold"))
        lines.append(plain(step.template, keep_newlines=True))
    for note in state.notes:
        lines.append(plain(f"✎ {local_time(note.at)} {note.actor}: {note.text}"))
    return lines
