"""One incident: its goal, trigger and the reaction chain as a checklist."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from smwar.engine.session import Session
from smwar.incidents.chain import incident_notes, missing_gates, step_state
from smwar.model import Incident
from smwar.runbooks.definitions import Step
from smwar.timespan import format_offset
from smwar.tui.text import local_time
from smwar.tui.widgets.chain import ChainTable


class IncidentScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the war room", id="incident.back"),
        Binding(
            "N", "note_incident", "Incident note", tooltip="Add a note to the incident as a whole", id="incident.note"
        ),
    ]

    def __init__(self, session: Session, incident_id: int) -> None:
        super().__init__()
        self.session = session
        self.incident_id = incident_id

    def compose(self) -> ComposeResult:
        yield Static(id="drill-banner", classes="banner")
        with Vertical(id="incident-body"):
            yield Static(id="incident-head")
            yield ChainTable(id="incident-chain")
            yield Static(id="step-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#drill-banner", Static).update(self.app.banner_text())  # type: ignore[attr-defined]
        self.refresh_view()
        self.query_one(ChainTable).focus()

    @property
    def incident(self) -> Incident:
        return self.session.incident(self.incident_id)

    def refresh_view(self) -> None:
        incident = self.incident
        scenario = self.session.runbooks.find_scenario(incident.scenario_id)
        if scenario is None:  # a reload took it away
            self.app.pop_screen()
            self.app.notify(f"Scenario {incident.scenario_id!r} is no longer in the runbooks.", markup=False)
            return
        now = self.session.clock.now()
        head = Text(end="")
        head.append(f"Incident #{incident.id} · {scenario.title}\n", style="bold")
        head.append(
            f"{incident.status.upper()} · severity {scenario.severity} · proposed {local_time(incident.proposed_at)} "
            f"because {incident.trigger}"
        )
        if incident.opened_at is not None:
            head.append(f" · open for {format_offset(now - incident.opened_at)}")
        head.append(f"\nGoal: {incident.goal or '— (press o on the board to open it and state the goal)'}")
        notes = incident_notes(incident)
        if notes:
            head.append(f"\nNotes: {len(notes)} · latest: {notes[-1].text}", style="italic")
        self.query_one("#incident-head", Static).update(head)
        self.query_one(ChainTable).show(incident, scenario, now)
        self._show_step()

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._show_step()

    def _show_step(self) -> None:
        step = self.query_one(ChainTable).selected_step
        if step is not None:
            self.query_one("#step-detail", Static).update(Group(*step_detail(self.incident, step)))

    def action_note_incident(self) -> None:
        self.app.ask_note(self.incident_id, None)  # type: ignore[attr-defined]


def step_detail(incident: Incident, step: Step) -> list[Text]:
    state = step_state(incident, step.id)
    lines = [
        Text(step.title, style="bold"),
        Text(f"role {step.role} · deadline +{format_offset(step.deadline)} after opening · {state.status}"),
    ]
    if state.by and state.at:
        lines.append(
            Text(
                f"{state.status} by {state.by} at {local_time(state.at)}"
                + (f" — reason: {state.reason}" if state.reason else "")
            )
        )
    waiting = missing_gates(incident, step)
    if waiting and state.by is None:
        lines.append(Text(f"🔒 waits for: {', '.join(waiting)}", style="bold"))
    if step.notify:
        lines.append(Text(f"notify: {', '.join(step.notify)}"))
    if step.channel:
        lines.append(Text(f"channel: {step.channel}"))
    if step.help:
        lines.append(Text(step.help, style="italic"))
    if step.checks:
        lines.append(Text("check before marking it done:", style="bold"))
        lines.extend(Text(f"  ☐ {check}") for check in step.checks)
    if step.template:
        lines.append(Text("template:", style="bold"))
        lines.append(Text(step.template))
    for note in state.notes:
        lines.append(Text(f"✎ {local_time(note.at)} {note.actor}: {note.text}"))
    return lines
