"""How the screens look (behaviour is asserted elsewhere). Review changes with
`pytest tests/test_snapshots.py --snapshot-update` and the snapshot report."""

from __future__ import annotations

from datetime import timedelta

from textual.pilot import Pilot

from smwar.runbooks.definitions import RunbookSet
from smwar.tui.app import WarRoomApp
from smwar.tui.rooms.drill import DrillInfo

from .conftest import start_drill

SIZE = (140, 40)


def drill_app(runbooks: RunbookSet) -> tuple[WarRoomApp, object]:
    run, clock, session = start_drill(runbooks)
    clock.advance(timedelta(minutes=2))
    session.pipeline.poll()
    [incident] = session.desk.incidents()
    session.desk.open_incident(incident.id, "answer every affected customer within 2 hours")
    clock.advance(timedelta(minutes=4))
    session.desk.complete_step(incident.id, "notify-pr")
    session.desk.skip_step(incident.id, "facts", "the quality team already has them")
    clock.advance(timedelta(minutes=12))
    return WarRoomApp(session, drill=DrillInfo.of(run), poll_seconds=3600), incident


def test_main_screen_mid_drill(snap_compare, runbooks: RunbookSet) -> None:  # type: ignore[no-untyped-def]
    app, _ = drill_app(runbooks)

    async def select_a_mention(pilot: Pilot[None]) -> None:
        await pilot.press("up", "up")

    assert snap_compare(app, terminal_size=SIZE, run_before=select_a_mention)


def test_incident_checklist(snap_compare, runbooks: RunbookSet) -> None:  # type: ignore[no-untyped-def]
    app, _ = drill_app(runbooks)
    assert snap_compare(app, terminal_size=SIZE, press=["i", "down", "down"])
