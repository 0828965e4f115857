"""The scenario board: each scenario's count, recent rate, trend, mood, early warnings and
incident, keyed by scenario."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from smwar.engine.pipeline import RATE_WINDOW, ScenarioStat
from smwar.incidents.chain import severity
from smwar.model import IncidentStatus
from smwar.plaintext import printable
from smwar.timespan import format_duration
from smwar.triage.trends import DEVELOPING, FALLING, RISING, SHORT_LIVED, STEADY, SUSTAINED, Trend
from smwar.tui.guard import Guarded

SCENARIO_WIDTH = 12
COLUMNS = ("scenario", "recent", "incident", "trend", "negative", "count", "severity")  # the most urgent first
MOOD_STEP = 0.1
ARROWS = {RISING: "↑", FALLING: "↓", STEADY: "→"}
BURSTS = {DEVELOPING: "", SHORT_LIVED: " short", SUSTAINED: " lasting"}
STATUS_STYLE = {
    IncidentStatus.PROPOSED: "bold reverse",
    IncidentStatus.OPEN: "bold",
    IncidentStatus.DISMISSED: "dim",
    IncidentStatus.RESOLVED: "dim",
    IncidentStatus.REVIEWED: "dim",
}


class ScenarioBoard(Guarded, DataTable[Text]):
    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_column("Scenario", key="scenario", width=SCENARIO_WIDTH)
        self.add_column(f"/{format_duration(RATE_WINDOW)}", key="recent")
        self.add_column("Incident", key="incident")
        self.add_column("Trend", key="trend")
        self.add_column("Neg", key="negative")
        self.add_column("All", key="count")
        self.add_column("Sev", key="severity", width=4)

    def show(self, stats: list[ScenarioStat]) -> None:
        """Update the cells that changed: a table redraws whole on any change, and this runs
        with every batch of mentions."""
        for stat in stats:
            cells = _cells(stat)
            key = stat.scenario.id
            if key in self.rows:
                for column, value in zip(COLUMNS, cells, strict=True):
                    if self.get_cell(key, column) != value:
                        self.update_cell(key, column, value)
            else:
                self.add_row(*cells, key=key)

    def keep_only(self, scenario_ids: set[str]) -> None:
        """Drop the rows of scenarios that are no longer in the runbooks."""
        for key in [key for key in self.rows if key.value not in scenario_ids]:
            self.remove_row(key)


def _cells(stat: ScenarioStat) -> tuple[Text, ...]:
    incident = stat.incident
    if incident is None:
        status = Text("—", style="dim")
    else:
        status = Text(f"{incident.status.upper()} #{incident.id}", style=STATUS_STYLE[incident.status])
    title = Text(printable(stat.scenario.title), overflow="ellipsis", no_wrap=True)
    if stat.warnings:
        title = Text.assemble(("⚠ ", "bold"), title)
    return (
        title,
        Text(str(stat.recent), justify="right"),
        status,
        trend_cell(stat.trend),
        mood_cell(stat.trend),
        Text(str(stat.count), justify="right"),
        Text(severity(incident, stat.scenario).value[:4] if incident else stat.scenario.severity.value[:4]),
    )


def mood_cell(trend: Trend | None) -> Text:
    """The negative share of the window, with ↑ or ↓ when it moved by a tenth or more since
    the window before."""
    if trend is None or trend.negative_share is None:
        return Text("")
    cell = f"{trend.negative_share:.0%}"
    if trend.negative_before is not None and abs(trend.negative_share - trend.negative_before) >= MOOD_STEP:
        cell += "↑" if trend.negative_share > trend.negative_before else "↓"
    return Text(cell)


def trend_cell(trend: Trend | None) -> Text:
    """↑ ↓ → for the direction; ▲ while a burst lasts, with its shape once it shows."""
    if trend is None:
        return Text("")
    if trend.burst is None:
        return Text(ARROWS[trend.direction])
    style = "bold reverse" if trend.spike else "bold"
    return Text(f"{ARROWS[trend.direction]}▲{BURSTS[trend.burst]}", style=style)
