"""The keys line at the foot of the screen: the keys that work where the focus is, at once."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from smwar.runbooks.definitions import RunbookSet
from smwar.tui.app import WarRoomApp
from smwar.tui.screens.inbox import InboxScreen
from smwar.tui.widgets.keys import KeysLine

from .conftest import screen_text
from .test_feed_paging import war_room_on
from .tools.journals import fill


def foot(app: WarRoomApp) -> str:
    return screen_text(app).splitlines()[-1]


def column_of(app: WarRoomApp, shown: str) -> int:
    """Where `shown` (a key and what it does) starts on the keys line."""
    line = foot(app)
    assert shown in line, line
    return line.index(shown)


async def settled(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.pause()


async def test_the_keys_line_shows_the_keys_where_the_focus_is(tmp_path: Path, runbooks: RunbookSet) -> None:
    journal, app = war_room_on(fill(tmp_path / "live.sqlite", 50), runbooks)
    with journal:
        async with app.run_test(size=(120, 40)) as pilot:
            await settled(pilot)
            line = foot(app)
            assert " end Follow " in line and " m Inbox " in line and " r Reply " in line
            assert line.rstrip().endswith("▏ ? Keys  ^p palette"), "the palette's key and the one that shows every key"
            # more keys than the line holds: the last that fit are whole, and "…" says there are more
            assert "…" in line and line.count(" ? Keys ") == 1
            await pilot.press("slash")
            await settled(pilot)
            assert " esc Close " in foot(app) and " r Reply " not in foot(app), "the search line's keys"
            await pilot.press("escape")
            await settled(pilot)
            assert " r Reply " in foot(app)
            await pilot.resize_terminal(200, 40)
            await settled(pilot)
            assert " ? Keys " in foot(app) and "…" not in foot(app), "a wider screen shows them all"


async def test_a_click_on_a_key_presses_it_and_the_pointer_says_what_it_does(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    journal, app = war_room_on(fill(tmp_path / "live.sqlite", 50), runbooks)
    with journal:
        async with app.run_test(size=(120, 40)) as pilot:
            await settled(pilot)
            inbox = column_of(app, " m Inbox ") + 2
            await pilot.hover(KeysLine, offset=(inbox, 0))
            assert app.query_one(KeysLine).tooltip == "Every notice, grouped by kind and scenario"
            await pilot.click(KeysLine, offset=(inbox, 0))
            await settled(pilot)
            assert isinstance(app.screen, InboxScreen), "the click pressed m"
            await pilot.click(KeysLine, offset=(column_of(app, " esc Back ") + 2, 0))
            await settled(pilot)
            assert not isinstance(app.screen, InboxScreen), "and esc, on the inbox's own keys line"
            await pilot.click(KeysLine, offset=(column_of(app, " ? Keys ") + 2, 0))
            await settled(pilot)
            assert app.screen.query("KeyPanel"), "the key kept at the right, which shows every key"
