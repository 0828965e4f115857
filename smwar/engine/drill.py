"""Start or resume a drill run: its own journal file, its script, its clock position."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from smwar.clock import Clock, from_iso, to_iso
from smwar.drills.player import DrillPlayer
from smwar.drills.script import DrillScript, load_drill
from smwar.engine.session import Intake, Session
from smwar.errors import SmwarError
from smwar.journal.store import Journal
from smwar.paths import drill_runs_dir
from smwar.runbooks.definitions import RunbookSet

MODE_DRILL = "drill"


@dataclass(frozen=True, slots=True)
class DrillRun:
    journal: Journal
    script: DrillScript
    script_path: Path
    clock_start: datetime
    position: datetime
    resumed: bool

    @property
    def name(self) -> str:
        return self.journal.path.stem


def open_drill_run(script_path: Path, *, fresh: bool, now: datetime) -> DrillRun:
    """Resume the latest run of this drill, or start a new one (`fresh`, or none to resume)."""
    script = load_drill(script_path)
    latest = None if fresh else latest_run(script.drill.id)
    if latest is not None:
        journal = Journal.open(latest)
        meta = journal.meta()
        if meta.get("mode") != MODE_DRILL or "clock_start" not in meta:
            journal.close()
            raise SmwarError(f"{latest} is not a drill journal; start a new run with --new")
        clock_start = from_iso(meta["clock_start"])
        position = max(clock_start, journal.latest_time() or clock_start)
        return DrillRun(journal, script, script_path, clock_start, position, resumed=True)
    path = drill_runs_dir() / f"{now:%Y%m%d-%H%M%S}-{script.drill.id}.sqlite"
    suffix = 1
    while path.exists():
        suffix += 1
        path = path.with_name(f"{now:%Y%m%d-%H%M%S}-{script.drill.id}-{suffix}.sqlite")
    # made whole under another name, then renamed: a kill half-way never leaves a run
    # journal without its meta, which would block resuming
    staging = path.with_name(f"{path.name}.new")
    with Journal.open(staging) as journal:
        journal.set_meta(
            {
                "mode": MODE_DRILL,
                "drill_id": script.drill.id,
                "drill_title": script.drill.title,
                "drill_script": str(script_path.resolve()),
                "clock_start": to_iso(now),
            }
        )
    staging.replace(path)
    return DrillRun(Journal.open(path), script, script_path, now, now, resumed=False)


def latest_run(drill_id: str) -> Path | None:
    """The newest run journal of `drill_id` (names sort by start time)."""
    pattern = re.compile(rf"\d{{8}}-\d{{6}}-{re.escape(drill_id)}(-\d+)?")
    runs = sorted(path for path in drill_runs_dir().glob("*.sqlite") if pattern.fullmatch(path.stem))
    return runs[-1] if runs else None


class DrillSource:
    """The drill script as the session's only source."""

    def __init__(self, player: DrillPlayer) -> None:
        self.player = player

    def due(self, now: datetime) -> Intake:
        return Intake(mentions=self.player.due(now))

    def put_back(self, intake: Intake) -> None:
        self.player.rewind(len(intake.mentions))

    @property
    def remaining(self) -> int:
        return self.player.remaining


def drill_session(run: DrillRun, runbooks: RunbookSet, clock: Clock, operator: str) -> Session:
    player = DrillPlayer(run.script, run.clock_start, played=run.journal.mention_count())
    return Session(run.journal, runbooks, clock, DrillSource(player), operator)
