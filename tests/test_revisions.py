"""Edits and deletions are facts: a network's word that a post was edited or deleted is
journaled on the mention (its first text kept as evidence), the feed marks it, the detail pane
shows what became of it, and a reply to a deleted post is warned about and not sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.widgets import TextArea

from smwar.clock import ManualClock
from smwar.engine.ingest import Handover
from smwar.engine.session import Session
from smwar.journal.store import Journal
from smwar.model import DELETED, EDITED, REPLIED, Mention, Revision
from smwar.runbooks.definitions import RunbookSet
from smwar.sources.base import Batch
from smwar.tui.app import WarRoomApp
from smwar.tui.screens.reply import ReplyScreen

from .conftest import notices, screen_text

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LEAK = "Meine AquaPro ist ausgelaufen, das Bad steht unter Wasser"


def post(number: int, text: str) -> Mention:
    return Mention("mastodon", f"m{number}", f"@kunde{number}@x.social", text, T0, "de")


def test_a_revision_is_kept_on_its_mention_and_one_of_an_unknown_post_is_dropped(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    with Journal.open(tmp_path / "live.sqlite") as journal:
        handover = Handover()
        session = Session(journal, runbooks, ManualClock(T0), handover, "anna")
        handover.give(
            Batch(
                mentions=[post(1, LEAK)],
                revisions=[Revision("mastodon", "m1", EDITED, T0 + timedelta(minutes=1), "Hat sich erledigt")],
            )
        )
        [item] = session.pipeline.poll().mentions
        handover.give(Batch(revisions=[Revision("mastodon", "m1", DELETED, T0 + timedelta(minutes=2))]))
        session.pipeline.poll()
        assert journal.revise([Revision("mastodon", "never-seen", DELETED, T0)]) == 0
        [again] = journal.mentions()
        assert again.mention.text == LEAK, "the first text stays, as evidence"
        assert again.revised == DELETED
        assert [(r.kind, r.text) for r in journal.revisions_of(item.id)] == [
            (EDITED, "Hat sich erledigt"),
            (DELETED, None),
        ]


async def test_the_feed_marks_a_deleted_post_the_detail_says_so_and_a_reply_is_not_sent(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    journal = Journal.open(tmp_path / "live.sqlite")
    handover = Handover()
    session = Session(journal, runbooks, ManualClock(T0), handover, "anna")
    handover.give(Batch(mentions=[post(1, LEAK)]))
    session.pipeline.poll()
    journal.revise([Revision("mastodon", "m1", DELETED, T0 + timedelta(minutes=3))])
    app = WarRoomApp(session, poll_seconds=3600)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        assert "✗deleted Meine AquaPro ist ausgelaufen" in shown
        assert "✗ deleted by its author at" in shown and "kept as evidence" in shown
        await pilot.press("r")
        assert isinstance(app.screen, ReplyScreen)
        app.screen.query_one(TextArea).text = "Das tut uns leid, bitte schreib uns eine DM."
        await pilot.pause()
        assert "its author deleted the post" in screen_text(app)
        await pilot.press("ctrl+o")  # copy out: refused, nothing goes to the clipboard or the journal
        await pilot.pause()
        assert notices(app) == ["Not sent: its author deleted the post."]
        assert isinstance(app.screen, ReplyScreen)  # the draft stays open
    assert list(journal.events(kind=REPLIED)) == []
    journal.close()
