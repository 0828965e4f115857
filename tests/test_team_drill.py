"""A drill played by a team: real `smwar drill` processes in ptys on one drill journal. The
second one joins the first's run; each answers a mention under their own name, sees the other
replying, and leaves alone a mention the other is answering; the debrief scores each of them
and the team, and the readiness history keeps both. When the war room that plays the injects
dies, another plays on from the journaled clock."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from smwar.cli import main
from smwar.drills.script import Expected, ExpectedIncident
from smwar.drills.team import team
from smwar.engine.drill import PLAYER, find_run, history, read_run
from smwar.incidents.chain import OPENED, ROLE, STEP_DONE, UNDONE
from smwar.incidents.metrics import IncidentMetrics, StepTiming
from smwar.journal.store import Journal
from smwar.journal.team import HANDED
from smwar.model import GUARDED, LEFT_TO_CLAIM, REPLIED, TAKEN_OVER, Event, Incident, IncidentStatus, StepStatus
from smwar.runbooks.definitions import RunbookSet
from tests.test_team import _until  # the same wait for a journal's state
from tests.tools.terminal import Terminal

DRILL = Path(__file__).parent / "data" / "short-drill.toml"
KEY_GAP = 0.5  # an escape and a key at once would read as alt+key
CTRL_O = "\x0f"
UP = "\x1b[A"


def _events(path: Path, kind: str) -> list[tuple[str, object]]:
    with Journal.open(path) as journal:
        return [(event.actor, event.payload.get("mention_id")) for event in journal.events(kind=kind)]


def test_two_operators_play_one_drill_and_the_debrief_scores_each_and_the_team(
    home: Path, runbooks: RunbookSet
) -> None:
    anna = Terminal(["--as", "anna", "drill", str(DRILL), "--speed", "30"], home)
    ben: Terminal | None = None
    try:
        assert anna.wait_for("Feed")
        ben = Terminal(["--as", "ben", "drill", str(DRILL)], home)  # the latest run of this drill: anna's
        assert ben.wait_for("Feed")
        assert ben.wait_for("(joined: the team's clock)", 15), "ben is told he joined the team's run"
        assert anna.wait_for("throwaway42", 20) and ben.wait_for("throwaway42", 20), "both see every inject"
        anna.send(" ")  # the clock is the team's: anna pauses it for both
        assert ben.wait_for("· paused", 15)
        run = find_run(None)
        assert run.parent == home / "data" / "drills" and len(list(run.parent.glob("*.sqlite"))) == 1

        anna.send("r")  # the newest mention: throwaway42's question
        assert anna.wait_for("Reply to throwaway42", 10)
        assert ben.wait_for("✍anna", 15), "ben sees that anna is replying"
        ben.send("r")  # the same mention: anna's claim stops a second answer
        assert ben.wait_for("anna is replying to this", 15)
        ben.send("\r")  # leave it to anna
        assert _until(lambda: _events(run, LEFT_TO_CLAIM) == [("ben", 8)], 15)

        anna.send(CTRL_O)
        assert anna.wait_for("Recorded as simulated", 10)
        time.sleep(KEY_GAP)
        ben.send(UP)  # kai's leak report, one above
        time.sleep(KEY_GAP)
        ben.send("r")
        assert ben.wait_for("Reply to @kai@muenchen.social", 10)
        assert anna.wait_for("✍ben", 15), "anna sees that ben is replying"
        ben.send(CTRL_O)
        assert ben.wait_for("Recorded as simulated", 10)
        assert _until(lambda: sorted(_events(run, REPLIED)) == [("anna", 8), ("ben", 7)], 15)

        time.sleep(KEY_GAP)
        anna.send("E")
        assert anna.wait_for("End the drill?", 10)
        anna.send("\r")
        assert anna.wait_for("Score:", 10)
        assert ben.wait_for("anna ended the drill", 15), "ben hears that the drill ended"
    finally:
        assert anna.close() == 0
        assert ben is None or ben.close() == 0

    debrief = read_run(run, runbooks)  # what the debrief screen shows, read from the journal
    people = {person.name: person for person in debrief.team.people}
    assert set(people) == {"anna", "ben"}
    assert (people["anna"].replies, people["ben"].replies) == (1, 1)
    assert (people["anna"].avoided, people["ben"].avoided) == (0, 1)
    assert people["anna"].score == 100 and people["ben"].score == 100  # fast answers, a double answer avoided
    assert debrief.team.replies == 2 and debrief.team.doubles == 0 and debrief.team.avoided == 1
    written = run.with_suffix(".md").read_text(encoding="utf-8")  # as the screen wrote it when anna ended it
    assert "## Team" in written and "| anna | 100 / 100 | 1 |" in written and "| ben | 100 / 100 | 1 |" in written
    [past] = history()
    assert past.total == debrief.score.total
    assert past.people == {"anna": 100, "ben": 100}
    with Journal.open(run) as journal:
        assert journal.lease(PLAYER) is None, "the war room that played the drill gave the lease up"
    shown = CliRunner().invoke(main, ["drill", "history"]).output
    assert "each  anna 100 · ben 100" in shown


def test_when_the_war_room_playing_the_drill_dies_another_plays_on(home: Path) -> None:
    anna = Terminal(["--as", "anna", "drill", str(DRILL), "--speed", "10"], home)
    ben: Terminal | None = None
    try:
        assert anna.wait_for("Feed")
        ben = Terminal(["--as", "ben", "drill", str(DRILL)], home)
        assert ben.wait_for("Feed") and ben.wait_for("jana_k", 15)  # anna plays the first injects
        run = find_run(None)
        with Journal.open(run) as journal:
            lease = journal.lease(PLAYER)
        assert lease is not None and lease.holder.endswith(f":{anna.process.pid}")
        anna.process.send_signal(signal.SIGKILL)  # no goodbye: the lease must lapse
        anna.process.wait()
        assert ben.wait_for("throwaway42", 30), "ben's war room plays the rest"
        with Journal.open(run) as journal:
            ids = journal.native_ids()
            lease = journal.lease(PLAYER)
        assert sorted(ids) == [f"short-leak-{n:05d}" for n in range(8)], "each inject once"
        assert lease is not None and lease.holder.endswith(f":{ben.process.pid}")
    finally:
        anna.close()
        assert ben is None or ben.close() == 0


def test_each_person_is_scored_on_their_own_actions_and_the_team_on_what_they_did_together() -> None:
    """Anna answers fast, Ben answers the same mention again (a double answer) and a troll the
    plan leaves alone; Cleo leaves a reply to Anna, takes one over from Ben, marks a step done
    on time (and one she took back), and opens the expected incident late; roles change hands,
    in an incident and by handing one over (which changes the incident's role too: one handover)."""
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    at = start + timedelta(minutes=20)
    expected = Expected(incident=[ExpectedIncident(scenario="product-defect", open_by=timedelta(minutes=15))])
    expected = expected.model_copy(update={"leave_alone": ["@troll@x.social"]})
    incident = Incident(1, "product-defect", IncidentStatus.OPEN, start, "trigger", opened_at=at)
    step = StepTiming(
        "notify-pr", "Notify the PR advisor", timedelta(minutes=10), StepStatus.DONE, timedelta(minutes=5), False
    )
    undone = StepTiming(
        "facts", "Collect the facts", timedelta(minutes=20), StepStatus.DONE, timedelta(minutes=6), False
    )
    metrics = {1: IncidentMetrics(None, None, (step, undone))}

    def reply(actor: str, mention_id: int, minutes: int, author: str = "@kunde@x.social") -> Event:
        payload = {"mention_id": mention_id, "author": author, "how": "simulated"}
        return Event(REPLIED, start + timedelta(minutes=minutes), actor, payload=payload)

    events = [
        reply("anna", 1, 3),
        reply("ben", 1, 4),  # a second answer to the same person
        reply("ben", 2, 30, "@troll@x.social"),
        Event(LEFT_TO_CLAIM, at, "cleo", payload={"mention_id": 3, "holder": "anna"}),
        Event(TAKEN_OVER, at, "cleo", payload={"mention_id": 4, "holder": "ben"}),
        Event(GUARDED, at, "anna", payload={"mention_id": 4, "reason": "cleo took the reply over at 09:20"}),
        Event(GUARDED, at, "anna", payload={"mention_id": 4, "reason": "cleo already replied at 09:21"}),
        Event(OPENED, at, "cleo", 1),
        Event(STEP_DONE, at, "cleo", 1, "notify-pr"),
        Event(STEP_DONE, at, "cleo", 1, "facts", id=90),
        Event(UNDONE, at, "cleo", 1, "facts", {"event_id": 90}),
        Event(ROLE, at, "anna", 1, payload={"role": "lead", "person": "Ben", "handover_from": "Anna"}),
        Event(HANDED, at, "ben", payload={"role": "pr-liaison", "to": "anna"}),  # one action:
        Event(ROLE, at, "ben", 1, payload={"role": "pr-liaison", "person": "anna", "handover_from": "ben"}),
        Event(REPLIED, at, "smwar", payload={"mention_id": 5, "author": "x"}),  # not a person's
    ]
    arrivals = {1: start, 2: start + timedelta(minutes=2)}
    result = team(events, arrivals, expected, [incident], metrics, start)
    people = {person.name: person for person in result.people}
    assert list(people) == ["anna", "ben", "cleo"]
    anna, ben, cleo = people["anna"], people["ben"], people["cleo"]
    assert (anna.replies, anna.score, anna.median_reply, anna.handovers) == (1, 100, timedelta(minutes=3), 2)
    assert (ben.replies, ben.doubles, ben.wrong_replies, ben.score, ben.handovers) == (2, 1, 1, 0, 3)
    # left one to anna (1), took one over (no credit, a handover), opened late (½), a step on time (1)
    assert (cleo.avoided, cleo.opened, cleo.steps, cleo.handovers) == (1, 1, 1, 1)
    assert cleo.score == round(100 * 2.5 / 3)
    assert anna.guarded == {4}, "the guard stopped anna's reply to what cleo had taken over: no credit, no loss"
    assert anna.avoided_all == 1, "once, however often she pressed send"
    assert (result.replies, result.doubles, result.avoided, result.handovers) == (3, 1, 2, 3)
