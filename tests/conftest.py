from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from textual.app import App

from smwar.clock import ManualClock
from smwar.engine.drill import DrillRun, drill_session, open_drill_run
from smwar.engine.session import Session
from smwar.paths import bundled_runbooks_dir
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.loader import load_runbook_set

DATA = Path(__file__).parent / "data"
SHORT_DRILL = DATA / "short-drill.toml"
T0 = datetime(2026, 11, 22, 9, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own SMWAR_HOME and a fixed time zone."""
    monkeypatch.setenv("SMWAR_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield tmp_path / "home"
    os.environ.pop("TZ", None)
    time.tzset()


@pytest.fixture(scope="session")
def runbooks() -> RunbookSet:
    return load_runbook_set(bundled_runbooks_dir())


def start_drill(
    runbooks: RunbookSet, script: Path = SHORT_DRILL, *, fresh: bool = True, start: datetime = T0
) -> tuple[DrillRun, ManualClock, Session]:
    """A drill run on a manual clock, as `smwar drill` would start it."""
    run = open_drill_run(script, fresh=fresh, now=start)
    clock = ManualClock(run.position)
    return run, clock, drill_session(run, runbooks, clock, "tester")


def screen_text(app: App[object]) -> str:
    """What the terminal shows right now, as plain text (the way `export_screenshot` renders it)."""
    console = Console(
        width=app.size.width,
        height=app.size.height,
        file=io.StringIO(),
        record=True,
        force_terminal=True,
        color_system="truecolor",
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)
