"""The end of a drill: the score, its breakdown, and every finding behind it."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from smwar.drills.debrief import PEOPLE_COLUMNS, Debrief, mark, people_rows, team_line
from smwar.drills.score import stamp
from smwar.plaintext import printable
from smwar.tui.guard import Guarded
from smwar.tui.widgets.keys import KeysLine

STYLES = {"✔": "green", "½": "yellow", "✘": "bold red"}


class DebriefScreen(Guarded, Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", tooltip="Back to the war room", id="debrief.back")]

    def __init__(self, debrief: Debrief, written: Path | None) -> None:
        super().__init__()
        self.debrief = debrief
        self.written = written

    def compose(self) -> ComposeResult:
        yield Static(id="drill-banner", classes="banner")
        with VerticalScroll(id="debrief-body"):
            yield Static(self._head(), id="debrief-head")
            yield DataTable(id="debrief-parts", cursor_type="row", zebra_stripes=True)
            yield Static(self._findings(), id="debrief-findings")
            yield Static(self._team(), id="debrief-team")
            yield DataTable(id="debrief-people", cursor_type="row", zebra_stripes=True)
        yield KeysLine()

    def on_mount(self) -> None:
        self.query_one("#drill-banner", Static).update(self.app.banner_text())  # type: ignore[attr-defined]
        table = self.query_one("#debrief-parts", DataTable)
        table.add_columns("Part", "Weight", "Result", "Points")
        score = self.debrief.score
        for part in score.parts:
            points = f"{score.points(part):.1f}" if part.judged else "—"
            table.add_row(
                Text(printable(part.title)), str(part.weight), Text(printable(part.result)), points, key=part.key
            )
        table.border_title = "Breakdown"
        people = self.query_one("#debrief-people", DataTable)
        people.add_columns(*PEOPLE_COLUMNS)
        for row in people_rows(self.debrief.team):
            people.add_row(*(Text(printable(cell)) for cell in row), key=row[0])
        people.border_title = "Each operator"
        people.display = bool(self.debrief.team.people)

    def _head(self) -> Text:
        debrief = self.debrief
        head = Text()
        head.append(f"Score: {debrief.score.total} / 100\n", style="bold reverse")
        head.append(printable(debrief.title), style="bold")
        state = "ended" if debrief.ended else "not ended yet, scored as it stands"
        head.append(f" · run {debrief.run} · played until {stamp(debrief.end, debrief.start)} ({state})\n")
        operators = ", ".join(printable(name) for name in debrief.operators) or "nobody acted"
        head.append(f"Operators: {operators}\n")
        if self.written is not None:
            head.append(f"Debrief written to {self.written}", style="italic")
        return head

    def _team(self) -> Text:
        team = Text()
        team.append(f"\nTeam score: {self.debrief.score.total} / 100", style="bold")
        team.append(f" · {team_line(self.debrief.team)}")
        return team

    def _findings(self) -> Text:
        findings = Text()
        for part in self.debrief.score.parts:
            if not part.judged:
                continue
            findings.append(f"\n{printable(part.title)}\n", style="bold underline")
            for finding in part.findings:
                symbol = mark(finding)
                findings.append(f" {symbol} ", style=STYLES.get(symbol, ""))
                findings.append(printable(finding.text) + "\n")
        return findings
