"""Play the bundled drill headless, as an operator would, and say what was confirmed.

    python tests/tools/autopilot.py --home DIR --seed N [--step-seconds S] [--pause MS] [--wait]

Runs the real engine the way `smwar drill` does, without the screen: SMWAR_HOME=DIR, the
bundled drill resumed from its latest run in DIR (or started there), the bundled runbooks. It
loops forever: poll the pipeline, open or dismiss proposed incidents, complete steps whose
gates are met, skip some, add incident and step notes — chosen at random from the seed —
and, once something was committed (the session call returned), prints one line

    CONFIRMED {"kind": ..., "actor": ..., "incident_id": ..., "step_id": ..., "payload": {...}}

(notes, goals and reasons carry the seed and a counter, so each line names one event) and
flushes, which is the moment the screen would show it as done. `tests/test_durability.py`
kills this process with SIGKILL at random moments and checks the journal against those lines.
The drill runs on a manual clock moved by `--step-seconds` of drill time per loop, so it
progresses quickly but a resumed run picks up where the journal left off.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from anywhere: use this checkout's smwar
    sys.path.insert(0, str(ROOT))

from smwar.clock import ManualClock  # noqa: E402
from smwar.drills.script import find_drill  # noqa: E402
from smwar.engine.drill import drill_session, open_drill_run  # noqa: E402
from smwar.engine.session import Session  # noqa: E402
from smwar.incidents import chain  # noqa: E402
from smwar.model import SYSTEM_ACTOR, Incident, IncidentStatus, StepStatus  # noqa: E402
from smwar.paths import bundled_runbooks_dir  # noqa: E402
from smwar.runbooks.loader import load_runbook_set  # noqa: E402

OPERATOR = "autopilot"
FINISHED = (StepStatus.DONE, StepStatus.SKIPPED)


class Autopilot:
    def __init__(self, session: Session, seed: int) -> None:
        self.session = session
        self.seed = seed
        self.rng = random.Random(seed)
        self.counter = 0

    # -- output ---------------------------------------------------------------------

    def confirm(self, kind: str, incident_id: int | None = None, step_id: str | None = None, **payload: object) -> None:
        """The action returned, so it is committed: tell the test (one write, then flush)."""
        actor = SYSTEM_ACTOR if kind in ("mentions", chain.PROPOSED, chain.DEADLINE) else OPERATOR
        line = {"kind": kind, "actor": actor, "incident_id": incident_id, "step_id": step_id, "payload": payload}
        sys.stdout.write("CONFIRMED " + json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
        sys.stdout.flush()

    def unique(self, what: str) -> str:
        self.counter += 1
        return f"{what} s{self.seed}-n{self.counter}"

    # -- one turn of the loop ------------------------------------------------------------

    def turn(self) -> None:
        update = self.session.pipeline.poll()
        if update.mentions:
            self.confirm(
                "mentions",
                ids=[item.id for item in update.mentions],
                native_ids=[item.mention.native_id for item in update.mentions],
            )
        for proposal in update.proposals:
            self.confirm(chain.PROPOSED, proposal.id, scenario_id=proposal.scenario_id)
        for incident, step, alert in self.session.desk.due_alerts():  # the app rings these each second
            self.confirm(chain.DEADLINE, incident.id, step.id, alert=alert)
        for incident in self.session.desk.incidents():
            try:
                self.act_on(incident)
            except chain.ChainError as exc:  # not allowed right now: the screen would say why
                print(f"refused: {exc}", file=sys.stderr, flush=True)

    def may_dismiss(self, incident: Incident) -> bool:
        """Dismiss a scenario's proposal once at most, and only while the drill has plenty left to
        propose it again or another incident stays open: there must always be work (notes) left."""
        others = [other for other in self.session.desk.incidents() if other.id != incident.id]
        if any(o.scenario_id == incident.scenario_id and o.status is IncidentStatus.DISMISSED for o in others):
            return False
        remaining = getattr(self.session.pipeline.source, "remaining", 0)
        return remaining >= 100 or any(other.status is IncidentStatus.OPEN for other in others)

    def act_on(self, incident: Incident) -> None:
        rng = self.rng
        if incident.status is IncidentStatus.PROPOSED:
            if rng.random() < 0.2:
                if rng.random() < 0.5 and self.may_dismiss(incident):
                    reason = self.unique("dismissed by autopilot")
                    self.session.desk.dismiss_incident(incident.id, reason)
                    self.confirm(chain.DISMISSED, incident.id, reason=reason)
                else:
                    goal = self.unique("contain it within the hour")
                    self.session.desk.open_incident(incident.id, goal)
                    self.confirm(chain.OPENED, incident.id, goal=goal)
            return
        if incident.status is not IncidentStatus.OPEN or rng.random() > 0.15:
            return
        scenario = self.session.runbooks.scenario(incident.scenario_id)
        pending = [s for s in scenario.step if chain.step_state(incident, s.id).status not in FINISHED]
        ready = [s for s in pending if not chain.missing_gates(incident, s)]
        roll = rng.random()
        if ready and roll < 0.06:  # steps take a while, so deadlines do ring
            step = rng.choice(ready)
            self.session.desk.complete_step(incident.id, step.id)
            self.confirm(chain.STEP_DONE, incident.id, step.id)
        elif pending and roll < 0.08:
            step = rng.choice(pending)
            reason = self.unique("skipped by autopilot")
            self.session.desk.skip_step(incident.id, step.id, reason)
            self.confirm(chain.STEP_SKIPPED, incident.id, step.id, reason=reason)
        elif pending and roll < 0.10:
            # Now and then try a locked step anyway: the chain refuses, nothing is journaled.
            step = rng.choice(pending)
            self.session.desk.complete_step(incident.id, step.id)
            self.confirm(chain.STEP_DONE, incident.id, step.id)
        elif roll < 0.6:
            text = self.unique("incident note")
            self.session.desk.add_note(incident.id, None, text)
            self.confirm(chain.NOTE, incident.id, None, text=text)
        else:
            step_id = rng.choice(scenario.step).id
            text = self.unique(f"note on {step_id}")
            self.session.desk.add_note(incident.id, step_id, text)
            self.confirm(chain.NOTE, incident.id, step_id, text=text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="SMWAR_HOME for this run")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--step-seconds", type=float, default=2.0, help="drill seconds per loop (default 2)")
    parser.add_argument("--pause", type=float, default=1.0, help="real milliseconds between loops (default 1)")
    parser.add_argument("--turns", type=int, default=0, help="stop after this many loops (default: never)")
    parser.add_argument(
        "--wait", action="store_true", help="load everything, then wait for a line on stdin before opening the journal"
    )
    args = parser.parse_args(argv)

    os.environ["SMWAR_HOME"] = str(args.home.resolve())
    runbooks = load_runbook_set(bundled_runbooks_dir())
    if args.wait:  # started ahead, while the previous run still works; go when it is dead
        sys.stderr.write("autopilot: ready\n")
        sys.stderr.flush()
        if not sys.stdin.readline():
            return 0
    run = open_drill_run(find_drill(None), fresh=False, now=datetime.now(UTC))
    clock = ManualClock(run.position)
    session = drill_session(run, runbooks, clock, OPERATOR)
    print(f"autopilot: {'resumed' if run.resumed else 'started'} {run.journal.path}", file=sys.stderr, flush=True)
    pilot = Autopilot(session, args.seed)
    step = timedelta(seconds=args.step_seconds)
    turns = 0
    with run.journal:
        while not args.turns or turns < args.turns:
            turns += 1
            clock.advance(step)
            pilot.turn()
            time.sleep(args.pause / 1000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
