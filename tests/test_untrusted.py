"""Mention text and author names from strangers reach the screen only as plain, inert text."""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList

from smwar.clock import ManualClock
from smwar.engine.drill import drill_session, open_drill_run
from smwar.engine.pipeline import Idle
from smwar.engine.session import Session
from smwar.journal.store import Journal
from smwar.model import Mention
from smwar.paths import bundled_runbooks_dir
from smwar.plaintext import printable
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.loader import load_runbook_set
from smwar.tui.app import WarRoomApp
from smwar.tui.rooms.drill import DrillInfo
from smwar.tui.screens.incident import IncidentScreen
from smwar.tui.screens.queue import QueueScreen
from smwar.tui.screens.reply import ReplyScreen
from smwar.tui.widgets.feed import Feed

from .conftest import SHORT_DRILL, T0, in_feed, screen_text, shown_in, start_drill
from .test_app import answer

PAYLOADS = [
    "\x1b[2J\x1b[H AquaPro wipes your screen",
    "\x1b]8;;http://evil.example\x1b\\click me\x1b]8;;\x1b\\ AquaPro",
    "\x1b]52;c;ZXZpbA==\x07 AquaPro writes your clipboard",
    "ring\x07\x07 the AquaPro bell",
    "[bold red]BOYCOTT[/bold red] AquaPro",
    "[@click=app.quit]click here[/] AquaPro",
    "[link=http://evil.example]AquaPro[/link]",
    "right\u202eto-left AquaPro override\u202c",
    "isolate \u2066AquaPro\u2069 text",
    "C1 \x9b31m AquaPro CSI",
    "backspace\x08\x08\x08 AquaPro erase",
    "carriage\rreturn AquaPro",
]
UNSAFE_CATEGORIES = {"Cc", "Cf"}


def toml_string(text: str) -> str:
    body = "".join(f"\\u{ord(char):04x}" if not char.isprintable() or char in '"\\' else char for char in text)
    return f'"{body}"'


def payload_drill(folder: Path) -> Path:
    lines = ['[drill]\nid = "payloads"\ntitle = "Payloads"\ncompany = "X"\n']
    for index, text in enumerate(PAYLOADS):
        lines.append(
            f'[[inject]]\nat = "00:00:{index + 1:02d}"\nnetwork = "mastodon"\n'
            f"author = {toml_string('[b]@troll[/b]' + chr(0x1B) + '[5m')}\ntext = {toml_string(text)}\n"
        )
    path = folder / "payloads.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
async def shown(runbooks: RunbookSet, tmp_path: Path):  # type: ignore[no-untyped-def]
    run, clock, session = start_drill(runbooks, payload_drill(tmp_path))
    app = WarRoomApp(session, drill=DrillInfo.of(run), poll_seconds=3600)
    async with app.run_test(size=(160, 50)) as pilot:
        clock.advance(run.script.length)
        app.main.poll_now()
        await pilot.pause()
        yield app, pilot


async def test_feed_lines_carry_no_control_characters_links_or_actions(shown) -> None:  # type: ignore[no-untyped-def]
    app, _ = shown
    feed = app.query_one(Feed)
    assert len(in_feed(feed)) == len(PAYLOADS)
    for row, payload in enumerate(PAYLOADS):
        strip = feed.render_line(row)
        assert not [c for c in strip.text if unicodedata.category(c) in UNSAFE_CATEGORIES], repr(strip.text)
        assert printable(payload)[:20] in strip.text
        for segment in strip:
            assert segment.style is None or (not segment.style.meta and segment.style.link is None)
        assert " [b]@troll[…" in strip.text, "the handle's markup is shown as text (cut to the column)"


@pytest.mark.parametrize("row", range(len(PAYLOADS)))
async def test_detail_pane_shows_each_payload_literally(shown, row: int) -> None:  # type: ignore[no-untyped-def]
    app, pilot = shown
    feed = app.query_one(Feed)
    feed.cursor = row
    await pilot.pause()
    screen = screen_text(app)
    assert printable(PAYLOADS[row], keep_newlines=True) in screen
    assert not [c for c in screen if unicodedata.category(c) in UNSAFE_CATEGORIES and c != "\n"]
    assert app.is_running, "no payload may trigger an action"


def edited_runbooks(folder: Path, file: str, lines: dict[str, str]) -> RunbookSet:
    """A copy of the bundled runbooks whose `file` has each of `lines` (a line as it is there)
    replaced by `key = value`, the value written as a TOML string."""
    copy = folder / "runbooks"
    shutil.copytree(bundled_runbooks_dir(), copy, ignore=shutil.ignore_patterns("drills", "*.md"))
    path = copy / file
    text = path.read_text(encoding="utf-8")
    for line, value in lines.items():
        assert line in text, line
        text = text.replace(line, f"{line.split(' = ')[0]} = {toml_string(value)}", 1)
    path.write_text(text, encoding="utf-8")
    return load_runbook_set(copy)


@asynccontextmanager
async def thirty_seconds_in(
    runbooks: RunbookSet, size: tuple[int, int]
) -> AsyncIterator[tuple[WarRoomApp, Pilot[None]]]:
    """The war room of a drill on `runbooks`, its first thirty seconds played."""
    run, clock, session = start_drill(runbooks)
    app = WarRoomApp(session, drill=DrillInfo.of(run), poll_seconds=3600)
    async with app.run_test(size=size) as pilot:
        clock.advance(timedelta(seconds=30))
        app.main.poll_now()
        await pilot.pause()
        yield app, pilot


async def test_reply_template_titles_are_shown_literally_and_the_editor_keeps_working(tmp_path: Path) -> None:
    titles = {
        'title = "Leak: sorry, serial number by DM, we take care of it (du)"': "Leak [/] sorry (du)",
        'title = "Leak: sorry, serial number by message, we take care of it (Sie)"': (
            "[reverse]REV[/reverse] [@click=app.quit]quit[/] \x1b]0;X\x07"
        ),
    }
    runbooks = edited_runbooks(tmp_path, "replies.toml", titles)
    assert {template.title for template in runbooks.templates} >= set(titles.values())
    async with thirty_seconds_in(runbooks, (200, 50)) as (app, pilot):
        feed = app.query_one(Feed)
        feed.cursor = next(row for row, item in enumerate(in_feed(feed)) if "AquaPro" in item.mention.text)
        await pilot.press("r")
        assert isinstance(app.screen, ReplyScreen)
        shown = shown_in(app.screen.query_one("#reply-templates", OptionList))
        assert "Leak [/] sorry (du)" in shown
        assert "[reverse]REV[/reverse] [@click=app.quit]quit[/] ␛]0;X␇" in shown
        assert "\x1b" not in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, ReplyScreen), "the keys still work"
        assert app.is_running


async def test_the_answer_queue_shows_request_types_and_owners_inert(tmp_path: Path) -> None:
    plan = {'title = "Affected customer"': "\x1b]0;T\x07Kunde", 'owner = "customer-service"': "\x1b]2;O\x07cs"}
    runbooks = edited_runbooks(tmp_path, "plan.toml", plan)
    async with thirty_seconds_in(runbooks, (160, 40)) as (app, pilot):
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        shown = screen_text(app)
        assert "␛]0;T␇Kunde" in shown and "␛]2;O␇cs" in shown
        assert not [c for c in shown if unicodedata.category(c) in UNSAFE_CATEGORIES and c != "\n"]


async def test_a_steps_operator_and_reason_are_shown_inert(runbooks: RunbookSet) -> None:
    run = open_drill_run(SHORT_DRILL, fresh=True, now=T0)
    clock = ManualClock(run.position)
    session = drill_session(run, runbooks, clock, "\x1b]0;BY\x07anna")  # as `smwar --as NAME` names the operator
    app = WarRoomApp(session, drill=DrillInfo.of(run), poll_seconds=3600)
    async with app.run_test(size=(160, 50)) as pilot:
        clock.advance(timedelta(minutes=2))
        app.main.poll_now()
        await pilot.pause()
        await pilot.press("o")
        await answer(pilot, "answer every affected customer")
        assert isinstance(app.screen, IncidentScreen)
        await pilot.press("s")
        await answer(pilot, "\x1b]2;WHY\x07 done elsewhere")
        shown = screen_text(app)
        assert "by ␛]0;BY␇anna at" in shown and "reason: ␛]2;WHY␇ done elsewhere" in shown
        assert not [c for c in shown if unicodedata.category(c) in UNSAFE_CATEGORIES and c != "\n"]
    run.journal.close()


async def test_a_mentions_network_is_shown_inert_in_the_detail_and_the_reply_editor(
    runbooks: RunbookSet, tmp_path: Path
) -> None:
    """Sources say which network a mention comes from by name; one that said it with an
    escape sequence (a journal written before JSONL lines were held to the known networks)
    is shown as text."""
    journal = Journal.open(tmp_path / "live.sqlite")
    session = Session(journal, runbooks, ManualClock(T0), Idle(), "anna")
    hostile = Mention("\x1b]0;NET\x07[reverse]x[/]", "1", "@kai@x.social", "Meine AquaPro ist ausgelaufen!", T0)
    journal.add_mentions([(hostile, T0, (), (), None)])
    app = WarRoomApp(session, poll_seconds=3600)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        for screen in ("war room", "reply editor"):
            shown = screen_text(app)
            assert "␛]0;NET␇[reverse]x[/]" in shown, screen
            assert not [c for c in shown if unicodedata.category(c) in UNSAFE_CATEGORIES and c != "\n"], screen
            await pilot.press("r")
            await pilot.pause()
        assert isinstance(app.screen, ReplyScreen)
    journal.close()
