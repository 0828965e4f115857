"""Work handed out and handed over: the ingest leader assigns a new mention to answer to the
next present operator holding its owner role, when the plan says `assign = "round-robin"`;
an operator hands a role over to another in one action, and the role's work and chain steps
go with it. On both backends (the `address` fixture)."""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from smwar.clock import ManualClock
from smwar.config import Config, load_config
from smwar.engine.ingest import Handover
from smwar.engine.live import open_live_journal
from smwar.engine.session import Session
from smwar.journal.address import open_journal
from smwar.journal.team import ASSIGNED, HANDED
from smwar.model import SYSTEM_ACTOR, Event, Mention
from smwar.paths import bundled_runbooks_dir
from smwar.runbooks.definitions import RunbookSet
from smwar.sources.base import Batch
from smwar.tui.app import WarRoomApp
from smwar.tui.screens.prompt import ChoicePrompt
from smwar.tui.screens.queue import QueueScreen
from smwar.tui.widgets.chain import step_cells
from tests.tools.journals import with_stream
from tests.tools.leaders import leading

from .conftest import screen_text

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LEAK = "Meine AquaPro ist ausgelaufen, bitte meldet euch"  # customer-service's, to answer


def _until(check, seconds: float = 20) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _round_robin_runbooks(folder: Path) -> Path:
    """The bundled runbooks, whose plan hands customer-service's request types out in turn."""
    shutil.copytree(bundled_runbooks_dir(), folder)
    plan = folder / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(
        text.replace('owner = "customer-service"\n', 'owner = "customer-service"\nassign = "round-robin"\n'),
        encoding="utf-8",
    )
    return folder


def test_the_leader_assigns_new_mentions_to_the_present_owners_in_turn(tmp_path: Path, address: str) -> None:
    stream = tmp_path / "stream.jsonl"
    with_stream(tmp_path / "home", stream, address)
    config = load_config()
    folder = _round_robin_runbooks(tmp_path / "runbooks")

    def post(first: int, texts: list[str]) -> None:
        with stream.open("a", encoding="utf-8") as out:
            for n, text in enumerate(texts, first):
                out.write(json.dumps({"id": f"p{n}", "author": f"@k{n}@x.social", "text": f"{text} #{n}"}) + "\n")

    with open_live_journal(config) as journal:

        def assigned(count: int) -> bool:
            """Whether `count` mentions are assigned, the team's war rooms saying they are here meanwhile."""
            now = time.time()
            journal.beat("anna", "customer-service", "feed", now)
            journal.beat("ben", "social-team, customer-service", "feed", now)
            journal.beat("cara", "social-team", "feed", now)  # holds another role
            journal.beat("dora", "customer-service", "feed", now - 60)  # gone
            return len(journal.assignments()) == count

        assigned(0)
        post(0, [LEAK, "Presseanfrage zur AquaPro: Stellungnahme?", LEAK, LEAK])
        with leading(config, folder):
            assert _until(lambda: assigned(3))
        by_id = {item.id: item.mention.native_id for item in journal.mentions()}
        assert {by_id[m]: who for m, who in journal.assignments().items()} == {"p0": "anna", "p2": "ben", "p3": "anna"}
        assert {e.payload["role"] for e in journal.events(kind=ASSIGNED)} == {"customer-service"}
        post(4, [LEAK])  # a leader that takes over goes on after the last one assigned
        with leading(config, folder):
            assert _until(lambda: assigned(4))
        by_id = {item.id: item.mention.native_id for item in journal.mentions()}
        assert journal.assignments()[max(by_id)] == "ben"


async def test_my_queue_has_what_was_assigned_to_me_and_not_my_colleagues_share(
    address: str, runbooks: RunbookSet
) -> None:
    journal = open_journal(address)
    handover = Handover()
    session = Session(journal, runbooks, ManualClock(T0), handover, "anna")
    texts = [
        LEAK,
        "Wo bleibt meine Lieferung? Bestellung seit zwei Wochen unterwegs @elektromueller",
        "@elektromueller meine Waschmaschine ist kaputt, wer hilft mir?",
    ]
    handover.give(Batch(mentions=[Mention("mastodon", f"m{n}", f"@k{n}@x.social", t, T0) for n, t in enumerate(texts)]))
    mine, bens, nobodys = session.pipeline.poll().mentions
    journal.append_all([_assigned(mine.id, "anna"), _assigned(bens.id, "ben")])  # as the leader does
    app = WarRoomApp(session, poll_seconds=3600, config=Config(operator="anna", owns=["customer-service"]))
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("n", "M")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        shown = screen_text(app)
        assert "assigned to you Meine AquaPro ist ausgelaufen" in shown
        assert "meine Waschmaschine ist kaputt" in shown, "assigned to nobody: anyone's of the role"
        assert "Wo bleibt meine Lieferung" not in shown, "ben's share"
        await pilot.press("M")
        await pilot.pause()
        assert "assigned to ben Wo bleibt meine Lieferung" in screen_text(app), "everyone's says whose it is"
    assert nobodys.id not in journal.assignments()
    journal.close()


def _assigned(mention_id: int, operator: str) -> Event:
    payload = {"mention_id": mention_id, "operator": operator, "role": "customer-service"}
    return Event(ASSIGNED, T0, SYSTEM_ACTOR, payload=payload)


async def test_a_role_handed_over_takes_its_work_and_its_steps_along(address: str, runbooks: RunbookSet) -> None:
    """Anna is the PR liaison of an open incident and owns customer-service; she hands the
    liaison over to Ben with H: the chain's liaison steps name Ben, and once she hands
    customer-service over too, it is in Ben's queue and no longer in hers."""
    journal, ben = open_journal(address), open_journal(address)
    handover = Handover()
    session = Session(journal, runbooks, ManualClock(T0), handover, "anna")
    handover.give(Batch(mentions=[Mention("mastodon", "m1", "@kunde@x.social", LEAK, T0)]))
    [item] = session.pipeline.poll().mentions
    journal.append_all([_assigned(item.id, "anna")])  # her share of customer-service, as the leader assigns it
    incident = session.desk.open_from_mention(item, "product-defect", "Stop the spread")
    session.desk.assign_role(incident.id, "pr-liaison", "anna")
    ben.beat("ben", "responder", "feed", time.time())
    app = WarRoomApp(session, poll_seconds=3600, config=Config(operator="anna", owns=["customer-service"]))
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("H")
        await pilot.pause()
        assert isinstance(app.screen, ChoicePrompt) and "Hand which role over?" in screen_text(app)
        await pilot.press("down", "enter")  # pr-liaison
        await pilot.pause()
        assert "Hand pr-liaison over to" in screen_text(app)
        await pilot.press("enter")  # ben, the only other one here
        await pilot.pause()
        now = session.clock.now()
        handed_over = session.desk.incident(incident.id)
        scenario = runbooks.scenario("product-defect")
        liaison = [step_cells(handed_over, step, now)[3].plain for step in scenario.step if step.role == "pr-liaison"]
        assert liaison and set(liaison) == {"pr-liaison (ben)"}, "the liaison's steps name the new holder"
        await pilot.press("H", "enter")  # customer-service, the one role left
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        assert "Roles: pr-liaison ben" in screen_text(app), "the incident names the new holder of its steps"
    handed = [(e.actor, e.payload["role"], e.payload["to"]) for e in journal.events(kind=HANDED)]
    assert handed == [("anna", "pr-liaison", "ben"), ("anna", "customer-service", "ben")]
    assert ben.roles_of("ben", []) == ["pr-liaison", "customer-service"]
    assert ben.assignments() == {item.id: "ben"}, "what was assigned to her for the role goes with it"
    assert journal.roles_of("anna", ["customer-service"]) == []
    journal.close()
    ben.close()
