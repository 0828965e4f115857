"""The Mastodon source against a real Mastodon API: `mastodon-mock` served on 127.0.0.1, its
fault injection for rate limits, server errors, malformed answers and timeouts, and a TCP
relay in front of it that drops connections the way a restarting load balancer does."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest
from click.testing import CliRunner
from mastodon_mock.config import DatabaseConfig, MastodonMockConfig, StreamingConfig
from mastodon_mock.testing import DEFAULT_TEST_SEED, MockServer
from pydantic import ValidationError

from smwar.cli import main
from smwar.journal.store import Journal
from smwar.model import EDITED, Mention
from smwar.paths import config_file
from smwar.runbooks.definitions import RunbookSet
from smwar.secrets import delete_secret, set_secret
from smwar.sources.base import Batch, SourceError, http_client
from smwar.sources.mastodon import AUTH_HINT, MastodonSource
from smwar.sources.runner import SourceRunner
from smwar.sources.settings import MastodonSettings
from tests.local_http import Collected, journal_batches, until
from tests.memory_keyring import FileKeyring

HOST = "127.0.0.1"  # the mock's host: a local account's handle is completed with it and its port
TOKEN = "alice_token"  # seeded by the mock for alice; bob has "bob_token"


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    # a "timeout" fault holds its request for 30 s: do not wait for it when shutting down
    with MockServer(shutdown_timeout=0.5) as server:
        yield server


@pytest.fixture(autouse=True)
def no_faults_left(mock: MockServer) -> Iterator[None]:
    yield
    httpx.delete(f"{mock.base_url}/api/v1/_mock/faults").raise_for_status()


def fault(mock: MockServer, path: str, effect: dict[str, Any], count: int = 1) -> None:
    """Have the mock answer the next `count` requests for `path` with `effect`."""
    rule = {"match": {"path": path}, "effect": effect, "count": count}
    httpx.post(f"{mock.base_url}/api/v1/_mock/faults", json=rule).raise_for_status()


@pytest.fixture(scope="module")
def poster(mock: MockServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.base_url) as client:
        yield client


def post(poster: httpx.Client, text: str, *, token: str = TOKEN, **params: Any) -> dict[str, Any]:
    """Publish a status on the mock, as a person would; its JSON as the API gives it."""
    answer = poster.post(
        "/api/v1/statuses", json={"status": text, **params}, headers={"Authorization": f"Bearer {token}"}
    )
    answer.raise_for_status()
    status: dict[str, Any] = answer.json()
    return status


def settings(instance: str, *tags: str, **options: Any) -> MastodonSettings:
    return MastodonSettings(id="masto", kind="mastodon", instance=instance, hashtags=list(tags), **options)


async def first_batch(source: MastodonSource, cursor: str | None = None) -> Batch:
    """The first batch of a fresh run (the run is then closed, as a runner restart would)."""
    run = source.run(cursor)
    try:
        return await anext(run)
    finally:
        await run.aclose()


async def batches_until(run: AsyncIterator[Batch], mentions: int) -> list[Batch]:
    """Batches of `run` until they hold `mentions` mentions between them."""
    taken: list[Batch] = []
    while sum(len(batch.mentions) for batch in taken) < mentions:
        taken.append(await asyncio.wait_for(anext(run), 5))
    return taken


REQUEST_LINE = re.compile(rb"^(?:GET|POST) (\S+) HTTP/1\.1\r$", re.MULTILINE)


class Relay:
    """A TCP relay in front of the mock. It can drop every open connection (the stream too) and
    refuse new ones for a while; it keeps what clients sent, to tell which requests were made."""

    def __init__(self, upstream_port: int) -> None:
        self._upstream = ("127.0.0.1", upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.refusing = False
        self.sent = bytearray()
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def requests(self) -> list[str]:
        with self._lock:
            return [path.decode() for path in REQUEST_LINE.findall(self.sent)]

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            if self.refusing:
                _close(client)
                continue
            server = socket.create_connection(self._upstream)
            with self._lock:
                self._open |= {client, server}
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, keep: bool) -> None:
        try:
            while data := source.recv(65536):
                if keep:
                    with self._lock:
                        self.sent += data
                target.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(target)

    def cut(self) -> None:
        """Drop every open connection at once."""
        with self._lock:
            dropped, self._open = self._open, set()
        for sock in dropped:
            _close(sock)

    def close(self) -> None:
        _close(self._listener)
        self.cut()


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked on it, which close() alone does not
    sock.close()


@pytest.fixture
def relay(mock: MockServer) -> Iterator[Relay]:
    relay = Relay(mock.port)
    yield relay
    relay.close()


def test_settings_take_an_instance_address_and_hashtags_with_or_without_hash() -> None:
    read = settings("https://Mastodon.Social/", "#Acme", "acme", "AquaPro", search=[" acme recall "])
    assert (read.instance, read.hashtags, read.search) == (
        "https://mastodon.social",
        ["acme", "aquapro"],
        ["acme recall"],
    )
    for instance in ("mastodon.social", "ftp://mastodon.social", "https://me:pw@mastodon.social", "https://x.y/api"):
        with pytest.raises(ValidationError, match="instance"):
            settings(instance, "acme")
    with pytest.raises(ValidationError, match="not a hashtag"):
        settings("https://mastodon.social", "two words")
    with pytest.raises(ValidationError, match="at least one hashtag, search term or keyword"):
        settings("https://mastodon.social")


async def test_statuses_under_a_hashtag_arrive_as_mentions_with_their_fields(
    mock: MockServer, poster: httpx.Client
) -> None:
    original = post(poster, "Tom & Jerry <b>not bold</b> #Fields\n\nsecond paragraph\nnext line", token="bob_token")
    reply = post(poster, "a reply #fields", in_reply_to_id=original["id"], language="de")
    quote = post(poster, "a quote #fields", quoted_status_id=original["id"])
    post(poster, "under another hashtag #elsewhere")

    batch = await first_batch(MastodonSource(settings(mock.base_url, "fields")))
    port = httpx.URL(mock.base_url).port

    assert [m.native_id for m in batch.mentions] == [original["id"], reply["id"], quote["id"]], "oldest first"
    first, second, third = batch.mentions
    assert first == Mention(
        network="mastodon",
        native_id=original["id"],
        author=f"@bob@{HOST}:{port}",  # a local account's acct has no domain: the instance's is added, with its port
        text="Tom & Jerry <b>not bold</b> #Fields\n\nsecond paragraph\nnext line",  # tags dropped, not obeyed
        posted_at=first.posted_at,
        lang=None,
        followers=1,  # alice follows bob
        url=original["url"],
        author_name="Bob",
        reply_to=None,
        quote_of=None,
    )
    assert first.posted_at.tzinfo is UTC and abs(time.time() - first.posted_at.timestamp()) < 60
    assert (second.author, second.lang, second.reply_to) == (f"@alice@{HOST}:{port}", "de", original["id"])
    assert third.quote_of == original["url"]
    assert json.loads(batch.cursor or "") == {"tag:fields": quote["id"]}
    assert batch.quarantined == []


async def test_several_pages_of_new_statuses_are_all_read_and_a_restart_resumes_after_them(
    mock: MockServer, poster: httpx.Client
) -> None:
    source = MastodonSource(settings(mock.base_url, "pages"))
    seen = post(poster, "already seen #pages")
    start = await first_batch(source)
    assert [m.native_id for m in start.mentions] == [seen["id"]]

    posted = [post(poster, f"number {n} #pages")["id"] for n in range(81)]  # more than two pages of 40
    run = source.run(start.cursor)
    batches = await batches_until(run, 81)
    await run.aclose()
    assert [m.native_id for batch in batches for m in batch.mentions] == posted, "nothing lost, nothing twice"
    assert [len(batch.mentions) for batch in batches] == [40, 40, 1], "one batch per page, oldest page first"
    assert json.loads(batches[0].cursor or "") == {"tag:pages": posted[39]}, "each page's cursor covers it"

    newer = [post(poster, f"after the restart {n} #pages")["id"] for n in range(2)]
    resumed = await first_batch(source, batches[-1].cursor)
    assert [m.native_id for m in resumed.mentions] == newer


async def test_a_rate_limit_says_when_to_retry_and_a_server_error_is_a_failure(mock: MockServer) -> None:
    source = MastodonSource(settings(mock.base_url, "faulty"))
    fault(mock, "/api/v1/timelines/tag/faulty", {"type": "ratelimit", "headers": {"Retry-After": "7"}})
    with pytest.raises(SourceError, match="rate limited") as limited:
        await first_batch(source)
    assert limited.value.retry_after == 7.0 and not limited.value.fatal

    fault(mock, "/api/v1/timelines/tag/faulty", {"type": "status", "status": 500})
    with pytest.raises(SourceError, match="answered 500") as failed:
        await first_batch(source)
    assert failed.value.retry_after is None and not failed.value.fatal


async def test_a_refused_token_is_fatal_with_the_hint_and_never_shown(
    mock: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cret-token-never-shown"
    source = MastodonSource(settings(mock.base_url, "private"), token=secret)
    fault(mock, "/api/v1/timelines/tag/private", {"type": "status", "status": 401})
    with caplog.at_level(logging.DEBUG), pytest.raises(SourceError) as refused:
        await first_batch(source)
    assert refused.value.fatal and str(refused.value).endswith(AUTH_HINT)
    assert secret not in str(refused.value) + repr(source) + caplog.text


async def test_malformed_statuses_are_quarantined_and_the_others_arrive(mock: MockServer, poster: httpx.Client) -> None:
    good = post(poster, "a good one #junk")
    number = int(good["id"])
    boost = {
        **good,
        "id": str(number + 1),
        "account": {"acct": "dave@remote.example", "display_name": "Dave", "followers_count": 5000},
        "content": "",
        "url": None,
        "uri": f"{good['uri']}/activity",
        "reblog": good,
    }
    page = [
        {**good, "id": str(number + 7), "content": "x" * 300_000},  # larger than any post
        {"id": str(number + 6), "content": "<p>no author, no date</p>"},
        {**good, "id": str(number + 5), "account": "nobody"},
        {**good, "id": str(number + 4), "created_at": "yesterday"},
        "not a status",
        boost,
        good,
    ]
    fault(mock, "/api/v1/timelines/tag/junk", {"type": "status", "status": 200, "body": page})

    batch = await first_batch(MastodonSource(settings(mock.base_url, "junk")))

    assert [m.native_id for m in batch.mentions] == [good["id"], boost["id"]]
    shared = batch.mentions[1]
    assert (shared.author, shared.followers, shared.text) == ("@dave@remote.example", 5000, "a good one #junk")
    assert shared.url == shared.quote_of == good["url"], "a boost: the boosted post's words and address"
    reasons = [why for _, why in batch.quarantined]
    assert len(reasons) == 5
    assert re.fullmatch(r"item of 30\d,\d{3} bytes is too large", reasons[0])
    assert "created_at: Field required" in reasons[1] and "account: Input should be" in reasons[2]
    assert "created_at: Input should be a valid datetime" in reasons[3] and "expected a JSON object" in reasons[4]
    assert json.loads(batch.cursor or "") == {"tag:junk": boost["id"]}


async def test_an_answer_that_is_not_json_is_quarantined_whole_and_read_again_next_time(
    mock: MockServer, poster: httpx.Client
) -> None:
    kept = post(poster, "kept for the next round #garbled")
    source = MastodonSource(settings(mock.base_url, "garbled"))
    fault(mock, "/api/v1/timelines/tag/garbled", {"type": "malformed"})
    garbled = await first_batch(source)
    assert garbled.mentions == [] and garbled.cursor == "{}", "the cursor stays where it was"
    [(raw, why)] = garbled.quarantined
    assert raw == b'{"error": "truncated' and why.startswith("unreadable answer to /api/v1/timelines/tag/garbled")
    again = await first_batch(source, garbled.cursor)
    assert [m.native_id for m in again.mentions] == [kept["id"]]


async def test_the_same_unreadable_answer_twice_is_a_failure_not_a_second_copy(mock: MockServer) -> None:
    source = MastodonSource(settings(mock.base_url, "maintenance"))
    fault(mock, "/api/v1/timelines/tag/maintenance", {"type": "malformed"}, count=2)
    assert len((await first_batch(source)).quarantined) == 1
    with pytest.raises(SourceError, match=r"unreadable answer .* \(the same answer again\)"):
        await first_batch(source)


async def test_search_terms_are_read_with_a_token_and_skipped_without_one(
    mock: MockServer, poster: httpx.Client, relay: Relay, caplog: pytest.LogCaptureFixture
) -> None:
    found = post(poster, "my Kettle-9000 leaks everywhere")
    with_token = MastodonSource(settings(relay.url, search=["kettle-9000"]), token=TOKEN)
    run = with_token.run(None)
    batch = await anext(run)
    await run.aclose()
    assert [(m.native_id, m.text) for m in batch.mentions] == [(found["id"], "my Kettle-9000 leaks everywhere")]
    assert json.loads(batch.cursor or "") == {"search:kettle-9000": found["id"]}
    assert b"authorization: bearer " + TOKEN.encode() in relay.sent.lower()
    assert any(path.startswith("/api/v2/search?") for path in relay.requests)

    newer = post(poster, "another kettle-9000 and #kettles")
    again = await first_batch(with_token, batch.cursor)
    assert [m.native_id for m in again.mentions] == [newer["id"]], "what was found before is not found again"

    without_token = MastodonSource(settings(mock.base_url, "kettles", search=["kettle-9000"]))
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            batch = await first_batch(without_token)
            assert json.loads(batch.cursor or "") == {"tag:kettles": newer["id"]}, "only the hashtag is read"
    assert caplog.text.count("search terms are skipped") == 1, "said once"
    with pytest.raises(SourceError, match="searching needs a token") as refused:
        await first_batch(MastodonSource(settings(mock.base_url, search=["kettle-9000"])))
    assert refused.value.fatal and AUTH_HINT in str(refused.value)


async def test_the_runner_rides_out_a_timeout_and_the_source_polls_on(mock: MockServer, poster: httpx.Client) -> None:
    first = post(poster, "before the timeout #polled")
    fault(mock, "/api/v1/timelines/tag/polled", {"type": "timeout"})
    quick = settings(mock.base_url, "polled").model_copy(update={"poll_seconds": 0.05})  # the minimum is 5 s
    async with http_client(timeout=0.5) as client:
        collected = Collected()
        runner = SourceRunner(MastodonSource(quick, client=client), None, collected, base_delay=0.3, max_delay=0.3)
        task = asyncio.create_task(runner.run_forever())
        try:
            await until(lambda: runner.health().state == "backing off")
            assert runner.health().reason == "timed out waiting for the answer (127.0.0.1)"
            await until(lambda: collected.ids == [first["id"]])
            later = post(poster, "posted between two polls #polled")
            await until(lambda: collected.ids == [first["id"], later["id"]])
        finally:
            task.cancel()
    assert runner.health().state == "live"


async def test_streamed_statuses_arrive_and_a_dropped_stream_is_caught_up_without_loss_or_repeats(
    mock: MockServer, poster: httpx.Client, relay: Relay
) -> None:
    stream = "/api/v1/streaming/hashtag?tag=live"
    timeline = "/api/v1/timelines/tag/live"

    def streaming(connections: int) -> bool:
        """The `connections`-th stream was asked for, and the catch-up after it."""
        requests = relay.requests
        opened = [n for n, path in enumerate(requests) if path == stream]
        return len(opened) == connections and any(path.startswith(timeline) for path in requests[opened[-1] :])

    before = post(poster, "before the stream #live")
    collected = Collected()
    source = MastodonSource(settings(relay.url, "live", stream=True))
    runner = SourceRunner(source, None, collected, base_delay=0.01, max_delay=0.1)
    task = asyncio.create_task(runner.run_forever())
    try:
        await until(lambda: streaming(1) and collected.ids == [before["id"]])
        await asyncio.sleep(0.1)  # the catch-up's answer is in: the stream is being read
        asked = len(relay.requests)
        streamed = post(poster, "pushed by the stream #live")
        await until(lambda: len(collected.ids) == 2)
        assert relay.requests[asked:] == [], "it came by the stream, not by polling"

        relay.refusing = True
        relay.cut()  # the stream drops, and reconnecting fails for a while
        await until(lambda: runner.health().state in ("backing off", "failing"))
        missed = [post(poster, f"posted while disconnected {n} #live")["id"] for n in range(3)]
        fault(mock, "/api/v1/streaming/hashtag", {"type": "status", "status": 503})  # the first reconnect fails
        relay.refusing = False
        await until(lambda: streaming(3) and len(collected.ids) == 5)
        await asyncio.sleep(0.1)
        last = post(poster, "pushed by the new stream #live")
        await until(lambda: len(collected.ids) == 6)
        await asyncio.sleep(0.3)  # time for anything delivered twice to show
    finally:
        task.cancel()
    assert collected.ids == [before["id"], streamed["id"], *missed, last["id"]]
    assert json.loads(runner.cursor or "") == {"tag:live": last["id"]}
    assert runner.health().state == "live"


async def test_a_streaming_api_that_answers_no_events_says_to_poll_instead(
    mock: MockServer, poster: httpx.Client
) -> None:
    kept = post(poster, "caught up before streaming #nostream")
    fault(mock, "/api/v1/streaming/hashtag", {"type": "malformed"})
    run = MastodonSource(settings(mock.base_url, "nostream", stream=True)).run(None)
    caught_up = await anext(run)
    with pytest.raises(SourceError, match="not events; set stream = false"):
        await anext(run)
    assert [m.native_id for m in caught_up.mentions] == [kept["id"]]


async def test_keywords_pick_statuses_from_the_public_timeline_polled_and_streamed(
    mock: MockServer, poster: httpx.Client
) -> None:
    wanted = post(poster, "Meine AquaPro ist ausgelaufen")
    chatter = post(poster, "Nothing about washing machines here")
    source = MastodonSource(settings(mock.base_url, keywords=["aquapro"]))
    batch = await first_batch(source)
    assert [m.native_id for m in batch.mentions] == [wanted["id"]]
    assert json.loads(batch.cursor or "") == {"public": chatter["id"]}, "past what was not kept too"

    streaming = MastodonSource(settings(mock.base_url, keywords=["AquaPro"], stream=True))
    run = streaming.run(batch.cursor)
    try:
        caught_up = await asyncio.wait_for(anext(run), 5)  # the REST catch-up: nothing new yet
        assert caught_up.mentions == []
        later = asyncio.create_task(batches_until(run, 1))
        await asyncio.sleep(0.5)
        post(poster, "just chatting")
        pushed = post(poster, "the aquapro leaks again")
        assert [m.native_id for b in await later for m in b.mentions] == [pushed["id"]]
    finally:
        await run.aclose()


async def test_an_edit_and_a_deletion_on_the_stream_arrive_as_revisions(mock: MockServer, poster: httpx.Client) -> None:
    """The stream says when a post is edited (its new text) and deleted; both reach the journal
    as facts about the mention, which keeps its first text."""
    collected = Collected()
    source = MastodonSource(settings(mock.base_url, "revised", stream=True))
    runner = SourceRunner(source, None, collected, base_delay=0.01, max_delay=0.1)
    task = asyncio.create_task(runner.run_forever())
    try:
        await until(lambda: runner.health().state == "live")
        await asyncio.sleep(0.2)  # the stream is open
        status = post(poster, "my AquaPro leaks #revised")
        await until(lambda: collected.ids == [status["id"]])
        headers = {"Authorization": f"Bearer {TOKEN}"}
        poster.put(f"/api/v1/statuses/{status['id']}", json={"status": "fixed now #revised"}, headers=headers)
        poster.delete(f"/api/v1/statuses/{status['id']}", headers=headers).raise_for_status()
        await until(lambda: len([r for batch in collected.batches for r in batch.revisions]) == 2)
    finally:
        task.cancel()
    edited, deleted = [revision for batch in collected.batches for revision in batch.revisions]
    assert (edited.native_id, edited.kind, edited.text) == (status["id"], "edited", "fixed now #revised")
    assert (deleted.native_id, deleted.kind, deleted.text) == (status["id"], "deleted", None)
    assert collected.ids == [status["id"]], "an edit is no new mention"


async def test_a_direct_message_found_by_search_is_no_public_mention(mock: MockServer, poster: httpx.Client) -> None:
    """Search with the account's token also finds the private messages it can read: they are
    left out of the feed (not quarantined either)."""
    public = post(poster, "kettle-dm leaks again")
    post(poster, "@bob our kettle-dm leaks", visibility="direct")
    batch = await first_batch(MastodonSource(settings(mock.base_url, search=["kettle-dm"]), token=TOKEN))
    assert [mention.native_id for mention in batch.mentions] == [public["id"]]
    assert batch.quarantined == []


async def test_an_edit_seen_on_a_re_poll_is_journaled_once_and_no_new_mention(
    mock: MockServer, poster: httpx.Client, tmp_path: Path, runbooks: RunbookSet
) -> None:
    """A poll after an edit shows the status again, with its `edited_at` and new words: an edit
    of the mention, kept once (not again on the next poll, nor after a restart), the first
    words kept as evidence; the hashtag timeline and search alike."""
    status = post(poster, "my AquaPro leaks #repolled repolled-term")
    tags = MastodonSource(settings(mock.base_url, "repolled"))
    search = MastodonSource(settings(mock.base_url, search=["repolled-term"]), token=TOKEN)
    first = [await first_batch(tags), await first_batch(search)]
    headers = {"Authorization": f"Bearer {TOKEN}"}
    edit = {"status": "my AquaPro was replaced, thanks #repolled repolled-term"}
    poster.put(f"/api/v1/statuses/{status['id']}", json=edit, headers=headers).raise_for_status()

    again = [await first_batch(source, batch.cursor) for source, batch in zip((tags, search), first, strict=True)]
    assert [batch.mentions for batch in again] == [[], []], "an edit is no new mention"
    assert [(r.native_id, r.kind, r.text) for batch in again for r in batch.revisions] == [
        (status["id"], EDITED, edit["status"])
    ] * 2
    quiet = await first_batch(tags, again[0].cursor)
    restarted = await first_batch(MastodonSource(settings(mock.base_url, "repolled")), again[0].cursor)
    assert quiet.revisions == [], "the same version again is no edit"
    assert [r.text for r in restarted.revisions] == [edit["status"]], "after a restart: told again"

    with Journal.open(tmp_path / "live.sqlite") as journal:
        journal_batches(journal, runbooks, [*first, *again, restarted])
        [kept] = journal.mentions()
        assert kept.mention.text == "my AquaPro leaks #repolled repolled-term", "the first words stay"
        assert kept.revised == EDITED
        assert [(r.kind, r.text) for r in journal.revisions_of(kept.id)] == [(EDITED, edit["status"])]


def app_token(mock: MockServer, scopes: str) -> str:
    """A token of an app registered with `scopes`, as an operator would make one."""
    app = httpx.post(f"{mock.base_url}/api/v1/apps", json={"client_name": "smwar", "scopes": scopes}).json()
    form = {"grant_type": "client_credentials", "client_id": app["client_id"], "scope": scopes}
    token: str = httpx.post(f"{mock.base_url}/oauth/token", data=form).json()["access_token"]
    return token


def sources_test(instance: str, token: str | None, *options: str) -> str:
    """What `smwar sources test` says of a Mastodon source of `instance` with `token` in the keyring."""
    keyring.set_keyring(FileKeyring())
    delete_secret(f"auth:mastodon:{HOST}")
    if token is not None:
        set_secret(f"auth:mastodon:{HOST}", token)
    runner = CliRunner()
    config_file().parent.mkdir(parents=True, exist_ok=True)
    runner.invoke(main, ["sources", "remove", "masto"])  # the one of the call before, if any
    added = runner.invoke(main, ["sources", "add", "mastodon", "masto", f"instance={instance}", *options])
    assert added.exit_code == 0, added.output
    return runner.invoke(main, ["sources", "test", "masto", "--seconds", "5"]).output


HINT = f"smwar auth set mastodon:{HOST}"


def test_sources_test_says_what_the_token_and_the_server_lack(mock: MockServer, poster: httpx.Client) -> None:
    post(poster, "kettle-scopes leaks #scopes")
    fine = sources_test(mock.base_url, app_token(mock, "read write"), "search=kettle-scopes", "stream=true")
    assert "missing" not in fine and "masto: 1 mentions" in fine
    writer = sources_test(mock.base_url, app_token(mock, "write:statuses follow"), "search=kettle-scopes")
    assert "masto: missing: the token lacks the read:statuses scope (search needs it; it has write:statuses" in writer
    refused = sources_test(mock.base_url, "not-a-token", "search=kettle-scopes")
    assert f"masto: missing: the instance refused the token (401); set one with: {HINT}" in refused
    anonymous = sources_test(mock.base_url, None, "hashtags=scopes", "search=kettle-scopes", "stream=true")
    lacking = "search and streaming need one with the read:statuses scope"
    assert f"masto: missing: no token: {lacking}; set one with: {HINT}" in anonymous
    assert "not-a-token" not in refused + writer, "a token is never shown"


def test_sources_test_says_an_old_server_tells_no_edits() -> None:
    config = MastodonMockConfig(
        mocked_version="3.4.1",
        database=DatabaseConfig(path=":memory:"),
        seed=DEFAULT_TEST_SEED,
        streaming=StreamingConfig(heartbeat_seconds=0.2),
    )
    with MockServer(config=config) as old:
        said = sources_test(old.base_url, None, "hashtags=anything")
    assert "masto: missing: the instance runs version 3.4: edits need Mastodon 3.5 or later" in said
