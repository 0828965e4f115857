"""The reaction chain as a checklist; its keys act on the highlighted step."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from smwar.incidents.chain import chain_steps, due_at, due_soon_window, missing_gates, overdue, step_state
from smwar.model import Incident, IncidentStatus, StepStatus
from smwar.plaintext import printable
from smwar.runbooks.definitions import Scenario, Step
from smwar.timespan import format_offset
from smwar.tui.guard import Guarded
from smwar.tui.text import local_time

GLYPHS = {StepStatus.PENDING: "☐", StepStatus.IN_PROGRESS: "▶", StepStatus.DONE: "☑", StepStatus.SKIPPED: "⤼"}


class ChainTable(Guarded, DataTable[Text]):
    BINDINGS = [
        Binding("d", "act('done')", "Done", tooltip="Mark the highlighted step done", id="chain.done"),
        Binding("p", "act('start')", "In progress", tooltip="Mark the highlighted step in progress", id="chain.start"),
        Binding("s", "act('skip')", "Skip", tooltip="Skip the highlighted step (asks for a reason)", id="chain.skip"),
        Binding("n", "act('note')", "Note", tooltip="Add a note to the highlighted step", id="chain.note"),
    ]

    class Act(Message):
        """The operator asked to do `action` on a step of an incident."""

        def __init__(self, action: str, incident_id: int, step_id: str) -> None:
            self.action = action
            self.incident_id = incident_id
            self.step_id = step_id
            super().__init__()

    def __init__(self, *, id: str | None = None, compact: bool = False) -> None:
        """`compact`: for a narrow column beside the feed: short times, no role."""
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.compact = compact
        self.incident: Incident | None = None
        self.steps: list[Step] = []
        self._rows: list[tuple[Text, ...]] = []

    def on_mount(self) -> None:
        self.add_column(" ", key="status")
        self.add_column("Due", key="due")
        self.add_column("Step", key="title")
        if not self.compact:
            self.add_column("Role", key="role")

    def show(self, incident: Incident | None, scenario: Scenario | None, now: datetime) -> None:
        """Show `incident`'s chain, keeping the highlighted step where it was."""
        same = self.incident is not None and incident is not None and self.incident.id == incident.id
        row = self.cursor_row if same else 0
        steps = chain_steps(incident, scenario) if incident is not None and scenario is not None else []
        rows = [self._cells(incident, step, now) for step in steps] if incident is not None else []
        if same and rows == self._rows and [step.id for step in steps] == [step.id for step in self.steps]:
            self.incident = incident
            return  # nothing shown has changed: no redraw (this runs with every batch of mentions)
        self.incident, self.steps, self._rows = incident, steps, rows
        self.clear()
        for step, cells in zip(steps, rows, strict=True):
            self.add_row(*cells, key=step.id)
        if rows:
            self.move_cursor(row=min(row, self.row_count - 1), animate=False)

    def _cells(self, incident: Incident, step: Step, now: datetime) -> tuple[Text, ...]:
        cells = step_cells(incident, step, now, short=self.compact)
        return cells[:3] if self.compact else cells

    @property
    def selected_step(self) -> Step | None:
        if not self.steps or not self.row_count:
            return None
        return self.steps[self.cursor_row]

    def action_act(self, action: str) -> None:
        step = self.selected_step
        if self.incident is not None and step is not None:
            self.post_message(self.Act(action, self.incident.id, step.id))


def step_cells(incident: Incident, step: Step, now: datetime, short: bool = False) -> tuple[Text, Text, Text, Text]:
    state = step_state(incident, step.id)
    locked = not state.finished and bool(missing_gates(incident, step))
    glyph = "🔒" if locked and state.status is StepStatus.PENDING else GLYPHS[state.status]
    title = Text()  # what needs attention first: a narrow column cuts the title, not the marks
    failed = {d.contact_id for d in state.deliveries if not d.ok} - {d.contact_id for d in state.deliveries if d.ok}
    if failed:
        title.append(f"✉ failed: {', '.join(sorted(failed))}", style="bold reverse")
        title.append("  ")
    if state.override:
        title.append("⚠ gate overridden  ", style="bold")
    if state.notes:
        title.append(f"✎{len(state.notes)}  ", style="italic")
    title.append(printable(step.title), style="dim" if state.finished else "")
    role = incident.roles.get(step.role)
    role_text = Text(f"{step.role} ({role})" if role else step.role)
    return Text(glyph), due_text(incident, step, now, short), title, role_text


def due_text(incident: Incident, step: Step, now: datetime, short: bool = False) -> Text:
    """When the step is due ("in 14:00", "overdue 3:00") or was finished; `short`: the clock time
    it was finished, "-3:00" overdue (a time left keeps its "in": no "14:00" to take for a clock
    time)."""
    state = step_state(incident, step.id)
    if state.finished and state.at is not None:
        return Text(local_time(state.at)[:5] if short else f"{state.status} {local_time(state.at)}", style="dim")
    due = due_at(incident, step)
    if incident.status is not IncidentStatus.OPEN or due is None:
        return Text(f"+{format_offset(step.deadline)}", style="dim")
    if overdue(incident, step, now):
        late = format_offset(now - due)
        return Text(f"-{late}" if short else f"overdue {late}", style="bold reverse")
    left = due - now
    return Text(f"in {format_offset(left)}", style="bold" if left <= due_soon_window(incident, step) else "")
