"""Sources without a network of their own: a followed JSONL file and the signed webhook; the
runner's backing off; the live feed that hands both to a session and the journal."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from smwar.clock import ManualClock
from smwar.engine.ingest import Handover
from smwar.engine.live import LiveFeed
from smwar.engine.session import Session
from smwar.errors import InputError
from smwar.journal.store import Journal
from smwar.model import NETWORKS, Mention
from smwar.runbooks.definitions import RunbookSet
from smwar.sources.base import Batch
from smwar.sources.jsonl import JsonlSource, read_jsonl
from smwar.sources.runner import SourceRunner
from smwar.sources.settings import JsonlSettings, WebhookSettings
from smwar.sources.webhook import SIGNATURE_HEADER, WebhookSource, sign
from smwar.tui.widgets.sources import sources_text
from tests.local_http import Collected, until

from .conftest import T0

SECRET = "correct horse battery staple"


def line(text: str, **extra: object) -> str:
    return json.dumps({"text": text, **extra}, ensure_ascii=False) + "\n"


async def test_a_followed_jsonl_file_gives_whole_lines_once_and_resumes_from_its_cursor(tmp_path: Path) -> None:
    file = tmp_path / "mentions.jsonl"
    file.write_text(line("first", id="1", network="mastodon") + "{broken\n" + line("second"), encoding="utf-8")
    source = JsonlSource(JsonlSettings(id="export", kind="jsonl", path=str(file), poll_seconds=0.1))
    collected = Collected()
    runner = SourceRunner(source, None, collected)
    task = asyncio.create_task(runner.run_forever())
    await until(lambda: len(collected.texts) == 2)
    with file.open("a", encoding="utf-8") as out:
        out.write('{"text": "third, half-wr')
        out.flush()
        await asyncio.sleep(0.2)
        assert collected.texts == ["first", "second"], "a half-written line waits"
        out.write('itten"}\n')
    await until(lambda: len(collected.texts) == 3)
    task.cancel()
    assert collected.texts == ["first", "second", "third, half-written"]
    [(raw, why)] = collected.quarantined
    assert raw == b"{broken" and why.startswith("Expecting property name")
    assert runner.health().state == "live" and runner.health().mentions == 3

    with file.open("a", encoding="utf-8") as out:
        out.write(line("fourth"))
    again = Collected()
    resumed = asyncio.create_task(SourceRunner(source, runner.cursor, again).run_forever())
    await until(lambda: bool(again.texts))
    resumed.cancel()
    assert again.texts == ["fourth"], "a restart goes on after what was read"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_the_webhook_takes_signed_mentions_and_refuses_the_rest(tmp_path: Path) -> None:
    settings = WebhookSettings(id="hook", kind="webhook", port=free_port(), max_bytes=2_000)
    source = WebhookSource(settings, SECRET)
    collected = Collected()
    runner = SourceRunner(source, None, collected)
    task = asyncio.create_task(runner.run_forever())
    await until(lambda: source.port is not None)
    url = f"http://127.0.0.1:{source.port}/mentions"
    good = json.dumps([{"text": "AquaPro ausgelaufen", "author": "@a@b.c"}, {"text": "second", "id": 7}]).encode()
    async with httpx.AsyncClient() as client:

        async def post(body: bytes, signature: str | None) -> httpx.Response:
            headers = {SIGNATURE_HEADER: signature} if signature else {}
            return await client.post(url, content=body, headers=headers)

        accepted = await post(good, sign(SECRET, good))
        unsigned = await post(good, None)
        forged = await post(good, sign("guess", good))
        oversized = await post(b"[" + b'{"text": "x"},' * 300 + b"{}]", sign(SECRET, b"whatever"))
        garbage = await post(b"<html>not json</html>", sign(SECRET, b"<html>not json</html>"))
    await until(lambda: len([b for b in collected.batches if b.mentions or b.quarantined]) == 2)
    task.cancel()
    assert (accepted.status_code, accepted.json()) == (202, {"accepted": 2})
    assert [r.status_code for r in (unsigned, forged, oversized, garbage)] == [401, 401, 413, 400]
    mentions = [m for batch in collected.batches for m in batch.mentions]
    assert [(m.network, m.native_id, m.text) for m in mentions][1] == ("webhook", "7", "second")
    assert mentions[0].native_id.startswith("sha256:"), "an item without id is known by its content"
    [(raw, why)] = collected.quarantined
    assert raw == b"<html>not json</html>" and why.startswith("Expecting value")
    assert source.refused == 3
    assert sources_text([runner.health()]).plain.strip().endswith("(1 unreadable) (3 refused)")


async def test_a_source_that_cannot_start_backs_off_and_comes_back(tmp_path: Path) -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    source = WebhookSource(WebhookSettings(id="hook", kind="webhook", port=port), SECRET)
    runner = SourceRunner(source, None, Collected(), base_delay=0.05, max_delay=0.1)
    task = asyncio.create_task(runner.run_forever())
    await until(lambda: runner.health().state == "backing off")
    health = runner.health()
    assert health.reason is not None and f"cannot listen on 127.0.0.1:{port}" in health.reason
    assert health.until is not None
    blocker.close()
    await until(lambda: source.port == port)
    runner.pause()
    assert runner.health().state == "paused"
    task.cancel()


async def test_a_webhook_without_a_secret_is_failing_and_says_how_to_fix_it() -> None:
    runner = SourceRunner(WebhookSource(WebhookSettings(id="hook", kind="webhook", port=0), None), None, Collected())
    task = asyncio.create_task(runner.run_forever())
    await until(lambda: runner.health().state == "failing")
    task.cancel()
    assert runner.health().reason == "no signing secret: set one with `smwar auth set webhook:hook`"


def test_the_live_feed_journals_mentions_with_their_cursor_and_a_restart_resumes(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    file = tmp_path / "mentions.jsonl"
    file.write_text(line("Meine AquaPro ist ausgelaufen", id="a") + "not json\n", encoding="utf-8")
    settings = JsonlSettings(id="export", kind="jsonl", path=str(file), poll_seconds=0.1)
    journal = Journal.open(tmp_path / "live.sqlite")

    feeds: list[LiveFeed] = []

    def session_polled_until(count: int) -> Session:
        feed = LiveFeed([JsonlSource(settings)], journal.cursors(), quarantined=journal.quarantine_counts())
        feeds.append(feed)
        session = Session(journal, runbooks, ManualClock(T0), feed, "tester")
        feed.start()
        try:
            deadline = time.monotonic() + 5
            while journal.mention_count() < count:
                assert time.monotonic() < deadline
                session.pipeline.poll()
                time.sleep(0.02)
            return session
        finally:
            feed.stop()

    session_polled_until(1)
    assert journal.cursors() == {"export": str(len(file.read_bytes()))}
    assert journal.quarantine_counts() == {"export": 1}
    [stored] = journal.mentions()
    assert stored.matches[0].scenario_id == "product-defect"
    with file.open("a", encoding="utf-8") as out:
        out.write(line("second", id="b"))
    session_polled_until(2)
    assert [m.mention.native_id for m in journal.mentions()] == ["a", "b"], "nothing twice, nothing lost"
    assert feeds[-1].health()[0].quarantined == 1, "the unreadable line still counts after a restart"
    journal.close()


async def follow_until(file: Path, texts: list[str]) -> Collected:
    """Follow `file` as a JSONL source until exactly `texts` have arrived: what was delivered."""
    collected = Collected()
    source = JsonlSource(JsonlSettings(id="export", kind="jsonl", path=str(file), poll_seconds=0.1))
    task = asyncio.create_task(SourceRunner(source, None, collected).run_forever())
    await until(lambda: collected.texts == texts)
    task.cancel()
    return collected


async def test_a_line_longer_than_a_batch_is_quarantined_and_reading_goes_on(tmp_path: Path) -> None:
    file = tmp_path / "huge.jsonl"
    file.write_text(line("x" * (2 << 20)) + line("after"), encoding="utf-8")
    collected = await follow_until(file, ["after"])
    [(raw, why)] = collected.quarantined
    assert why == f"line of {(2 << 20) + 13:,} bytes is too long" and len(raw) == 256 * 1024


async def test_a_nesting_bomb_is_quarantined_and_the_lines_after_it_arrive(tmp_path: Path) -> None:
    file = tmp_path / "bomb.jsonl"
    file.write_text("[" * 100_000 + "\n" + line("after the bomb"), encoding="utf-8")
    collected = await follow_until(file, ["after the bomb"])
    [(_, why)] = collected.quarantined
    assert "recursion" in why.lower()


async def test_a_line_from_a_network_smwar_does_not_know_is_quarantined_saying_so(tmp_path: Path) -> None:
    file = tmp_path / "mentions.jsonl"
    file.write_text(
        line("from nowhere", network="\x1b]0;NET\x07") + line("from mastodon", network="mastodon") + line("no network"),
        encoding="utf-8",
    )
    collected = await follow_until(file, ["from mastodon", "no network"])
    [(raw, why)] = collected.quarantined
    assert b"from nowhere" in raw
    assert why == "network: unknown network '\\x1b]0;NET\\x07' (known: " + ", ".join(NETWORKS) + ")"
    mentions = [mention for batch in collected.batches for mention in batch.mentions]
    assert [mention.network for mention in mentions] == ["mastodon", "jsonl"]
    with pytest.raises(InputError, match=r"mentions.jsonl:1: network: unknown network"):
        list(read_jsonl(file, T0))


def test_a_paused_file_source_journals_nothing_and_on_resume_what_came_meanwhile(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    file = tmp_path / "mentions.jsonl"
    file.write_text(line("before the pause", id="0"), encoding="utf-8")
    journal = Journal.open(tmp_path / "live.sqlite")
    settings = JsonlSettings(id="export", kind="jsonl", path=str(file), poll_seconds=0.1)
    feed = LiveFeed([JsonlSource(settings)], journal.cursors())
    session = Session(journal, runbooks, ManualClock(T0), feed, "tester")

    def journaled_within(seconds: float, count: int) -> int:
        deadline = time.monotonic() + seconds
        while journal.mention_count() < count and time.monotonic() < deadline:
            session.pipeline.poll()
            time.sleep(0.02)
        return journal.mention_count()

    feed.start()
    try:
        assert journaled_within(5, 1) == 1
        assert feed.toggle_pause("export") and feed.health()[0].state == "paused"
        with file.open("a", encoding="utf-8") as out:
            out.writelines(line(f"while paused {n}", id=f"p{n}") for n in range(3))
        assert journaled_within(1, 2) == 1, "a paused source brings nothing, not even its next poll"
        assert journal.cursors()["export"] == str(len(line("before the pause", id="0").encode()))
        assert not feed.toggle_pause("export")
        assert journaled_within(5, 4) == 4, "resumed, what came meanwhile arrives"
    finally:
        feed.stop()
    assert [m.mention.native_id for m in journal.mentions()] == ["0", "p0", "p1", "p2"]
    journal.close()


async def test_a_paused_webhook_refuses_senders_and_takes_mentions_in_again_on_resume() -> None:
    source = WebhookSource(WebhookSettings(id="hook", kind="webhook", port=free_port()), SECRET)
    collected = Collected()
    runner = SourceRunner(source, None, collected)
    task = asyncio.create_task(runner.run_forever())
    await until(lambda: runner.health().state == "live")
    url = f"http://127.0.0.1:{source.port}/mentions"
    body = json.dumps({"text": "sent again after the pause", "id": "p1"}).encode()
    headers = {SIGNATURE_HEADER: sign(SECRET, body)}
    runner.pause()
    await asyncio.sleep(0.1)
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):  # not a 202: the sender knows to try again
            await client.post(url, content=body, headers=headers)
        assert runner.health().state == "paused" and collected.texts == []
        runner.resume()
        await until(lambda: runner.health().state == "live" and len(collected.batches) == 2)
        answer = await client.post(url, content=body, headers=headers)
    await until(lambda: collected.texts == ["sent again after the pause"])
    task.cancel()
    assert answer.status_code == 202


async def test_a_file_not_there_yet_is_waited_for_and_read_once_it_is(tmp_path: Path) -> None:
    file = tmp_path / "later" / "mentions.jsonl"
    source = JsonlSource(JsonlSettings(id="ghost", kind="jsonl", path=str(file), poll_seconds=0.1))
    collected = Collected()
    runner = SourceRunner(source, None, collected)
    task = asyncio.create_task(runner.run_forever())
    await until(lambda: runner.health().state != "starting")
    shown = sources_text([runner.health()]).plain
    assert f"◌ ghost waiting for {file} (no such file yet)" in shown
    file.parent.mkdir()
    file.write_text(line("there at last"), encoding="utf-8")
    await until(lambda: collected.texts == ["there at last"])
    task.cancel()
    assert sources_text([runner.health()]).plain.startswith(" ● ghost live")


async def test_a_file_read_to_its_end_before_is_live_while_nothing_new_comes(tmp_path: Path) -> None:
    """A war room started after the file was read (its cursor at the end): the file is there and
    followed, so the source is live, not still starting."""
    file = tmp_path / "mentions.jsonl"
    file.write_text(line("old news"), encoding="utf-8")
    source = JsonlSource(JsonlSettings(id="export", kind="jsonl", path=str(file), poll_seconds=0.1))
    collected = Collected()
    runner = SourceRunner(source, str(file.stat().st_size), collected)
    task = asyncio.create_task(runner.run_forever())
    await until(lambda: runner.health().state != "starting")
    task.cancel()
    assert sources_text([runner.health()]).plain.startswith(" ● export live")
    assert collected.texts == []


async def test_a_source_that_ran_a_minute_says_its_rate_over_that_minute(tmp_path: Path) -> None:
    """Not over the five minutes it measures once it ran them: 120 mentions in its first minute
    are 120 a minute, not 24."""
    file = tmp_path / "mentions.jsonl"
    file.write_text("".join(line(f"Post {n}", id=str(n)) for n in range(120)), encoding="utf-8")
    collected = Collected()
    runner = SourceRunner(JsonlSource(JsonlSettings(id="feed", kind="jsonl", path=str(file))), None, collected)
    task = asyncio.create_task(runner.run_forever())
    await until(lambda: len(collected.texts) == 120)
    task.cancel()
    runner._started = time.monotonic() - 60  # it started a minute ago
    assert round(runner.health().per_minute) == 120
    assert "● feed live 120/min" in sources_text([runner.health()]).plain


async def test_a_directory_for_a_file_says_so_and_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = JsonlSource(JsonlSettings(id="dir", kind="jsonl", path=str(tmp_path), poll_seconds=0.1))
    runner = SourceRunner(source, None, Collected())
    task = asyncio.create_task(runner.run_forever())
    tries: list[datetime | None] = [None]  # when each failed try set the next one for
    for _ in range(3):  # the first try and two retries
        runner.resume()  # cuts the wait before the next try short
        await until(lambda: runner.health().until not in tries)
        tries.append(runner.health().until)
    task.cancel()
    shown = sources_text([runner.health()]).plain
    assert f": {tmp_path} is a directory, not a file" in shown and "network error" not in shown
    [logged] = [record for record in caplog.records if record.name == "smwar.sources.runner"]
    assert logged.getMessage() == f"source dir failed: {tmp_path} is a directory, not a file"


def test_a_failed_commit_hands_the_intake_back_for_the_next_poll(tmp_path: Path, runbooks: RunbookSet) -> None:
    journal = Journal.open(tmp_path / "live.sqlite")
    handover = Handover()
    session = Session(journal, runbooks, ManualClock(T0), handover, "tester")
    handover.give(Batch(mentions=[Mention("mastodon", "1", "@a@b.c", "Meine AquaPro leckt", T0)]))
    journal.close()  # the disk goes away, say
    with pytest.raises(sqlite3.ProgrammingError):
        session.pipeline.poll()
    [kept] = handover.pending
    assert [m.native_id for m in kept.mentions] == ["1"], "nothing is lost: the next poll tries again"
