"""Posting a reply for real: to `mastodon-mock` on 127.0.0.1 with the operator's token from
the keyring, read back from the server; a failed post is recorded and a retry never posts
twice; in a drill nothing is sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import keyring
import pytest
from mastodon_mock.testing import MockServer
from textual.widgets import OptionList, TextArea

from smwar.clock import ManualClock
from smwar.config import Config, ReplyAccounts
from smwar.engine.pipeline import Idle
from smwar.engine.replies import POSTED, send_reply
from smwar.engine.session import Session
from smwar.errors import SmwarError
from smwar.journal.store import Journal
from smwar.model import Mention
from smwar.publish import Account, post_reply
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.matcher import RuleMatcher
from smwar.secrets import set_secret
from smwar.tui.app import WarRoomApp
from smwar.tui.screens.reply import ReplyScreen

from .conftest import notices, screen_text
from .local_http import serving
from .memory_keyring import FileKeyring

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer(shutdown_timeout=0.5) as server:
        yield server


def customer_post(mock: MockServer, text: str) -> dict[str, object]:
    """Bob, a customer, complains on the instance."""
    answer = httpx.post(
        f"{mock.base_url}/api/v1/statuses", json={"status": text}, headers={"Authorization": "Bearer bob_token"}
    )
    answer.raise_for_status()
    status: dict[str, object] = answer.json()
    return status


def replies_to(mock: MockServer, status_id: object) -> list[dict[str, object]]:
    context = httpx.get(f"{mock.base_url}/api/v1/statuses/{status_id}/context").json()
    return list(context["descendants"])


@pytest.fixture
def setup(tmp_path, mock: MockServer, runbooks: RunbookSet):  # type: ignore[no-untyped-def]
    keyring.set_keyring(FileKeyring())
    set_secret("auth:mastodon:127.0.0.1", "alice_token")
    status = customer_post(mock, "Meine AquaPro ist ausgelaufen, @alice!")
    journal = Journal.open(tmp_path / "live.sqlite")
    mention = Mention(
        "mastodon", str(status["id"]), "bob@127.0.0.1", str(status["content"]), T0, url=str(status["url"])
    )
    [item] = journal.add_mentions([(mention, T0, (), (), None)])
    session = Session(journal, runbooks, ManualClock(T0), Idle(), "anna")
    yield session, item, Config(reply_as=ReplyAccounts(mastodon=mock.base_url)), status
    journal.close()
    httpx.delete(f"{mock.base_url}/api/v1/_mock/faults")


def test_a_reply_is_posted_and_can_be_read_back(mock: MockServer, setup) -> None:  # type: ignore[no-untyped-def]
    session, item, config, status = setup
    session.journal.save_draft(item.id, "anna", "draft", None)
    event = send_reply(
        session, item, "Das tut uns leid! Hotline: 0800 123 456", how=POSTED, template="x", config=config
    )
    assert event.payload["how"] == "posted" and str(event.payload["url"]).startswith("http")
    [reply] = replies_to(mock, status["id"])
    assert "Das tut uns leid!" in str(reply["content"]) and reply["in_reply_to_id"] == status["id"]
    assert session.journal.draft(item.id) is None, "sent: the draft is done with"


def test_a_failed_post_is_recorded_and_the_retry_posts_once(mock: MockServer, setup) -> None:  # type: ignore[no-untyped-def]
    session, item, config, status = setup
    rule = {"match": {"path": "/api/v1/statuses"}, "effect": {"type": "status", "status": 503}, "count": 1}
    httpx.post(f"{mock.base_url}/api/v1/_mock/faults", json=rule).raise_for_status()
    failed = send_reply(session, item, "Wir kümmern uns.", how=POSTED, template=None, config=config)
    assert failed.payload["how"] == "failed" and str(failed.payload["detail"]).startswith("503")
    assert replies_to(mock, status["id"]) == []
    kept = session.journal.draft(item.id)
    assert kept is not None and kept.text == "Wir kümmern uns."
    assert session.desk.replies() == [], "a failed post is on record, but it is no reply"

    retried = send_reply(session, item, "Wir kümmern uns.", how=POSTED, template=None, config=config)
    assert retried.payload["how"] == "posted" and retried.payload["key"] == failed.payload["key"]
    # the answer to a post can be lost after the server kept it: posting with the key again
    account = Account("mastodon", mock.base_url, "", "alice_token")
    again = post_reply(account, "Wir kümmern uns.", item.mention, kept.post_key)
    assert again.ok and again.url == retried.payload["url"]
    assert len(replies_to(mock, status["id"])) == 1, "never twice"


def test_in_a_drill_nothing_is_sent_and_missing_setup_is_explained(mock: MockServer, setup) -> None:  # type: ignore[no-untyped-def]
    session, item, config, status = setup
    event = send_reply(session, item, "Probe", how=POSTED, template=None, config=config, drill=True)
    assert event.payload["how"] == "simulated" and event.payload["simulated"] is True
    assert replies_to(mock, status["id"]) == []
    opened = session.journal.last_event_id()  # the reply opened again, for a follow-up
    with pytest.raises(SmwarError, match=r"set reply_as.mastodon"):
        send_reply(session, item, "x", how=POSTED, template=None, config=Config(), opened=opened)
    keyring.get_keyring().delete_password("smwar", "auth:mastodon:127.0.0.1")
    with pytest.raises(SmwarError, match=r"smwar auth set mastodon:127.0.0.1"):
        send_reply(session, item, "x", how=POSTED, template=None, config=config, opened=opened)


def test_a_status_id_from_another_instance_never_gets_the_reply(mock: MockServer, setup) -> None:  # type: ignore[no-untyped-def]
    """Ids are per instance: a mention read elsewhere whose id here is some other post."""
    session, _, config, _ = setup
    unrelated = customer_post(mock, "Schönes Wetter heute.")
    mention = Mention(
        "mastodon",
        str(unrelated["id"]),
        "carl@elsewhere.example",
        "Kaputt!",
        T0,
        url="https://elsewhere.example/@carl/1",
    )
    [item] = session.journal.add_mentions([(mention, T0, (), (), None)])
    event = send_reply(session, item, "Das tut uns leid.", how=POSTED, template=None, config=config)
    assert event.payload["how"] == "failed"
    assert event.payload["detail"] == f"the post replied to cannot be found from {mock.base_url}"
    assert replies_to(mock, unrelated["id"]) == []


async def test_the_editor_goes_from_a_mention_to_a_posted_reply(
    mock: MockServer, tmp_path, runbooks: RunbookSet
) -> None:  # type: ignore[no-untyped-def]
    keyring.set_keyring(FileKeyring())
    set_secret("auth:mastodon:127.0.0.1", "alice_token")
    status = customer_post(mock, "Meine AquaPro ist ausgelaufen, das Bad steht unter Wasser!")
    journal = Journal.open(tmp_path / "live.sqlite")
    session = Session(journal, runbooks, ManualClock(T0), Idle(), "anna")
    mention = Mention(
        "mastodon",
        str(status["id"]),
        "bob@127.0.0.1",
        "Meine AquaPro ist ausgelaufen!",
        T0,
        "de",
        url=str(status["url"]),
    )
    matches = RuleMatcher(runbooks.scenarios, runbooks.deescalation).match(mention)
    journal.add_mentions([(mention, T0, matches, (), session.pipeline.triager.triage(mention, (), ["product-defect"]))])
    app = WarRoomApp(session, poll_seconds=3600, config=Config(reply_as=ReplyAccounts(mastodon=mock.base_url)))
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("r")
        assert isinstance(app.screen, ReplyScreen)
        templates = app.screen.query_one(OptionList)
        assert templates.get_option_at_index(0).id == "leak-sorry-du"
        editor = app.screen.query_one(TextArea)
        assert editor.text.startswith("Hallo @bob@127.0.0.1, das tut uns sehr leid!")
        assert "The check finds nothing to fix." in screen_text(app)
        await pilot.press("space", "o", "k")
        assert editor.text.endswith("0800 123 456 ok"), "the keys go on after the template's text"
        editor.text = editor.text.removesuffix(" ok") + " Ruf an: 0800 999 999"
        await pilot.pause()
        assert "0800 999 999 is not an official phone number" in screen_text(app)
        await pilot.press("ctrl+s", "escape")
        assert journal.draft(1) is not None and "0800 999 999" in journal.draft(1).text  # type: ignore[union-attr]

        await pilot.press("r")  # the draft comes back
        editor = app.screen.query_one(TextArea)
        assert editor.text.endswith("Ruf an: 0800 999 999")
        editor.text = editor.text.removesuffix(" Ruf an: 0800 999 999")
        await pilot.press("ctrl+t")
        await pilot.press("enter")  # "Post it"
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any(n.startswith("Posted: http") for n in notices(app))
    [event] = journal.events(kind="reply.recorded")
    assert event.payload["how"] == "posted" and event.payload["template"] == "leak-sorry-du"
    assert event.payload["findings"] == [], "the check found nothing in what went out"
    [reply] = replies_to(mock, status["id"])
    assert "Seriennummer" in str(reply["content"]) and "0800 999 999" not in str(reply["content"])
    journal.close()


def test_a_success_answer_that_is_no_status_is_recorded_not_raised(tmp_path, runbooks: RunbookSet) -> None:  # type: ignore[no-untyped-def]
    """A proxy answering 200 with a web page: the attempt is journaled as failed, with what to check."""

    status = b'{"id": "7", "url": "https://x.example/@bob/7"}'

    def proxy(path: str, _params: dict[str, str], _headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if path == "/api/v1/statuses":  # the post: a web page instead of the new status
            return 200, {"Content-Type": "text/html"}, b"<html>Welcome</html>"
        return 200, {"Content-Type": "application/json"}, status  # the post replied to, looked up

    keyring.set_keyring(FileKeyring())
    set_secret("auth:mastodon:127.0.0.1", "alice_token")
    with serving(proxy) as port, Journal.open(tmp_path / "live.sqlite") as journal:
        mention = Mention("mastodon", "7", "bob@x.example", "Kaputt!", T0, url="https://x.example/@bob/7")
        [item] = journal.add_mentions([(mention, T0, (), (), None)])
        session = Session(journal, runbooks, ManualClock(T0), Idle(), "anna")
        config = Config(reply_as=ReplyAccounts(mastodon=f"http://127.0.0.1:{port}"))
        event = send_reply(session, item, "Das tut uns leid.", how=POSTED, template=None, config=config)
        assert event.payload["how"] == "failed"
        assert str(event.payload["detail"]).startswith("200, but the answer is no status: was it posted?")
        assert journal.draft(item.id) is not None, "the draft and its key stay for a safe retry"
