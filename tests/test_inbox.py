"""Notices have one home: an inbox in the journal, grouped by kind and scenario, marked read as
the operator looks; at most one toast is on screen, for what needs the operator now, and the
same one again counts up instead of stacking."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets._toast import Toast

from smwar.clock import ManualClock
from smwar.engine.ingest import Handover
from smwar.engine.session import Session
from smwar.journal.store import Journal
from smwar.plaintext import excerpt
from smwar.runbooks.definitions import RunbookSet
from smwar.sources.base import Batch
from smwar.tui.app import WarRoomApp
from smwar.tui.messages import Arrived
from smwar.tui.screens.inbox import InboxScreen

from .conftest import T0, screen_text
from .test_triage import JOURNALIST, LEAK_REPORT, post

LEAKS = [post(n, f"@kunde{n}@x.social", f"{LEAK_REPORT} ({n})") for n in range(10, 20)]
PRESS = post(1, JOURNALIST, "Presseanfrage zu auslaufenden AquaPro: was sagt Müller dazu?")
HASHTAG = post(2, "@wut@x.social", "Schon wieder! #ElektroMuellerFail")


def war_room(path: Path, runbooks: RunbookSet) -> tuple[Handover, ManualClock, WarRoomApp]:
    handover, clock = Handover(), ManualClock(T0)
    session = Session(Journal.open(path), runbooks, clock, handover, "anna")
    return handover, clock, WarRoomApp(session, poll_seconds=3600)


async def test_notices_go_to_the_inbox_and_one_toast_shows_what_needs_the_operator(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    handover, clock, app = war_room(tmp_path / "live.sqlite", runbooks)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        handover.give(Batch(mentions=[PRESS, HASHTAG]))
        app.main.poll_now()
        await pilot.pause()
        assert not app._notifications, "early warnings wait in the inbox, they do not cover the feed"
        assert "✉ 2 unread (m)" in screen_text(app)
        clock.advance(timedelta(minutes=1))
        handover.give(Batch(mentions=LEAKS))
        [proposal] = app.main.poll_now().proposals
        await pilot.pause()
        [toast] = app._notifications
        assert toast.title == f"Incident #{proposal.id} proposed", "the new incident is the one toast"
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, InboxScreen)
        text = screen_text(app)
        assert "Early warning" in text and "Incident proposed" in text
        assert "Product defect: leaking washing machines" in text
        groups = {group.kind: group for group in app.main.desk.journal.notice_groups()}
        assert (groups["incident"].unread, groups["warning"].unread) == (0, 2), "the newest group is read first"
        assert groups["warning"].count == 2 and groups["warning"].scenario_id == "product-defect"
        assert groups["campaign"].count == 1, "the ten leak reports read alike: a campaign"
        await pilot.press("down", "down")
        assert app.main.desk.unread == 0 == app.main.desk.journal.unread_notices()
        await pilot.press("a")
        assert "0 unread" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert "unread (m)" not in screen_text(app)
    app.session.journal.close()
    _handover, _clock, again = war_room(tmp_path / "live.sqlite", runbooks)
    async with again.run_test(size=(140, 40)) as pilot:
        await pilot.press("m")
        kinds = [group.kind for group in again.main.desk.journal.notice_groups()]
        assert sorted(kinds) == ["campaign", "incident", "warning"], "the inbox is kept in the journal"
    again.session.journal.close()


async def test_a_teams_war_rooms_file_a_notice_once_and_read_it_for_everyone(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    """Each war room of a team learns of a proposal and an alert and files them: the inbox they
    share keeps each once, and what one operator reads is read in every room."""
    path = tmp_path / "live.sqlite"
    handover, _clock, app = war_room(path, runbooks)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        handover.give(Batch(mentions=[PRESS, *LEAKS]))
        update = app.main.poll_now()
        await pilot.pause()
        filed = app.main.desk.journal.unread_notices()
        assert update.proposals and update.alerts and filed >= 2
        for _room in ("ben", "carla"):  # what the teammates' war rooms file of the same poll
            app.main.post_message(Arrived(update))
        await pilot.pause()
        assert app.main.desk.journal.unread_notices() == filed, "kept once"
        assert f"✉ {filed} unread (m)" in screen_text(app)
        with Journal.open(path) as teammate:
            teammate.mark_read()  # ben reads them all in his war room
        app.main.refresh_views()
        await pilot.pause()
        assert "unread (m)" not in screen_text(app), "read for everyone"
    app.session.journal.close()


async def test_a_quote_cut_short_in_the_inbox_says_so(tmp_path: Path, runbooks: RunbookSet) -> None:
    text = "Dritte AquaPro in einem Jahr, keiner ruft zurück. Danke auch #ElektroMuellerFail, ihr Helden"
    handover, _clock, app = war_room(tmp_path / "live.sqlite", runbooks)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        handover.give(Batch(mentions=[post(3, "@wut@x.social", text)]))
        app.main.poll_now()
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        shown = screen_text(app)
        assert "“Dritte AquaPro in einem Jahr" in shown
        # before, the quote ended at its 80th character as if the post did: "#ElektroMuellerFail”"
        assert "#ElektroMuellerFai…”" in shown and "#ElektroMuellerFail”" not in shown
    app.session.journal.close()


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("kurz  \n gut", "kurz gut"),
        ("x" * 10, "x" * 10),
        ("x" * 11, "x" * 9 + "…"),
        ("Danke auch #ElektroMuellerFail", "Danke auc…"),
        ("Ach nein aber", "Ach nein…"),
        ("Danke" + " " * 100 + "!", "Danke…"),  # the rest is past the part read at first
        ("Danke" + " " * 100, "Danke"),
    ],
)
def test_a_quote_keeps_its_cap_and_ends_in_an_ellipsis_where_it_is_cut(text: str, quoted: str) -> None:
    assert excerpt(text, 10) == quoted


async def test_one_toast_at_a_time_and_a_repeat_counts_up(tmp_path: Path, runbooks: RunbookSet) -> None:
    _handover, _clock, app = war_room(tmp_path / "live.sqlite", runbooks)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        for _ in range(3):
            app.notify("Mastodon is down", title="Source")
        await pilot.pause()
        [toast] = app._notifications
        assert toast.title == "Source (×3)"
        app.notify("Incident #1: “Notify the PR advisor” is overdue.", title="Deadline")
        await pilot.pause()
        [toast] = app._notifications
        assert toast.title == "Deadline"
        await pilot.pause(0.3)  # the toast is mounted after the notice, and slides in
        [shown] = app.screen.query(Toast)
        status = app.screen.query_one("#status")
        assert shown.region.bottom <= status.region.y, "the toast leaves the status and keys lines be"
    app.session.journal.close()
