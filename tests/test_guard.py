"""Nothing ends the war room but the operator: a failing handler is logged, shown as a
notice, and the app, the draft and the chain stay as they were."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from textual import events
from textual.widgets import Input

from smwar.logfile import log_to_file
from smwar.model import IncidentStatus
from smwar.replies.check import check
from smwar.runbooks.definitions import RunbookSet
from smwar.tui.app import WarRoomApp
from smwar.tui.screens.incident import IncidentScreen
from smwar.tui.screens.main import MainScreen
from smwar.tui.screens.queue import QueueScreen

from .conftest import notices
from .test_app import SIZE, two_minutes_in, war_room


async def test_enter_twice_in_a_prompt_answers_it_once(runbooks: RunbookSet) -> None:
    _run, clock, session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        proposal = await two_minutes_in(app, clock, pilot)
        await pilot.press("o")
        app.screen.query_one(Input).value = "answer every customer"
        await pilot.press("enter", "enter")  # the second arrives while the prompt is on its way out
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, IncidentScreen)
        incident = session.desk.incident(proposal.id)
        assert incident.status is IncidentStatus.OPEN and incident.goal == "answer every customer"


async def test_a_failing_key_handler_is_logged_shown_once_and_survived(
    runbooks: RunbookSet, home: Path, guard_reports: list[logging.LogRecord]
) -> None:
    log = log_to_file()
    _run, clock, session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        proposal = await two_minutes_in(app, clock, pilot)
        session.journal.close()  # the disk is gone: every journal read and write now raises
        await pilot.press("o")
        app.screen.query_one(Input).value = "answer every customer"
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running, "a failure is no reason to leave the war room"
        assert any("nothing you entered is lost" in text for text in notices(app))
        assert guard_reports and app.failures.count == len(guard_reports)
        await pilot.press("o")  # the same failure again: logged, not shown twice
        app.screen.query_one(Input).value = "answer every customer"
        await pilot.press("enter")
        await pilot.pause()
        shown = [text for text in notices(app) if "nothing you entered is lost" in text]
        assert app.failures.count == len(guard_reports) >= 2 and len(shown) == 1
        await pilot.press("question_mark")  # keys still work
        assert app.is_running
    assert log is not None
    written = log.read_text(encoding="utf-8")
    assert "Traceback" in written and "failed" in written and proposal.id


async def test_a_screen_that_cannot_be_set_up_closes_again_and_says_why(
    runbooks: RunbookSet, guard_reports: list[logging.LogRecord]
) -> None:
    """The journal unreachable (its server down) as the answer queue or the inbox opens: back on
    the war room's screen with a notice, not on a screen that never updates."""
    _run, clock, session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(timedelta(minutes=2))
        app.main.poll_now()
        await pilot.pause()
        session.journal.close()
        for key, screen in [("n", "Queue screen"), ("m", "Inbox screen")]:
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is app.main, f"{screen} closed again"
            assert any(record.getMessage() == f"{screen}: mount failed" for record in guard_reports)
        assert app.is_running


def test_a_link_that_cannot_be_parsed_is_a_broken_link_not_a_crash(runbooks: RunbookSet) -> None:
    draft = "Hallo @troll[x]@evil.example, siehe https://[evil.example/x und http://h:99999/"
    links = [f.message for f in check(draft, "mastodon", runbooks, lang="de") if f.code == "link"]
    assert links[0] == "broken link: https://[evil.example/x"


def burst(app: WarRoomApp, *keys: str) -> None:
    """Keys as a fast typist's terminal delivers them: all queued before the first is handled."""
    for key in keys:
        app.post_message(events.Key(key, {"enter": "\r", "escape": "\x1b"}.get(key, key if len(key) == 1 else None)))


async def test_the_command_palette_runs_a_command_once_however_fast_enter_comes(runbooks: RunbookSet) -> None:
    _run, _clock, _session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"Answer next")
        await pilot.pause()
        burst(app, "enter", "enter", "enter")
        await pilot.pause(0.3)
        assert app.failures.count == 0
        assert [type(screen) for screen in app.screen_stack] == [MainScreen, QueueScreen], "opened once, nothing popped"


async def test_the_command_palette_survives_keys_faster_than_it_draws(runbooks: RunbookSet) -> None:
    _run, _clock, _session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        for keys in (["pagedown"], ["pagedown", "pageup"], ["d", "escape"], ["f", "o", "escape", "escape"]):
            burst(app, "ctrl+p", *keys)
            await pilot.pause(0.3)
            assert app.failures.count == 0, keys
            while len(app.screen_stack) > 1:
                await pilot.press("escape")
        assert app.is_running
