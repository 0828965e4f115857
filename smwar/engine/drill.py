"""Start or resume a drill run: its own journal file, its script, its clock position."""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from smwar.clock import Clock, DrillClock, ManualClock, from_iso, to_iso
from smwar.drills.debrief import Debrief
from smwar.drills.player import DrillPlayer
from smwar.drills.score import Post, Reply, RunRecord, score
from smwar.drills.script import DrillScript, load_drill
from smwar.drills.team import team
from smwar.engine.follow import Follower
from smwar.engine.leader import LEASE_SECONDS, RENEW_SECONDS, WAIT_SECONDS, holder_name
from smwar.engine.pipeline import TRAINER_MESSAGE, Idle, Intake, Update
from smwar.engine.session import Session
from smwar.errors import InputErrors, SmwarError
from smwar.journal.store import Journal, NoJournal
from smwar.model import SYSTEM_ACTOR, Event
from smwar.paths import by_path_or_name, drill_runs_dir
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.terms import Progress

MODE_DRILL = "drill"
ENDED = "drill.ended"
CLOCK = "drill.clock"  # where the shared drill clock stood at a wall-clock second, its speed, paused or not
PLAYER = "drill"  # the lease of the process that plays the drill's injects
SYNC_SECONDS = 0.25  # how often a war room reads the shared clock


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
    With `runbooks`, the script given and the script the run plays (a resumed run's own copy)
    must expect only scenarios they have: either is refused before a run is made or resumed."""
    # a file that cannot be read is reported with its reason here, one a new run would refuse too
    script = load_drill(script_path, runbooks=runbooks)
    text = script_path.read_text(encoding="utf-8")
    latest = None if fresh else latest_run(script.drill.id)
    if latest is not None:
        journal = Journal.open(latest)
        meta = journal.meta()
        if meta.get("mode") != MODE_DRILL or "clock_start" not in meta:
            journal.close()
            raise SmwarError(f"{latest} is not a drill journal; start a new run with --new")
        try:  # a run goes on with the script it began with
            script = _run_script(meta, runbooks) or script
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
    Journal.move(staging, path)
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


# -- a drill played by a team ------------------------------------------------------------


class TeamClock(DrillClock):
    """The drill clock of every war room on one drill journal. Its state is journaled (a
    `CLOCK` event: the drill time at a wall-clock second, the speed, paused or not) whenever
    someone pauses, resumes, changes the speed or jumps, and read by the others at most every
    `SYNC_SECONDS`; between two changes each process runs it on the wall clock they share."""

    def __init__(self, journal: Journal, start: datetime, speed: float, operator: str) -> None:
        super().__init__(start, speed)
        self.journal = journal
        self.operator = operator
        self._seen = 0  # the last clock event read
        self._synced = 0.0  # when it was last read (monotonic seconds)
        self.joined = False  # another war room was playing the run when this one opened it

    def _real(self) -> float:
        return time.time()  # the one time base the processes on this host share

    def now(self) -> datetime:
        self.sync()
        return super().now()

    @property
    def speed(self) -> float:
        self.sync()
        return self._speed

    @property
    def paused(self) -> bool:
        self.sync()
        return self._paused

    def publish(self, actor: str | None = None) -> None:
        """Journal where the clock stands now, for every war room of the run (by `actor`:
        the operator who changed it, unless said otherwise)."""
        with self._lock:
            self._rebase()
            at, wall, speed, paused = self._anchor_drill, self._anchor_real, self._speed, self._paused
        payload = {"wall": wall, "speed": speed, "paused": paused}
        stored = self.journal.append(Event(CLOCK, at, actor or self.operator, payload=payload))
        self._seen, self._synced = stored.id or self._seen, time.monotonic()

    def sync(self, *, now: bool = False) -> None:
        """Take the newest journaled state (`now`: even if it was read a moment ago)."""
        if not now and time.monotonic() - self._synced < SYNC_SECONDS:
            return
        self._synced = time.monotonic()
        newest = deque(self.journal.events(kind=CLOCK, after_id=self._seen), maxlen=1)
        if not newest or newest[0].id is None:
            return
        latest = newest[0]
        self._seen = latest.id
        with self._lock:
            self._anchor_drill, self._anchor_real = latest.at, float(str(latest.payload["wall"]))
            self._speed, self._paused = float(str(latest.payload["speed"])), bool(latest.payload["paused"])

    def set_speed(self, speed: float) -> None:
        self.sync(now=True)
        super().set_speed(speed)
        self.publish()

    def pause(self) -> None:
        self.sync(now=True)
        super().pause()
        self.publish()

    def resume(self) -> None:
        self.sync(now=True)
        super().resume()
        self.publish()

    def toggle_pause(self) -> bool:
        self.sync(now=True)
        return super().toggle_pause()

    def jump(self, delta: timedelta) -> None:
        self.sync(now=True)
        super().jump(delta)
        self.publish()


def team_clock(run: DrillRun, speed: float, operator: str) -> TeamClock:
    """The run's shared clock: joined as it runs when another war room plays the run, else
    going on from where the run stood (at `speed`)."""
    clock = TeamClock(run.journal, run.position, speed, operator)
    lease = run.journal.lease(PLAYER)
    if lease is not None and lease.held_at(time.time()):
        clock.joined = True
        clock.sync(now=True)
    else:
        clock.publish(SYSTEM_ACTOR)  # no operator's doing: the debrief does not count it as theirs
    return clock


class DrillFollower(Follower):
    """A war room of a drill that a team plays on one drill journal. One war room at a time
    holds the run's `PLAYER` lease and plays the injects and trainer messages on the shared
    clock; when it quits or dies, another takes over within `LEASE_SECONDS` and goes on from
    the journaled clock (the injects already journaled are not played again). Every war room,
    the player's too, reads what was journaled as a live one does: mentions, incidents and
    their steps, replies, claims, and the trainer's messages."""

    def __init__(self, session: Session, run: DrillRun, holder: str | None = None) -> None:
        super().__init__(session)
        self.run = run
        self.holder = holder or holder_name()
        self.player: Session | None = None  # the session that plays the injects, while this one leads
        self._asked = 0.0

    def poll(self) -> Update:
        self._lead()
        if self.player is not None:
            if self.player.runbooks is not self.session.runbooks:  # this war room put an edit in force
                self.player.reload(self.session.runbooks)
            self.player.desk.catch_up()  # incidents opened elsewhere: no proposal for an active one
            self.player.pipeline.poll()
        update = super().poll()
        source = self.session.pipeline.source
        if isinstance(source, DrillSource):  # what the status line counts and `J` jumps to
            source.player.played([item.mention.native_id for item in update.mentions], self.session.clock.now())
        return update

    def _lead(self) -> None:
        if time.monotonic() - self._asked < (RENEW_SECONDS if self.player is not None else WAIT_SECONDS):
            return
        self._asked = time.monotonic()
        journal = self.session.journal
        if not journal.take_lease(PLAYER, self.holder, time.time(), LEASE_SECONDS):
            self.player = None  # another war room plays the drill (it took over when we were silent)
            return
        if self.player is None:  # the script's messages up to the last one journaled were shown
            shown = [event.at for event in journal.events(kind=TRAINER_MESSAGE) if event.actor == SYSTEM_ACTOR]
            run = replace(self.run, position=shown[-1], resumed=True) if shown else replace(self.run, resumed=False)
            self.player = drill_session(run, self.session.runbooks, self.session.clock, SYSTEM_ACTOR)

    def _messages_in(self, events: list[Event]) -> list[str]:
        """The trainer's messages and the drill's end, journaled by the player (this war room's
        or another's) and the other war rooms."""
        said: list[str] = []
        for event in events:
            if event.kind == TRAINER_MESSAGE and event.actor != self.session.operator:
                said.append(str(event.payload.get("text", "")))
            elif event.kind == ENDED and event.actor != self.session.operator:
                said.append(f"{event.actor} ended the drill: press E to see the score.")
        return said

    def _look_at_leader(self) -> None:
        """No ingest process serves a drill: its player is one of the war rooms (`_lead`)."""

    def stop(self) -> None:
        """Give the lease up: another war room plays on at once."""
        if self.player is not None:
            self.player = None
            self.session.journal.release_lease(PLAYER, self.holder)


# -- the end of a run, its score and debrief ----------------------------------------------


def ended_at(journal: Journal) -> datetime | None:
    """When the operator ended the run, if they did."""
    return next((event.at for event in journal.events(kind=ENDED)), None)


def debrief(session: Session, script: DrillScript, start: datetime, run: str) -> Debrief:
    """Score the run in `session` as of its end, or as of now if it has not ended."""
    end = ended_at(session.journal)
    until = end or session.clock.now()
    mentions = session.journal.mentions()
    record = RunRecord(
        start=start,
        end=until,
        incidents=session.desk.incidents(),
        metrics={incident.id: session.desk.metrics(incident.id) for incident in session.desk.incidents()},
        posts=[Post(item.mention.author, item.received_at) for item in mentions],
        replies=[Reply(str(event.payload["author"]), event.at) for event in session.desk.replies()],
    )
    events = [event for event in session.journal.events() if event.at <= until]
    arrivals = {item.id: item.received_at for item in mentions}
    return Debrief(
        title=script.drill.title,
        drill_id=script.drill.id,
        run=run,
        start=start,
        end=until,
        ended=end is not None,
        incidents=record.incidents,
        score=score(script.expected, session.runbooks, record),
        team=team(events, arrivals, script.expected, record.incidents, record.metrics, start),
    )


def end_drill(session: Session, script: DrillScript, start: datetime, run: str) -> Debrief:
    """End the run (once: ending it again shows the same debrief) and journal its score."""
    if ended_at(session.journal) is None:
        result = debrief(session, script, start, run)
        payload = result.score.summary() | {
            "scenarios": [incident.scenario for incident in script.expected.incident],
            "people": {person.name: person.summary() for person in result.team.people},
        }
        session.journal.append(Event(ENDED, session.clock.now(), session.operator, payload=payload))
    return debrief(session, script, start, run)


def read_run(path: Path, runbooks: RunbookSet, script_path: Path | None = None) -> Debrief:
    """The debrief of the run journaled at `path`, against its own script (or `script_path`)."""
    if not path.is_file():
        raise SmwarError(f"{path}: no such drill run (list them with: smwar drill history)")
    with Journal.open(path, create=False) as journal:
        meta = journal.meta()
        if meta.get("mode") != MODE_DRILL or "clock_start" not in meta:
            raise SmwarError(f"{path} is not a drill journal")
        script = _scored_against(meta, path.stem, script_path)
        start = from_iso(meta["clock_start"])
        until = ended_at(journal) or journal.latest_time() or start
        session = Session(journal, runbooks, ManualClock(until), Idle(), operator=SYSTEM_ACTOR)
        return debrief(session, script, start, path.stem)


def _scored_against(meta: dict[str, str], run: str, script_path: Path | None) -> DrillScript:
    """The script `run` is scored against: `script_path`, else the copy the run kept (older runs:
    the file it was played from). It must be the drill the run played."""
    if script_path is not None:
        script = load_drill(script_path)  # one that is not there, or is broken, says so itself
    else:
        try:
            script = _run_script(meta) or load_drill(Path(meta.get("drill_script", "")))
        except InputErrors as exc:
            raise SmwarError(f"cannot read the drill script of this run ({exc}); pass it with --script") from None
    played = meta.get("drill_id")
    if script.drill.id != played:
        source = script_path or meta.get("drill_script")
        raise SmwarError(f"{source}: drill {script.drill.id!r}, but run {run} played drill {played!r}")
    return script


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
    total: int | None  # None: not ended yet: the team's score
    parts: dict[str, float]
    scenarios: tuple[str, ...]  # the scenarios the drill trains
    people: dict[str, int | None]  # each operator's own score (None: nothing of theirs to judge)


def history() -> list[PastRun]:
    """Every drill run on this machine, oldest first, with the score journaled at its end."""
    runs: list[PastRun] = []
    for path in sorted(drill_runs_dir().glob("*.sqlite")):
        try:
            journal = Journal.open(path, create=False)
        except NoJournal:  # an empty file, or one removed since it was listed: no run, and none made
            continue
        with journal:
            meta = journal.meta()
            if meta.get("mode") != MODE_DRILL or "clock_start" not in meta:
                continue
            ended = next(journal.events(kind=ENDED), None)
            actors = {event.actor for event in journal.events() if event.actor != SYSTEM_ACTOR}
        summary = ended.payload if ended is not None else {}
        total = summary.get("total")
        parts = summary.get("parts")
        scenarios = summary.get("scenarios")
        people = summary.get("people")
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
                people={str(name): _score_of(figures) for name, figures in people.items()}
                if isinstance(people, dict)
                else {},
            )
        )
    return runs


def _score_of(figures: object) -> int | None:
    score = figures.get("score") if isinstance(figures, dict) else None
    return score if isinstance(score, int) else None
