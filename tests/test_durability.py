"""Durability: an action the operator saw confirmed survives SIGKILL, and the journal stays whole.

`tests/tools/autopilot.py` plays the bundled drill headless with the real engine and prints a
`CONFIRMED` line after each session call returns (the moment the screen would show it as
done). This test runs it round after round in one SMWAR_HOME — each round resumes the journal
the previous one left behind — and kills it with SIGKILL at a random moment of its work. After
every kill the journal must pass `PRAGMA integrity_check`; at the end every confirmed action
must be in it, a resumed session must show each of them, and nothing else may be journaled but
the one action per kill that was committed and not yet confirmed.

Timings only add variety (where the kill lands); no assertion depends on them.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from smwar.clock import ManualClock
from smwar.drills.script import find_drill
from smwar.engine.drill import drill_session, open_drill_run
from smwar.incidents import chain
from smwar.model import IncidentStatus, StepStatus
from smwar.runbooks.definitions import RunbookSet

AUTOPILOT = Path(__file__).parent / "tools" / "autopilot.py"
ROUNDS = 25
RUN_FOR = (0.05, 0.6)  # seconds of work after the first confirmed action, then SIGKILL
FIRST_LINE_TIMEOUT = 60.0  # generous: a loaded CI machine may start Python slowly
MIN_CONFIRMED_ACTIONS = 50
OPERATOR_KINDS = {chain.OPENED, chain.DISMISSED, chain.STEP_DONE, chain.STEP_SKIPPED, chain.NOTE}


class Round:
    """One autopilot process: started ahead with `--wait` (imports take a while), set going
    once the previous one is dead, killed in the middle of its work."""

    def __init__(self, home: Path, seed: int, log: Path) -> None:
        self.seed = seed
        self.log = log
        self.lines: list[str] = []
        self.partial = ""  # a line cut off by the kill: never confirmed
        self.working_at_kill = False
        self._first_line = threading.Event()
        with log.open("wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, str(AUTOPILOT), "--home", str(home), "--seed", str(seed), "--wait"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env={**os.environ, "SMWAR_HOME": str(home)},
            )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        """Collect complete lines until EOF; after a kill the pipe still holds what was printed."""
        assert self.process.stdout is not None
        for raw in iter(self.process.stdout.readline, b""):
            text = raw.decode("utf-8")
            if not text.endswith("\n"):
                self.partial = text
                break
            self.lines.append(text.rstrip("\n"))
            self._first_line.set()
        self._first_line.set()

    def go(self) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(b"go\n")
            self.process.stdin.close()
        except BrokenPipeError:
            raise AssertionError(f"round {self.seed}: the autopilot died before it started:\n{self.stderr()}") from None

    def wait_for_work(self) -> None:
        self._first_line.wait(FIRST_LINE_TIMEOUT)
        assert self.lines, f"round {self.seed}: no confirmed action; stderr:\n{self.stderr()}"

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._reader.join(timeout=30)
        assert self.process.stdout is not None
        self.process.stdout.close()

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def confirmed(self) -> list[dict[str, Any]]:
        return [json.loads(line.removeprefix("CONFIRMED ")) for line in self.lines if line.startswith("CONFIRMED ")]


def play_rounds(home: Path, logs: Path, rng: random.Random, after_kill: Callable[[Round], None]) -> list[Round]:
    """Every round, killed mid-work and then checked by `after_kill`. The next round is started
    while this one works and set going once it is dead. No autopilot outlives this call."""
    rounds: list[Round] = []
    upcoming = Round(home, 1, logs / "autopilot-1.log")
    live = [upcoming]
    try:
        for number in range(1, ROUNDS + 1):
            current = upcoming
            current.go()
            current.wait_for_work()
            if number < ROUNDS:
                upcoming = Round(home, number + 1, logs / f"autopilot-{number + 1}.log")
                live.append(upcoming)
            time.sleep(rng.uniform(*RUN_FOR))
            current.working_at_kill = current.process.poll() is None
            assert current.working_at_kill, f"round {number}: the autopilot stopped by itself:\n{current.stderr()}"
            current.kill()
            assert current.process.returncode == -signal.SIGKILL
            rounds.append(current)
            after_kill(current)
    finally:
        for round_ in live:
            round_.kill()
    return rounds


def journal_file(home: Path) -> Path:
    files = sorted((home / "data" / "drills").glob("*.sqlite"))
    assert len(files) == 1, f"every round must resume the one drill run, found {files}"
    return files[0]


def read_only(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    return connection


def integrity(path: Path) -> tuple[str, list[Any]]:
    connection = read_only(path)
    try:
        check = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        foreign = [tuple(row) for row in connection.execute("PRAGMA foreign_key_check")]
    finally:
        connection.close()
    return "\n".join(check), foreign


def take_event(journaled: dict[tuple[Any, ...], list[dict[str, Any]]], action: dict[str, Any]) -> dict[str, Any] | None:
    """Take the journaled event of a confirmed action out of `journaled` (events by kind, actor,
    incident and step): its payload holds what was confirmed (the engine may add more)."""
    candidates = journaled.get((action["kind"], action["actor"], action["incident_id"], action["step_id"]), [])
    for index, event in enumerate(candidates):
        if all(event["payload"].get(key) == value for key, value in action["payload"].items()):
            return candidates.pop(index)
    return None


def test_killed_mid_work_the_journal_keeps_every_confirmed_action(
    home: Path, tmp_path: Path, runbooks: RunbookSet
) -> None:
    started = time.monotonic()
    rng = random.Random(20261122)

    def check_journal(round_: Round) -> None:
        check, foreign = integrity(journal_file(home))
        assert check == "ok", f"after the kill of round {round_.seed}: {check}"
        assert foreign == [], f"after the kill of round {round_.seed}: dangling references {foreign}"
        if round_.seed > 1:
            assert "resumed" in round_.stderr(), f"round {round_.seed} did not resume the journal"

    rounds = play_rounds(home, tmp_path, rng, check_journal)
    assert len(rounds) == ROUNDS and all(round_.working_at_kill for round_ in rounds)

    confirmed = [action for round_ in rounds for action in round_.confirmed()]
    actions = [action for action in confirmed if action["kind"] in OPERATOR_KINDS]
    assert len(actions) > MIN_CONFIRMED_ACTIONS, f"only {len(actions)} operator actions confirmed"
    assert {action["kind"] for action in actions} >= {chain.OPENED, chain.STEP_DONE, chain.NOTE}

    # Every confirmed action is in the journal, each matched by an event of its own.
    connection = read_only(journal_file(home))
    try:
        events = list(connection.execute("SELECT * FROM events ORDER BY id"))
        mentions = {row["id"]: row["native_id"] for row in connection.execute("SELECT id, native_id FROM mentions")}
    finally:
        connection.close()
    journaled: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in events:
        event = {**dict(row), "payload": json.loads(row["payload"])}
        journaled.setdefault((row["kind"], row["actor"], row["incident_id"], row["step_id"]), []).append(event)
    for action in confirmed:
        if action["kind"] == "mentions":
            ids, native_ids = action["payload"]["ids"], action["payload"]["native_ids"]
            assert [mentions.get(i) for i in ids] == native_ids, f"confirmed mentions lost: {action}"
        else:
            assert take_event(journaled, action) is not None, f"confirmed but not in the journal: {action}"
    # Nothing else was journaled but what a kill cut off between commit and CONFIRMED — at most
    # one operator action per kill: a refused action leaves no trace, none is journaled twice.
    unconfirmed = [event for left in journaled.values() for event in left]
    lost_lines = [e for e in unconfirmed if e["kind"] in OPERATOR_KINDS]
    assert len(lost_lines) <= ROUNDS, f"{len(lost_lines)} operator events nobody confirmed: {lost_lines[:5]}"
    alerts = [(e["incident_id"], e["step_id"], e["payload"]) for e in events if e["kind"] == chain.DEADLINE]
    assert len(alerts) == len(set(alerts)), "a deadline alert rang twice across the restarts"
    assert len(unconfirmed) <= 2 * ROUNDS, f"{len(unconfirmed)} events nobody confirmed: {unconfirmed[:5]}"

    # And a session resumed from that journal, as the app would start, shows each of them.
    run = open_drill_run(find_drill(None), fresh=False, now=datetime.now(UTC))
    with run.journal:
        assert run.resumed
        session = drill_session(run, runbooks, ManualClock(run.position), "checker")
        for action in actions:
            incident = session.desk.incident(action["incident_id"])
            kind, step_id, payload = action["kind"], action["step_id"], action["payload"]
            if kind == chain.OPENED:
                assert incident.status is IncidentStatus.OPEN and incident.goal == payload["goal"]
            elif kind == chain.DISMISSED:
                assert incident.status is IncidentStatus.DISMISSED and incident.closed_reason == payload["reason"]
            elif kind == chain.STEP_DONE:
                assert chain.step_state(incident, step_id).status is StepStatus.DONE
            elif kind == chain.STEP_SKIPPED:
                state = chain.step_state(incident, step_id)
                assert state.status is StepStatus.SKIPPED and state.reason == payload["reason"]
            else:
                notes = chain.step_state(incident, step_id or "").notes
                assert payload["text"] in [note.text for note in notes]

    kinds = sorted({action["kind"] for action in confirmed})
    counts = ", ".join(f"{sum(a['kind'] == kind for a in confirmed)} {kind}" for kind in kinds)
    print(
        f"\n{ROUNDS} rounds killed mid-work in {time.monotonic() - started:.1f} s; {len(actions)} operator actions "
        f"confirmed; all confirmed: {counts}; {len(events)} events journaled, {len(unconfirmed)} of them "
        "committed but killed before they were confirmed"
    )
