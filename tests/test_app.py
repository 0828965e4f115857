"""The war room driven as an operator would, on a manual drill clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input

from smwar.clock import DrillClock, ManualClock
from smwar.engine.drill import drill_session, open_drill_run
from smwar.engine.session import Session
from smwar.incidents.chain import incident_notes
from smwar.model import Incident, IncidentStatus, StepStatus
from smwar.runbooks.definitions import RunbookSet
from smwar.tui.app import WarRoomApp
from smwar.tui.rooms.drill import DrillInfo
from smwar.tui.screens.incident import IncidentScreen
from smwar.tui.screens.reply import ReplyScreen
from smwar.tui.text import local_time
from smwar.tui.widgets.board import ScenarioBoard
from smwar.tui.widgets.detail import MentionDetail
from smwar.tui.widgets.feed import Feed

from .conftest import T0, in_feed, notices, screen_text, shown_in, start_drill
from .test_claims import annas_war_room

SIZE = (140, 40)


def war_room(runbooks: RunbookSet, **kwargs: object):  # type: ignore[no-untyped-def]
    run, clock, session = start_drill(runbooks, **kwargs)  # type: ignore[arg-type]
    return run, clock, session, WarRoomApp(session, drill=DrillInfo.of(run), poll_seconds=3600)


async def two_minutes_in(app: WarRoomApp, clock: ManualClock, pilot: Pilot[None]) -> Incident:
    """The drill played two minutes on: the product defect proposed, on screen."""
    clock.advance(timedelta(minutes=2))
    [proposal] = app.main.poll_now().proposals
    await pilot.pause()
    return proposal


async def answer(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_mentions_reach_feed_and_journal_with_why_they_matched(runbooks: RunbookSet) -> None:
    run, clock, _session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(timedelta(seconds=30))
        app.main.poll_now()
        await pilot.pause()
        feed = app.query_one(Feed)
        assert [item.mention.author for item in in_feed(feed)] == [
            "@jana_k@chaos.social",
            "fussballfan.bsky.social",
            "@tom@norden.social",
            "u/wasserschaden_ffm",
        ]
        assert run.journal.mention_count() == 4
        first = feed.render_line(0).text
        assert first.startswith(f"{local_time(T0 + timedelta(seconds=5))[:5]} M @jana_k@ch… Unsere neue AquaPro")
        assert first.rstrip().endswith(" PD"), "the scenario's tag ends the line: Product Defect"
        assert not feed.render_line(1).text.rstrip().endswith(" PD"), "football is noise"
        feed.cursor = 2
        await pilot.pause()
        assert "My Elektro-Mueller washer is leakng all over the kitchen floor. Great." in screen_text(app)
        app.query_one(MentionDetail).scroll_end(animate=False, immediate=True)  # why it matched, below its triage
        await pilot.pause()
        assert "rule leak: leakng ~ “leak” 90%" in screen_text(app)
    stored = run.journal.mentions()
    assert stored[2].matches[0].hits[1].words == ("leakng",)


async def test_a_trigger_proposes_an_incident_and_the_chain_is_worked_and_journaled(runbooks: RunbookSet) -> None:
    run, clock, session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(timedelta(minutes=2))
        update = app.main.poll_now()
        await pilot.pause()
        [proposal] = update.proposals
        assert proposal.scenario_id == "product-defect"
        board = app.query_one(ScenarioBoard)
        assert str(board.get_cell("product-defect", "incident")) == f"PROPOSED #{proposal.id}"
        assert str(board.get_cell("product-defect", "count")) == "7"

        await pilot.press("o")
        await answer(pilot, "answer every affected customer within 2 hours")
        assert isinstance(app.screen, IncidentScreen)

        await pilot.press("down", "down", "d")  # the holding statement waits for notify-pr
        await pilot.pause()
        assert "Override the gate of step 'holding-statement'?" in screen_text(app)
        await pilot.press("escape")
        assert session.desk.incident(proposal.id).steps.get("holding-statement") is None
        await pilot.press("up", "up", "d")
        await pilot.press("down", "s")
        await answer(pilot, "facts come from the quality team's own report")
        await pilot.press("d")
        skipped = session.desk.incident(proposal.id).steps["facts"]
        assert skipped.status is StepStatus.SKIPPED, "a skipped step stays skipped"
        await pilot.press("down", "d")  # the holding statement: unlocked now
        await pilot.press("n")
        await answer(pilot, "statement checked by Katrin")
        await pilot.press("N")
        await answer(pilot, "press asked for a call-back")

    kinds = [(event.kind, event.step_id) for event in run.journal.events(proposal.id)]
    assert kinds == [
        ("incident.proposed", None),
        ("incident.opened", None),
        ("step.done", "notify-pr"),
        ("step.skipped", "facts"),
        ("step.done", "holding-statement"),
        ("note.added", "holding-statement"),
        ("note.added", None),
    ]
    skipped = next(e for e in run.journal.events(proposal.id) if e.kind == "step.skipped")
    assert skipped.payload == {"reason": "facts come from the quality team's own report"}
    assert skipped.actor == "tester"


async def test_the_board_shows_each_scenarios_last_minutes_and_incident_and_widens_on_a_wide_terminal(
    runbooks: RunbookSet,
) -> None:
    for size in ((120, 40), (200, 50)):
        _run, clock, _session, app = war_room(runbooks)
        async with app.run_test(size=size) as pilot:
            clock.advance(timedelta(minutes=2))
            app.main.poll_now()
            await pilot.pause()
            board = app.query_one(ScenarioBoard)
            rows = [line for line in screen_text(app).splitlines() if "Product de" in line]
            assert rows and " 7  PROPOSED" in rows[0], rows  # seven matches in the last ten minutes, proposed
            assert board.outer_size.width == (32 if size[0] == 120 else 50), "a quarter of a wide terminal"


async def test_restart_shows_the_previous_incident_and_chain_intact(runbooks: RunbookSet) -> None:
    run, clock, session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        proposal = await two_minutes_in(app, clock, pilot)
        session.desk.open_incident(proposal.id, "stop the spread")
        session.desk.complete_step(proposal.id, "notify-pr")
        session.desk.skip_step(proposal.id, "facts", "known already")
        session.desk.add_note(proposal.id, None, "handover to night shift")
        await pilot.pause()
    run.journal.close()

    again, clock2, session2, app2 = war_room(runbooks, fresh=False, start=T0 + timedelta(hours=1))
    assert again.resumed and again.journal.path == run.journal.path
    assert clock2.now() >= T0 + timedelta(minutes=2), "the drill clock resumes where the run stopped"
    async with app2.run_test(size=SIZE) as pilot:
        await pilot.pause()
        incident = session2.desk.incident(proposal.id)
        assert incident.status is IncidentStatus.OPEN and incident.goal == "stop the spread"
        assert incident.steps["notify-pr"].status is StepStatus.DONE
        assert incident.steps["facts"].status is StepStatus.SKIPPED
        assert [note.text for note in incident_notes(incident)] == ["handover to night shift"]
        assert len(in_feed(app2.query_one(Feed))) == 8
        assert "OPEN" in str(app2.query_one("#chain-title").render())
        clock2.advance(timedelta(minutes=5))
        assert app2.main.poll_now().mentions == (), "injects already played are not played twice"
        assert again.journal.mention_count() == 8


async def test_tail_mode_stops_when_the_operator_scrolls_up_and_counts_new_mentions(runbooks: RunbookSet) -> None:
    _run, clock, _session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(timedelta(seconds=45))
        app.main.poll_now()
        await pilot.pause()
        feed = app.query_one(Feed)
        assert feed.following and feed.cursor == 4
        await pilot.press("up")
        assert not feed.following
        detail = app.query_one(MentionDetail)
        assert detail.border_subtitle == "4 of 5", "where the operator is, beside the mention"
        clock.advance(timedelta(seconds=60))
        app.main.poll_now()
        await pilot.pause()
        assert feed.cursor == 3, "the operator's place is kept"
        assert feed.pending == 3 and feed.border_subtitle == "3 new · end to follow"
        await pilot.press("end")
        assert feed.following and feed.pending == 0 and feed.cursor == 7 and not feed.border_subtitle
        assert not detail.border_subtitle, "following the newest needs no place"


async def test_the_place_in_the_detail_pane_counts_the_mentions_that_arrive(runbooks: RunbookSet) -> None:
    _run, clock, _session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(timedelta(seconds=45))
        app.main.poll_now()
        await pilot.pause()
        await pilot.press("up")
        detail = app.query_one(MentionDetail)
        assert "4 of 5" in shown_in(detail)
        clock.advance(timedelta(seconds=60))
        app.main.poll_now()
        await pilot.pause()
        assert "3 new · end to follow" in shown_in(app.query_one(Feed))
        assert "4 of 8" in shown_in(detail), "the place is where it was, of every mention there is now"


async def test_the_detail_pane_wraps_its_text_beside_its_scrollbar(runbooks: RunbookSet) -> None:
    """From a mention that fits the pane to one with more to say than it holds: a scrollbar
    comes, and what the pane says wraps beside it, no word cut off under the scrollbar."""
    _run, clock, _session, app = war_room(runbooks)
    async with app.run_test(size=(120, 40)) as pilot:
        clock.advance(timedelta(minutes=5))
        app.main.poll_now()
        await pilot.pause()
        feed, detail = app.query_one(Feed), app.query_one(MentionDetail)
        texts = [item.mention.text for item in in_feed(feed)]
        feed.cursor = min(range(len(texts)), key=lambda n: len(texts[n]))
        await pilot.pause()
        assert detail.max_scroll_y == 0, "the shortest fits"
        # the longest without wide characters, so that a column is a character
        feed.cursor = max(
            (n for n in range(len(texts)) if max(map(ord, texts[n])) < 0x2000), key=lambda n: len(texts[n])
        )
        await pilot.pause()
        assert detail.max_scroll_y > 0, "more than the pane holds"
        region = detail.scrollable_content_region
        rows = screen_text(app).splitlines()[region.y : region.bottom]
        shown = " ".join(" ".join(row[region.x : region.right] for row in rows).split())
        assert " ".join(texts[feed.cursor].split()) in shown


async def test_space_pauses_the_drill_and_the_pause_is_journaled(runbooks: RunbookSet) -> None:
    run = open_drill_run(Path(__file__).parent / "data" / "short-drill.toml", fresh=True, now=T0)
    clock = DrillClock(run.position, speed=10)
    app = WarRoomApp(drill_session(run, runbooks, clock, "tester"), drill=DrillInfo.of(run))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(100):
            if in_feed(app.query_one(Feed)):
                break
            await pilot.pause(0.1)
        assert in_feed(app.query_one(Feed)), "the first mention arrives by itself at 10x"
        await pilot.press("space")
        assert clock.paused
        paused_at = clock.now()
        await pilot.pause(0.3)
        assert clock.now() == paused_at
        assert "paused" in str(app.query_one("#status").render())
    assert [e.kind for e in run.journal.events()] == ["drill.paused"]


async def test_help_and_command_palette(runbooks: RunbookSet) -> None:
    _run, _clock, _session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert app.screen.query("KeyPanel")
        await pilot.press("question_mark")
        assert not app.screen.query("KeyPanel")
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"pause")
        await pilot.pause(0.5)
        assert "Pause or resume drill" in str(app.screen.query_one("CommandList").get_option_at_index(0).prompt)


async def test_the_palette_offers_the_actions_of_the_screen_it_is_opened_on(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    """In the reply editor, `post` finds Post (a browser takes ctrl+t for a new tab), and not the
    war room's actions, which would act behind the editor."""
    journal, other, _item, app = annas_war_room(f"sqlite:{tmp_path / 'j.sqlite'}", runbooks)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReplyScreen)
        await pilot.press("ctrl+p", *"post")
        await pilot.pause(0.5)
        commands = app.screen.query_one("CommandList")
        assert str(commands.get_option_at_index(0).prompt).startswith("Post")
        await pilot.press("ctrl+a", "backspace", *"answer next")
        await pilot.pause(0.5)
        assert not any("Answer next" in str(option.prompt) for option in commands.options)
    journal.close()
    other.close()


async def test_on_a_phone_sized_screen_the_feed_takes_the_whole_width(runbooks: RunbookSet) -> None:
    """A browser on a phone gives the war room about 40 columns: the feed takes them all (the
    board and the chain, a key away, give way) and comes back beside them on a wider screen."""
    _run, clock, _session, app = war_room(runbooks)
    async with app.run_test(size=(40, 30)) as pilot:
        clock.advance(timedelta(minutes=3))
        app.main.poll_now()
        await pilot.pause()
        feed = app.main.query_one(Feed)
        assert feed.region.width == 40 and not app.main.query_one("#right").display
        assert "AquaPro" in shown_in(feed), "mentions' words show"
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert app.main.query_one("#right").display and feed.region.width < 100


async def test_a_goal_refused_because_a_teammate_opened_the_incident_first_is_kept(runbooks: RunbookSet) -> None:
    _run, clock, session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        proposal = await two_minutes_in(app, clock, pilot)
        await pilot.press("o")
        session.desk.open_incident(proposal.id, "a teammate's goal")  # as the operator types
        await answer(pilot, "answer every affected customer within 2 hours")
        [refused] = [text for text in notices(app) if "What you typed is on the clipboard." in text]
        assert app.clipboard == "answer every affected customer within 2 hours", refused
        assert session.desk.incident(proposal.id).goal == "a teammate's goal"


class BrokenSource:
    def due(self, now: object) -> list[object]:
        raise OSError("disk full")


async def test_a_failing_pipeline_is_shown_and_does_not_take_the_app_down(runbooks: RunbookSet) -> None:
    run, clock, _ = start_drill(runbooks)
    session = Session(run.journal, runbooks, clock, BrokenSource(), "tester")  # type: ignore[arg-type]
    app = WarRoomApp(session, drill=DrillInfo.of(run), poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        assert app.is_running
        assert "feed stalled: disk full" in str(app.query_one("#status").render())


async def test_plus_and_minus_change_the_drill_speed_within_1_to_60(runbooks: RunbookSet) -> None:
    run = open_drill_run(Path(__file__).parent / "data" / "short-drill.toml", fresh=True, now=T0)
    clock = DrillClock(run.position, speed=40)
    app = WarRoomApp(drill_session(run, runbooks, clock, "tester"), drill=DrillInfo.of(run), poll_seconds=3600)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("plus")
        assert clock.speed == 60
        await pilot.press("minus", "minus", "minus", "minus", "minus", "minus", "minus")
        assert clock.speed == 1
    assert [e.payload["speed"] for e in run.journal.events()] == [60, 30, 15, 7.5, 3.75, 1.875, 1, 1]
