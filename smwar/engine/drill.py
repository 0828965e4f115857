"""Start or resume a drill run: its own journal file, its script, its clock position."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from smwar.clock import Clock, ManualClock, from_iso, to_iso
from smwar.drills.debrief import Debrief
from smwar.drills.player import DrillPlayer
from smwar.drills.score import Reply, RunRecord, score
from smwar.drills.script import DrillScript, load_drill
from smwar.engine.pipeline import Idle, Intake
from smwar.engine.session import Session
from smwar.errors import InputErrors, SmwarError
from smwar.journal.store import Journal
from smwar.model import SYSTEM_ACTOR, Event
from smwar.paths import by_path_or_name, drill_runs_dir
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.matcher import Progress

MODE_DRILL = "drill"
ENDED = "drill.ended"


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


def open_drill_run(script_path: Path, *, fresh: bool, now: datetime, runbooks: RunbookSet | None = None) -> DrillRun:
    """Resume the latest run of this drill, or start a new one (`fresh`, or none to resume).
    With `runbooks`, the script the run plays (a resumed run's own copy) must expect only
    scenarios they have: it is refused before a run is made or resumed."""
    script = load_drill(script_path)  # a file that cannot be read is reported with its reason here
    text = script_path.read_text(encoding="utf-8")
    latest = None if fresh else latest_run(script.drill.id)
    if latest is not None:
        journal = Journal.open(latest)
        meta = journal.meta()
        if meta.get("mode") != MODE_DRILL or "clock_start" not in meta:
            journal.close()
            raise SmwarError(f"{latest} is not a drill journal; start a new run with --new")
        try:  # a run goes on with the script it began with
            script = _run_script(meta, runbooks) or load_drill(script_path, text, runbooks=runbooks)
        except SmwarError:
            journal.close()
            raise
        clock_start = from_iso(meta["clock_start"])
        position = max(clock_start, journal.latest_time() or clock_start)
        return DrillRun(journal, script, script_path, clock_start, position, resumed=True)
    script = load_drill(script_path, text, runbooks=runbooks)
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
                "drill_script_text": text,
                "clock_start": to_iso(now),
            }
        )
    staging.replace(path)
    return DrillRun(Journal.open(path), script, script_path, now, now, resumed=False)


def _run_script(meta: dict[str, str], runbooks: RunbookSet | None = None) -> DrillScript | None:
    """The copy of its script a run kept when it began (older runs kept only its path)."""
    text = meta.get("drill_script_text")
    return load_drill(Path(meta.get("drill_script", "drill.toml")), text, runbooks=runbooks) if text else None


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
        return Intake(mentions=self.player.due(now), messages=self.player.messages(now))

    def put_back(self, intake: Intake) -> None:
        self.player.put_back(intake.mentions)

    @property
    def remaining(self) -> int:
        return self.player.remaining


def drill_session(
    run: DrillRun, runbooks: RunbookSet, clock: Clock, operator: str, progress: Progress | None = None
) -> Session:
    script = run.script
    played = [script.index_of(native_id) for native_id in run.journal.native_ids()]
    position = run.position if run.resumed else None
    player = DrillPlayer(script, run.clock_start, played=played, position=position)
    return Session(run.journal, runbooks, clock, DrillSource(player), operator, progress)


# -- the end of a run, its score and debrief ----------------------------------------------


def ended_at(journal: Journal) -> datetime | None:
    """When the operator ended the run, if they did."""
    return next((event.at for event in journal.events(kind=ENDED)), None)


def debrief(session: Session, script: DrillScript, start: datetime, run: str) -> Debrief:
    """Score the run in `session` as of its end, or as of now if it has not ended."""
    end = ended_at(session.journal)
    until = end or session.clock.now()
    record = RunRecord(
        start=start,
        end=until,
        incidents=session.desk.incidents(),
        metrics={incident.id: session.desk.metrics(incident.id) for incident in session.desk.incidents()},
        replies=[Reply(str(event.payload["author"]), event.at) for event in session.desk.replies()],
    )
    operators = sorted(
        {event.actor for event in session.journal.events() if event.actor != SYSTEM_ACTOR and event.at <= until}
    )
    return Debrief(
        title=script.drill.title,
        drill_id=script.drill.id,
        run=run,
        start=start,
        end=until,
        ended=end is not None,
        operators=operators,
        incidents=record.incidents,
        score=score(script.expected, session.runbooks, record),
    )


def end_drill(session: Session, script: DrillScript, start: datetime, run: str) -> Debrief:
    """End the run (once: ending it again shows the same debrief) and journal its score."""
    if ended_at(session.journal) is None:
        result = debrief(session, script, start, run)
        payload = result.score.summary() | {"scenarios": [incident.scenario for incident in script.expected.incident]}
        session.journal.append(Event(ENDED, session.clock.now(), session.operator, payload=payload))
    return debrief(session, script, start, run)


def read_run(path: Path, runbooks: RunbookSet, script_path: Path | None = None) -> Debrief:
    """The debrief of the run journaled at `path`, against its own script (or `script_path`)."""
    if not path.is_file():
        raise SmwarError(f"{path}: no such drill run (list them with: smwar drill history)")
    with Journal.open(path) as journal:
        meta = journal.meta()
        if meta.get("mode") != MODE_DRILL or "clock_start" not in meta:
            raise SmwarError(f"{path} is not a drill journal")
        try:
            script = load_drill(script_path) if script_path else _run_script(meta)
            if script is None:
                script = load_drill(Path(meta.get("drill_script", "")))
        except InputErrors as exc:
            raise SmwarError(f"cannot read the drill script of this run ({exc}); pass it with --script") from None
        start = from_iso(meta["clock_start"])
        until = ended_at(journal) or journal.latest_time() or start
        session = Session(journal, runbooks, ManualClock(until), Idle(), operator=SYSTEM_ACTOR)
        return debrief(session, script, start, path.stem)


def find_run(name: str | None) -> Path:
    """A run journal by path or name (its file stem); the newest run when `name` is None."""
    runs = sorted(drill_runs_dir().glob("*.sqlite"))
    if name is None:
        if not runs:
            raise SmwarError("no drill has been played yet: start one with `smwar drill`")
        return runs[-1]
    found = by_path_or_name(name, runs)
    if found is None:
        raise SmwarError(f"no drill run {name!r} (list them with: smwar drill history)")
    return found


@dataclass(frozen=True, slots=True)
class PastRun:
    """One line of `smwar drill history`."""

    run: str
    started: datetime
    drill_id: str
    title: str
    operators: tuple[str, ...]
    total: int | None  # None: not ended yet
    parts: dict[str, float]
    scenarios: tuple[str, ...]  # the scenarios the drill trains


def history() -> list[PastRun]:
    """Every drill run on this machine, oldest first, with the score journaled at its end."""
    runs: list[PastRun] = []
    for path in sorted(drill_runs_dir().glob("*.sqlite")):
        with Journal.open(path) as journal:
            meta = journal.meta()
            if meta.get("mode") != MODE_DRILL or "clock_start" not in meta:
                continue
            ended = next(journal.events(kind=ENDED), None)
            actors = {event.actor for event in journal.events() if event.actor != SYSTEM_ACTOR}
        summary = ended.payload if ended is not None else {}
        total = summary.get("total")
        parts = summary.get("parts")
        scenarios = summary.get("scenarios")
        runs.append(
            PastRun(
                run=path.stem,
                started=from_iso(meta["clock_start"]),
                drill_id=meta.get("drill_id", "?"),
                title=meta.get("drill_title", ""),
                operators=tuple(sorted(actors)),
                total=total if isinstance(total, int) else None,
                parts={str(k): float(v) for k, v in parts.items()} if isinstance(parts, dict) else {},
                scenarios=tuple(map(str, scenarios)) if isinstance(scenarios, list) else (),
            )
        )
    return runs
