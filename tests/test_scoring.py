"""Playing a scored drill to its end on a manual clock: trainer message, outage, jump, replies,
steps on time and late, the exact score breakdown, the debrief and the history."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from textual.widgets import OptionList, TextArea

from smwar.cli import main
from smwar.clock import DrillClock
from smwar.drills.score import RunRecord, score
from smwar.drills.script import Expected, ExpectedIncident, find_drill
from smwar.engine.drill import ENDED, drill_session, end_drill, open_drill_run, read_run
from smwar.engine.pipeline import Update
from smwar.model import Incident, IncidentStatus, StepStatus
from smwar.paths import drill_runs_dir, live_journal_path
from smwar.runbooks.definitions import RunbookSet
from smwar.tui.app import WarRoomApp
from smwar.tui.messages import TrainerSaid
from smwar.tui.rooms.drill import DrillInfo
from smwar.tui.screens.debrief import DebriefScreen
from smwar.tui.widgets.feed import Feed

from .conftest import DATA, T0, in_feed, notices, screen_text, start_drill
from .test_app import SIZE, answer, war_room

SCORED_DRILL = DATA / "scored-drill.toml"


async def reply_to(app: WarRoomApp, pilot, author: str, text: str, override: str = "") -> None:  # type: ignore[no-untyped-def]
    """Reply as an operator would: highlight the mention, r, write, ctrl+o (copy and record);
    `override`: the reason given when the check blocks it."""
    feed = app.query_one(Feed)
    feed.cursor = next(n for n, item in enumerate(in_feed(feed)) if item.mention.author == author)
    await pilot.press("r")
    app.screen.query_one(TextArea).text = text
    await pilot.press("ctrl+o")
    if override:
        await answer(pilot, override)
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_a_played_drill_gets_its_exact_score_breakdown_debrief_and_history(runbooks: RunbookSet) -> None:
    run, clock, session, app = war_room(runbooks, script=SCORED_DRILL)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(timedelta(seconds=50))
        app.main.poll_now()
        await pilot.pause()
        assert "Trainer: The head of communications is on holiday" in screen_text(app)

        clock.advance(timedelta(seconds=70))  # T+2:00
        update = app.main.poll_now()
        await pilot.pause()
        [proposal] = update.proposals
        assert "throwaway42" not in {m.mention.author for m in update.mentions}, "hackernews is down"
        await pilot.pause()
        assert "hackernews down until T+03:30" in screen_text(app)
        await pilot.press("o")
        await answer(pilot, "answer every affected customer within 2 hours")
        await pilot.press("escape")

        clock.advance(timedelta(seconds=90))  # T+3:30, the end of the outage
        update = app.main.poll_now()
        await pilot.pause()
        assert [m.mention.author for m in update.mentions] == ["throwaway42"], "held back, now through"

        await pilot.press("i")
        await pilot.press("d")  # notify-pr at T+3:30, due at T+12:00
        await pilot.press("down", "s")
        await answer(pilot, "the product team is on site already")
        clock.advance(timedelta(minutes=36, seconds=30))  # T+40:00: holding-statement was due at T+32:00
        await pilot.press("down", "d")
        await pilot.press("escape")
        incident = session.desk.incident(proposal.id)
        assert incident.steps["holding-statement"].status is StepStatus.DONE

        await reply_to(app, pilot, "anna.bsky.social", "Das tut uns leid, wir melden uns per DM.")
        await reply_to(app, pilot, "@wutbuerger77@mastodon.social", "Wir schweigen nicht.", override="trainer said so")
        assert "Recorded as simulated: a drill sends nothing." in notices(app)

        clock.advance(timedelta(minutes=10))  # T+50:00: reply-affected was due at T+47:00
        await pilot.press("E")
        app.screen.query_one(OptionList).highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        shown = screen_text(app)
        assert "Score: 68 / 100" in shown
        assert "@wutbuerger77@mastodon.social: answered, though the plan says to leave them alone" in shown

    debrief = read_run(run.journal.path, runbooks)
    breakdown = {part.key: (part.result, round(debrief.score.points(part), 1)) for part in debrief.score.parts}
    assert breakdown == {
        "detect": ("1 of 1", 10.0),
        "open": ("1 of 1", 20.0),
        "steps": ("2 of 4", 15.0),  # on time, skipped (½), late (½), reply-affected not done
        "answer": ("1 of 2", 7.5),
        "leave_alone": ("0 of 1", 0.0),
        "scenarios": ("2 of 2", 15.0),
    }
    assert debrief.score.total == 68 and debrief.ended and debrief.operators == ["tester"]
    texts = [finding.text for part in debrief.score.parts for finding in part.findings]
    # the first leak report arrived with the poll at T+0:50
    assert "product-defect: on the board at T+02:00, 1m10s after its first mention" in texts
    assert "product-defect/holding-statement: done late at T+40:00, was due at T+32:00" in texts
    assert "@kai@muenchen.social: not answered" in texts

    [ended] = list(run.journal.events(kind=ENDED))
    assert ended.payload["total"] == 68
    markdown = (run.journal.path.with_suffix(".md")).read_text()
    assert "## Score: 68 / 100" in markdown
    assert "| Steps within their deadline | 30 | 2 of 4 | 15.0 |" in markdown
    assert r"@wutbuerger77@mastodon.social: answered" in markdown

    result = CliRunner().invoke(main, ["drill", "debrief", run.name])
    assert result.exit_code == 0, result.output
    assert result.output == markdown
    result = CliRunner().invoke(main, ["drill", "history"])
    assert result.exit_code == 0, result.output
    assert "scored-leak (product-defect) · tester" in result.output
    assert f"68/100  {run.name}" in result.output
    other = CliRunner().invoke(main, ["drill", "history", "--scenario", "positive-hype"])
    assert other.exit_code == 0 and "No runs match." in other.output


async def test_a_long_trainer_message_shows_whole_in_the_banner(runbooks: RunbookSet) -> None:
    _run, _clock, _session, app = war_room(runbooks)
    said = "The PR advisor is in a meeting until 09:30. Who approves the holding statement meanwhile?"
    async with app.run_test(size=(100, 30)) as pilot:
        app.post_message(TrainerSaid(said))
        await pilot.pause()
        banner = " ".join(line.strip() for line in screen_text(app).splitlines()[:3])
        assert "Who approves the holding statement meanwhile?" in banner, banner


async def test_jump_ahead_and_a_trainer_message_on_the_drill_clock(runbooks: RunbookSet) -> None:
    run = open_drill_run(SCORED_DRILL, fresh=True, now=T0)
    clock = DrillClock(run.position, speed=10, paused=True)
    session = drill_session(run, runbooks, clock, "trainer")
    app = WarRoomApp(session, drill=DrillInfo.of(run), poll_seconds=3600)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("J")
        assert clock.now() - run.clock_start == timedelta(seconds=5), "to the first inject"
        assert [m.mention.author for m in app.main.poll_now().mentions] == ["@jana_k@chaos.social"]
        await pilot.press("space")  # running again
        await pilot.press("t")
        assert clock.paused, "a trainer message pauses the drill"
        await answer(pilot, "A journalist from the local paper calls. What do you say?")
        assert "Trainer: A journalist from the local paper calls." in screen_text(app)
    kinds = [(e.kind, e.payload) for e in run.journal.events()]
    assert ("drill.jumped", {"seconds": 5.0}) in kinds
    assert (
        "drill.message",
        {"text": "A journalist from the local paper calls. What do you say?", "trainer": True},
    ) in kinds


def test_a_resumed_drill_still_holds_back_the_outage_and_shows_no_message_twice(runbooks: RunbookSet) -> None:
    run, clock, session = start_drill(runbooks, SCORED_DRILL)
    clock.advance(timedelta(minutes=2))
    first = session.pipeline.poll()
    assert first.messages == ("The head of communications is on holiday. Who signs off the statement?",)
    assert len(first.mentions) == 7 and session.pipeline.source.remaining == 1  # type: ignore[attr-defined]
    run.journal.close()

    resumed, clock, session = start_drill(runbooks, SCORED_DRILL, fresh=False)
    assert resumed.resumed and session.pipeline.source.remaining == 1  # type: ignore[attr-defined]
    assert session.pipeline.poll() == Update(), "nothing twice: no mention, no message"
    clock.advance(timedelta(seconds=90))
    assert [m.mention.author for m in session.pipeline.poll().mentions] == ["throwaway42"]
    resumed.journal.close()


async def test_a_drill_with_replies_never_touches_the_live_journal(runbooks: RunbookSet) -> None:
    run, clock, _session, app = war_room(runbooks, script=SCORED_DRILL)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(timedelta(minutes=2))
        app.main.poll_now()
        await pilot.pause()
        await reply_to(app, pilot, "anna.bsky.social", "Wir kümmern uns.")
        assert "Recorded as simulated: a drill sends nothing." in notices(app)
        assert "DRILL" in app.title and "nothing is sent" in screen_text(app)
    [reply] = run.journal.events(kind="reply.recorded")
    assert reply.payload["simulated"] is True and reply.payload["author"] == "anna.bsky.social"
    assert run.journal.path.parent == drill_runs_dir()
    assert not live_journal_path().exists()


def test_what_is_not_yet_due_is_not_judged_and_an_unexpected_incident_counts_against(runbooks: RunbookSet) -> None:
    expected = Expected(
        incident=[
            ExpectedIncident(scenario="product-defect", open_by=timedelta(minutes=10)),
            ExpectedIncident(scenario="data-leak-rumour", open_by=timedelta(minutes=40)),
        ],
        not_opened=["positive-hype"],
    )
    wrong = Incident(
        1,
        "offensive-post",
        IncidentStatus.OPEN,
        T0 + timedelta(minutes=2),
        "by hand",
        opened_at=T0 + timedelta(minutes=2),
    )
    run = RunRecord(start=T0, end=T0 + timedelta(minutes=30), incidents=[wrong], metrics={}, posts=[], replies=[])
    result = score(expected, runbooks, run)
    texts = {part.key: [f.text for f in part.findings] for part in result.parts}
    assert texts["open"] == ["product-defect: not opened (due by T+10:00)"], "data-leak is due only at T+40:00"
    assert texts["scenarios"] == [
        "product-defect: missed",
        "positive-hype: rightly not opened",
        "offensive-post: opened, but not expected in this drill",
    ]
    assert texts["answer"] == [] and not result.parts[3].judged
    assert [f.text for f in next(p for p in result.parts if p.key == "steps").findings][:2] == [
        "product-defect/notify-pr: not done (never opened), was due at T+20:00",
        "product-defect/facts: not done (never opened), was due at T+30:00",
    ]
    # 0 of detect, open, steps; 1/3 of scenarios; answer and leave-alone have nothing to judge
    assert result.total == round(100 * (15 / 3) / (10 + 20 + 30 + 15))


def test_an_author_to_answer_is_judged_only_once_one_of_their_posts_was_played(runbooks: RunbookSet) -> None:
    """The bundled drill's YouTuber first posts at T+11:18, the trade press at T+13:33 and the
    consumer organisation at T+20:13."""
    ended, clock, session = start_drill(runbooks, find_drill(None))
    clock.advance(timedelta(minutes=9, seconds=23))
    session.pipeline.poll()
    end_drill(session, ended.script, ended.clock_start, ended.name)
    ended.journal.close()
    going, clock, session = start_drill(runbooks, find_drill(None), start=T0 + timedelta(hours=1))
    clock.advance(timedelta(minutes=12))
    session.pipeline.poll()
    going.journal.close()

    early = CliRunner().invoke(main, ["drill", "debrief", ended.name])
    assert early.exit_code == 0, early.output
    assert "| Must-answer authors answered | 15 | nothing to judge in this drill | — |" in early.output
    assert "not answered" not in early.output
    later = CliRunner().invoke(main, ["drill", "debrief", going.name])
    assert later.exit_code == 0, later.output
    assert "(not ended yet: scored as it stands)" in later.output
    assert "| Must-answer authors answered | 15 | 0 of 1 |" in later.output
    assert "- ✘ lenatechnik.bsky.social: not answered" in later.output
    assert "technikrundschau" not in later.output and "verbraucherzentrale" not in later.output


def test_who_only_ended_the_drill_is_the_one_operator_the_team_counts(runbooks: RunbookSet) -> None:
    run, clock, session = start_drill(runbooks, SCORED_DRILL)
    clock.advance(timedelta(minutes=1))
    session.pipeline.poll()
    end_drill(session, run.script, run.clock_start, run.name)
    run.journal.close()
    result = CliRunner().invoke(main, ["drill", "debrief", run.name])
    assert result.exit_code == 0, result.output
    assert "- Operators: tester\n" in result.output
    assert " · 1 operator · 0 replies " in result.output
    assert "| tester | — | 0 | — | 0 (0) | 0 | 0 | 0 | 0 |" in result.output


def test_a_run_keeps_its_script_so_editing_or_removing_the_file_does_not_change_its_debrief(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    script = tmp_path / "mine.toml"
    shutil.copy(SCORED_DRILL, script)
    run, clock, session = start_drill(runbooks, script)
    clock.advance(timedelta(minutes=2))
    session.pipeline.poll()
    before = end_drill(session, run.script, run.clock_start, run.name)
    run.journal.close()
    script.write_text(script.read_text().replace('open_by = "00:03:00"', 'open_by = "00:01:00"'))
    resumed, _clock, _session = start_drill(runbooks, script, fresh=False)
    assert resumed.script.expected.incident[0].open_by == timedelta(minutes=3), "a resumed run keeps its script"
    resumed.journal.close()
    script.unlink()
    after = read_run(run.journal.path, runbooks)
    assert after.score == before.score and after.title == "Scored leak drill"
