"""Editing the runbooks while the war room runs: a good edit is put in force, a bad one is shown
and the last good set stays."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from smwar.drills.script import find_drill
from smwar.errors import SmwarError
from smwar.paths import bundled_runbooks_dir
from smwar.runbooks import watch as watch_module
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.loader import load_runbook_set
from smwar.runbooks.watch import RunbookWatch
from smwar.tui.app import WarRoomApp
from smwar.tui.notices import RUNBOOKS
from smwar.tui.rooms.drill import DrillInfo

from .conftest import next_match_fires_nothing, screen_text, start_drill, until_proposed

SIZE = (140, 40)


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new), encoding="utf-8")


async def settle(app: WarRoomApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Two polls: an edit is read once the files stood still for one poll."""
    app.main.check_runbooks_now()
    app.main.check_runbooks_now()
    await pilot.pause()


async def test_edits_are_reloaded_and_a_broken_edit_keeps_the_last_good_set(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(bundled_runbooks_dir(), tmp_path / "runbooks"))
    outage = folder / "scenarios" / "service-outage.toml"
    watch = RunbookWatch(folder)
    run, clock, session = start_drill(watch.load())
    app = WarRoomApp(session, drill=DrillInfo.of(run), runbook_watch=watch, poll_seconds=3600)
    async with app.run_test(size=SIZE) as pilot:
        edit(outage, 'title = "Service outage: app, portal or hotline down"', 'title = "Portal (ed.)"')
        await settle(app, pilot)
        assert session.runbooks.scenario("service-outage").title == "Portal (ed.)"
        assert "Portal (ed.)" in screen_text(app), "the board shows the new title"
        assert [e.kind for e in run.journal.events()].count("runbooks.reloaded") == 1

        edit(outage, "threshold = 0.7", "threshold = 7")
        await settle(app, pilot)
        shown = screen_text(app)
        assert "runbook edit not loaded (service-outage.toml:" in shown, "the status line says where"
        [notice] = run.journal.notices(RUNBOOKS, None)
        assert notice.body.startswith(f"{outage}:") and "threshold" in notice.body, "the inbox says what"
        assert notice.body.endswith("The last good runbooks stay in force.")
        assert session.runbooks.scenario("service-outage").threshold == 0.7, "the last good set stays"

        clock.advance(timedelta(seconds=30))
        app.main.poll_now()
        await pilot.pause()
        assert run.journal.mention_count() > 0, "the feed runs on with the last good set"

        edit(outage, "threshold = 7", "threshold = 0.8")
        await settle(app, pilot)
        assert "runbook edit not loaded" not in screen_text(app)
        assert session.runbooks.scenario("service-outage").threshold == 0.8


async def test_an_edit_is_read_only_once_the_files_stand_still(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(bundled_runbooks_dir(), tmp_path / "runbooks"))
    watch = RunbookWatch(folder)
    assert not watch.changed()
    edit(folder / "plan.toml", 'name = "Elektro-Müller AG"', 'name = "Elektro-Müller SE"')
    assert not watch.changed(), "still being written, maybe"
    assert watch.changed()
    assert watch.load().company.name == "Elektro-Müller SE"
    assert not watch.changed()


def test_a_set_that_drops_a_scenario_with_an_active_incident_is_refused(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(bundled_runbooks_dir(), tmp_path / "runbooks"))
    _run, clock, session = start_drill(load_runbook_set(folder))
    clock.advance(timedelta(minutes=5))
    session.pipeline.poll()
    [proposed] = session.desk.incidents()
    (folder / "scenarios" / "product-defect.toml").unlink()
    (folder / "replies.toml").unlink()  # its templates name the scenario too
    edit(folder / "scenarios" / "positive-hype.toml", 'unless = ["product-defect", ', "unless = [")
    edit(folder / "deescalation.toml", 'scenarios = ["product-defect", ', "scenarios = [")
    with pytest.raises(SmwarError, match="'product-defect' has an active incident"):
        session.reload(load_runbook_set(folder))
    assert session.runbooks.find_scenario(proposed.scenario_id) is not None


def test_a_reload_does_not_fire_a_trigger_again(runbooks: RunbookSet) -> None:
    _run, clock, session = start_drill(runbooks, find_drill(None))
    session.desk.dismiss_incident(until_proposed(session, clock, "product-defect").id, "testing")
    session.reload(runbooks)
    next_match_fires_nothing(session, clock, "product-defect")


async def test_a_refused_reload_is_tried_again_once_the_incident_is_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watch_module, "RETRY_SECONDS", 0.0)
    folder = Path(shutil.copytree(bundled_runbooks_dir(), tmp_path / "runbooks"))
    watch = RunbookWatch(folder)
    run, clock, session = start_drill(watch.load(), find_drill(None))
    app = WarRoomApp(session, drill=DrillInfo.of(run), runbook_watch=watch, poll_seconds=3600)
    async with app.run_test(size=SIZE) as pilot:
        while not session.desk.active_incident("product-defect"):
            clock.advance(timedelta(seconds=10))
            app.main.poll_now()
            await pilot.pause()
        (folder / "scenarios" / "product-defect.toml").unlink()
        (folder / "replies.toml").unlink()  # its templates name the scenario too
        edit(folder / "scenarios" / "positive-hype.toml", 'unless = ["product-defect", ', "unless = [")
        edit(folder / "deescalation.toml", 'scenarios = ["product-defect", ', "scenarios = [")
        await settle(app, pilot)
        assert "runbook edit not loaded (refused; m)" in screen_text(app)
        [notice] = run.journal.notices(RUNBOOKS, None)
        assert "'product-defect' has an active incident" in notice.body, "the inbox says why"
        incident = session.desk.active_incident("product-defect")
        assert incident is not None
        session.desk.dismiss_incident(incident.id, "drill over")
        app.main.check_runbooks_now()
        await pilot.pause()
        assert session.runbooks.find_scenario("product-defect") is None
        assert "runbook edit not loaded" not in screen_text(app)


def test_a_set_that_drops_a_step_worked_in_an_active_incident_is_refused(tmp_path: Path) -> None:
    """A step renamed while its incident runs would lose what was done on it: refused until it
    is put back; a step not worked yet may be renamed."""
    folder = Path(shutil.copytree(bundled_runbooks_dir(), tmp_path / "runbooks"))
    scenario = folder / "scenarios" / "product-defect.toml"
    _run, clock, session = start_drill(load_runbook_set(folder))
    incident = until_proposed(session, clock, "product-defect")
    session.desk.open_incident(incident.id, "calm the customers")
    session.desk.start_step(incident.id, "notify-pr")
    session.desk.add_note(incident.id, None, "a note on the incident as a whole")
    edit(scenario, 'id = "notify-pr"', 'id = "tell-pr"')
    edit(scenario, 'after = ["notify-pr"]', 'after = ["tell-pr"]')
    with pytest.raises(SmwarError, match=f"step 'notify-pr' has been worked in active incident #{incident.id}"):
        session.reload(load_runbook_set(folder))
    assert session.runbooks.scenario("product-defect").step[0].id == "notify-pr", "the last good set stays"

    edit(scenario, 'id = "tell-pr"', 'id = "notify-pr"')
    edit(scenario, 'after = ["tell-pr"]', 'after = ["notify-pr"]')
    edit(scenario, 'id = "press-release"', 'id = "press-statement"')
    session.reload(load_runbook_set(folder))
    assert "press-statement" in [step.id for step in session.runbooks.scenario("product-defect").step]
