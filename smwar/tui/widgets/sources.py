"""How the live sources are doing, in a line of the status bar."""

from __future__ import annotations

from rich.text import Text

from smwar.engine.live import MAX_INTAKE
from smwar.plaintext import printable
from smwar.sources.runner import Health
from smwar.tui.text import local_time

MARKS = {"starting": "…", "live": "●", "waiting": "◌", "backing off": "⟳", "failing": "✖", "paused": "⏸"}
STYLES = {"failing": "bold reverse", "backing off": "bold", "waiting": "bold", "paused": "dim"}


def sources_text(health: list[Health], waiting: int = 0, missing: str | None = None) -> Text:
    """Each source: its state, rate, and until when and why it is backing off or failing; the
    mentions `waiting` for the pipeline when it is behind the storm; and first of all why
    nothing arrives when no process runs the sources (`missing`)."""
    line = Text(end="")
    if missing is not None:
        line.append(f" ✖ {printable(missing)} ", style="bold reverse")
    if waiting > MAX_INTAKE:
        line.append(f" ⧗ {waiting:,} waiting: the pipeline is behind ", style="bold reverse")
    for item in health:
        part = f" {MARKS.get(item.state, '?')} {item.source_id} {item.state}"
        if item.state == "live":
            part += f" {item.per_minute:.0f}/min"
        if item.state == "waiting":
            part += f" for {item.reason}"
        if item.until is not None and item.state in ("backing off", "failing"):
            part += f" until {local_time(item.until)}"
        if item.reason and item.state in ("backing off", "failing"):
            part += f": {item.reason}"
        if item.quarantined:
            part += f" ({item.quarantined} unreadable)"
        if item.refused:
            part += f" ({item.refused} refused)"
        line.append(printable(part) + " ", style=STYLES.get(item.state, ""))
    return line
