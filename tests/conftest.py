from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

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


def start_drill(runbooks: RunbookSet, script: Path = SHORT_DRILL, *, fresh: bool = True,
                start: datetime = T0) -> tuple[DrillRun, ManualClock, Session]:
    """A drill run on a manual clock, as `smwar drill` would start it."""
    run = open_drill_run(script, fresh=fresh, now=start)
    clock = ManualClock(run.position)
    return run, clock, drill_session(run, runbooks, clock, "tester")
