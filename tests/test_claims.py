"""Two people must not answer one customer twice: a reply someone else has open shows as
theirs in the feed, opening it asks before taking it over, and sending after it was taken
over (or answered) is refused. On both backends (the `address` fixture)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from textual.widgets import TextArea

from smwar.clock import ManualClock
from smwar.config import Config
from smwar.engine.ingest import Handover
from smwar.engine.session import Session
from smwar.journal.address import open_journal
from smwar.journal.interface import JournalStore
from smwar.model import GUARDED, REPLIED, Event, JournaledMention, Mention
from smwar.runbooks.definitions import RunbookSet
from smwar.sources.base import Batch
from smwar.tui.app import WarRoomApp
from smwar.tui.screens.prompt import ChoicePrompt
from smwar.tui.screens.queue import QueueScreen
from smwar.tui.screens.reply import ReplyScreen

from .conftest import notices, screen_text

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def annas_war_room(
    address: str, runbooks: RunbookSet, ben_seen: float | None = None
) -> tuple[JournalStore, JournalStore, JournaledMention, WarRoomApp]:
    """Anna's war room on a journal that holds one mention to answer, and another connection
    to the journal: ben's war room, last there at `ben_seen`, or (None) a war room of anna's
    own."""
    journal, other = open_journal(address), open_journal(address)
    if ben_seen is not None:
        other.beat("ben", "responder", "reply", ben_seen)
    handover = Handover()
    session = Session(journal, runbooks, ManualClock(T0), handover, "anna")
    handover.give(Batch(mentions=[Mention("mastodon", "m1", "@kunde@x.social", "Meine AquaPro leckt", T0, "de")]))
    [item] = session.pipeline.poll().mentions
    return journal, other, item, WarRoomApp(session, poll_seconds=3600)


def doing(journal: JournalStore) -> dict[str, str]:
    """Where each operator present says they are."""
    return {person.operator: person.doing for person in journal.present(time.time())}


async def test_a_reply_someone_else_has_open_is_marked_asked_about_and_guarded(
    address: str, runbooks: RunbookSet
) -> None:
    journal, ben, item, app = annas_war_room(address, runbooks, time.time())  # ben's war room is open
    assert ben.claim(item.id, "ben", T0) is None  # ben opened the reply in his war room
    async with app.run_test(size=(140, 40)) as pilot:
        app.main.refresh_views()
        await pilot.pause()
        assert "✍ben Meine AquaPro leckt" in screen_text(app)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ChoicePrompt) and "ben is replying to this" in screen_text(app)
        assert doing(ben)["anna"] == "reply", "at once, and the question asked over it is not where she is"
        await pilot.press("down", "enter")  # take it over
        await pilot.pause()
        assert isinstance(app.screen, ReplyScreen)
        assert journal.claims()[item.id].operator == "anna"
        assert "You took the reply over from ben." in notices(app)
        assert (ben.stale_send(item.id, "ben", 0) or "").startswith("anna took the reply over at"), "ben learns it"
        assert ben.claim(item.id, "ben", T0, steal=True) is None  # and takes it back
        app.screen.query_one(TextArea).text = "Das tut uns leid, bitte schreib uns eine DM."
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert any(notice.startswith("Not sent: ben took the reply over at") for notice in notices(app))
        assert isinstance(app.screen, ReplyScreen), "the draft stays on screen"
    assert [event for event in journal.events() if event.kind == "reply.recorded"] == []
    [guarded] = [event for event in journal.events() if event.kind == GUARDED]
    assert (guarded.actor, guarded.payload["mention_id"]) == ("anna", item.id), "a double answer the guard stopped"
    journal.close()
    ben.close()


async def test_my_queue_keeps_what_i_own_and_says_who_else_is_replying(address: str, runbooks: RunbookSet) -> None:
    journal, ben = open_journal(address), open_journal(address)
    ben.beat("ben", "responder", "reply", time.time())  # ben's war room is open
    handover = Handover()
    session = Session(journal, runbooks, ManualClock(T0), handover, "anna")
    press = Mention("mastodon", "p1", "@redaktion@social.heise.de", "Presseanfrage zur AquaPro: Stellungnahme?", T0)
    leak = Mention("mastodon", "m1", "@kunde@x.social", "Meine AquaPro ist ausgelaufen, bitte meldet euch", T0)
    handover.give(Batch(mentions=[press, leak]))
    items = session.pipeline.poll().mentions
    ben.claim(items[1].id, "ben", T0)
    config = Config(operator="anna", owns=["customer-service"])
    app = WarRoomApp(session, poll_seconds=3600, config=config)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        everyone = screen_text(app)
        assert "Presseanfrage" in everyone and "ben is replying" in everyone and "everyone's (M)" in everyone
        await pilot.press("M")
        await pilot.pause()
        mine = screen_text(app)
        assert "yours: customer-service (M)" in mine
        assert "Presseanfrage" not in mine, "the press enquiry is the PR advisor's"
        assert "ben is replying" in mine and "Meine AquaPro ist ausgelaufen" in mine
    journal.close()
    ben.close()


async def test_a_save_after_the_reply_was_taken_over_keeps_both_texts(address: str, runbooks: RunbookSet) -> None:
    """Ben takes anna's reply over and saves his draft; anna, not yet told, writes on and
    leaves: his draft stays his, and hers stays on her screen (and on the clipboard) until a
    second escape."""
    journal, ben, item, app = annas_war_room(address, runbooks, time.time())  # ben's war room is open
    async with app.run_test(size=(140, 40)) as pilot:
        app.main.refresh_views()
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReplyScreen) and journal.claims()[item.id].operator == "anna"
        assert ben.claim(item.id, "ben", T0, steal=True) is None  # ben takes it over in his war room
        ben.save_draft(item.id, "ben", "BENTEXT", None)
        app.screen.query_one(TextArea).text = "ANNATEXT"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReplyScreen), "her text stays on screen"
        assert any(notice.startswith("Not saved: ben took the reply over at") for notice in notices(app))
        assert app.clipboard == "ANNATEXT"
        assert ben.draft(item.id).text == "BENTEXT"  # type: ignore[union-attr]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ReplyScreen), "a second escape leaves"
    assert ben.draft(item.id).text == "BENTEXT", "ben's draft is his"  # type: ignore[union-attr]
    assert ben.claims()[item.id].operator == "ben", "and so is the reply"
    journal.close()
    ben.close()


async def test_a_reply_sent_from_my_other_war_room_meanwhile_stops_this_one(address: str, runbooks: RunbookSet) -> None:
    """Anna has the reply open in her terminal and in a browser tab too: once one of them sent
    it, the other refuses to answer the same person a second time."""
    journal, tab, item, app = annas_war_room(address, runbooks)
    async with app.run_test(size=(140, 40)) as pilot:
        app.main.refresh_views()
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReplyScreen)
        tab.append(Event(REPLIED, T0, "anna", payload={"mention_id": item.id, "how": "by hand"}))  # from the tab
        app.screen.query_one(TextArea).text = "Das tut uns leid, bitte schreib uns eine DM."
        await pilot.press("ctrl+o")
        await pilot.pause()
        expected = f"Not sent: you already replied at {T0.astimezone():%H:%M} from another war room."
        assert expected in notices(app)
        assert isinstance(app.screen, ReplyScreen), "the draft stays on screen"
    assert len([event for event in journal.events() if event.kind == REPLIED]) == 1, "one answer"
    journal.close()
    tab.close()


async def test_whoever_had_the_reply_open_sees_at_once_that_it_was_taken_over(
    address: str, runbooks: RunbookSet
) -> None:
    journal, ben, item, app = annas_war_room(address, runbooks, time.time())  # ben's war room is open
    async with app.run_test(size=(140, 40)) as pilot:
        app.main.refresh_views()
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one(TextArea).text = "ANNATEXT"
        await pilot.pause(1.2)
        assert "took the reply over" not in screen_text(app), "nobody took it yet"
        assert ben.claim(item.id, "ben", T0, steal=True) is None  # in ben's war room
        taken = f"ben took the reply over at {T0.astimezone():%H:%M}"
        await pilot.pause(1.2)
        assert f"{taken}. Your text stays here for you to copy." in notices(app)
        assert f"✍ {taken}: the draft is theirs" in screen_text(app), "a line in the editor says so"
        assert isinstance(app.screen, ReplyScreen) and app.screen.query_one(TextArea).text == "ANNATEXT"
        ben.save_draft(item.id, "ben", "BENTEXT", None)
        ben.release(item.id, "ben")  # ben left it
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert ben.draft(item.id).text == "BENTEXT", "ben's draft stays his after he left"  # type: ignore[union-attr]
    journal.close()
    ben.close()


async def test_a_claim_left_by_someone_no_longer_here_neither_shows_nor_asks(
    address: str, runbooks: RunbookSet
) -> None:
    """Ben's war room died with his reply open a minute ago: nothing says he is replying, and
    anna's `r` opens the reply at once."""
    journal, ben, item, app = annas_war_room(address, runbooks, time.time() - 60)  # his war room's last word
    assert ben.claim(item.id, "ben", T0) is None
    async with app.run_test(size=(140, 40)) as pilot:
        app.main.refresh_views()
        await pilot.pause()
        assert "Meine AquaPro leckt" in screen_text(app) and "✍ben" not in screen_text(app)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReplyScreen), "no take-over prompt"
        assert journal.claims()[item.id].operator == "anna"
    journal.close()
    ben.close()


async def test_a_war_room_closed_with_a_reply_open_keeps_the_text_and_gives_the_reply_up(
    address: str, runbooks: RunbookSet
) -> None:
    """Anna's war room ends with her reply open — she quit, or her terminal or browser tab was
    closed: what she typed is her draft, and nobody sees her replying any more."""
    journal, other, item, app = annas_war_room(address, runbooks)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReplyScreen) and item.id in journal.claims()
        app.screen.query_one(TextArea).text = "Das tut uns leid, wir melden uns gleich."
        await pilot.pause()
        app.exit()
    draft = other.draft(item.id)
    assert draft is not None and draft.text == "Das tut uns leid, wir melden uns gleich."
    assert item.id not in other.claims()
    journal.close()
    other.close()


def test_a_claim_of_a_war_room_that_ended_unheard_does_not_come_back_with_its_operator(
    address: str, runbooks: RunbookSet
) -> None:
    """Ben's war room was killed with a reply open; once his presence lapsed, the claim is no
    one's, and it stays so when ben opens a war room again. With a war room of his still open,
    a second one keeps his claim."""
    journal, ben, item, _app = annas_war_room(address, runbooks, time.time() - 60)  # his killed war room's last word
    assert ben.claim(item.id, "ben", T0) is None
    ben.beat("ben", "responder", "feed", time.time())  # ben is back
    assert item.id not in journal.claims(), "the old claim stays given up"
    assert ben.claim(item.id, "ben", T0) is None
    ben.beat("ben", "responder", "feed", time.time())  # his second war room
    assert journal.claims()[item.id].operator == "ben"
    journal.close()
    ben.close()
