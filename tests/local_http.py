"""What the sources' tests share: a real HTTP server on 127.0.0.1 answering requests as a
test says, a collector of what a source runner delivers, and polling a source until it has
caught up."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from smwar.clock import ManualClock
from smwar.engine.ingest import Handover
from smwar.engine.session import Session
from smwar.journal.store import Journal
from smwar.runbooks.definitions import RunbookSet
from smwar.sources.base import Batch, Poller, Source, http_client
from smwar.sources.recent import MAX_ANSWER_BYTES, RecentCursor
from smwar.sources.runner import SourceRunner

# (path, query parameters, request headers lower-cased) -> (status, response headers, body)
Respond = Callable[[str, dict[str, str], dict[str, str]], tuple[int, dict[str, str], bytes]]


@contextmanager
def serving(respond: Respond) -> Iterator[int]:
    """Run a server in a thread for the `with` block; yields its port. A POST is answered as a
    GET of its path would be (its body is read and not looked at)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.do_GET()

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            params = {key: values[0] for key, values in parse_qs(url.query).items()}
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, extra, body = respond(url.path, params, headers)
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


async def take(batches: AsyncIterator[Batch], count: int) -> list[Batch]:
    """The first `count` batches of a running source; then the source is closed."""
    try:
        return [await anext(batches) for _ in range(count)]
    finally:
        await batches.aclose()  # type: ignore[attr-defined]


class Collected:
    """What a source runner delivered, as the live feed would receive it."""

    def __init__(self) -> None:
        self.batches: list[Batch] = []

    def __call__(self, _source_id: str, batch: Batch) -> None:
        self.batches.append(batch)

    @property
    def ids(self) -> list[str]:
        return [mention.native_id for batch in self.batches for mention in batch.mentions]

    @property
    def texts(self) -> list[str]:
        return [mention.text for batch in self.batches for mention in batch.mentions]

    @property
    def quarantined(self) -> list[tuple[bytes, str]]:
        return [item for batch in self.batches for item in batch.quarantined]


async def until(condition: Callable[[], bool], seconds: float = 8.0) -> None:
    """Wait for `condition`, failing the test after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        await asyncio.sleep(0.01)


async def poll_until_caught_up(
    source: Poller[RecentCursor], cursor: str | None, polls: int = 50
) -> tuple[list[str], RecentCursor]:
    """Poll `source` from `cursor` until a poll brings nothing and leaves no gap: the ids delivered."""
    state = source.load(cursor)
    ids: list[str] = []
    async with http_client() as client:
        for _ in range(polls):
            batch, state, _ = await source.poll(client, state)
            ids += [mention.native_id for mention in batch.mentions]
            if not batch.mentions and not state.gaps:
                return ids, state
    raise AssertionError(f"not caught up after {polls} polls")


# How a page can be at fault, and what the source's health then says: an error page, a body cut
# short (three times over: quarantined once all the same), a body over the size a page may have.
FAULTS = {
    "error": "answered 502",
    "truncated": "127.0.0.1 answered no JSON (",
    "oversized": "127.0.0.1 answered more than the 10,485,760 bytes a page may have; refused",
}


def faulty(fault: str, page: bytes) -> list[tuple[int, bytes]]:
    """The answers (status, body) a server gives, one a request, for a page at `fault` before it
    answers `page` as it is."""
    if fault == "error":
        return [(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>")]
    if fault == "truncated":
        return [(200, page[: len(page) // 2])] * 3
    return [(200, page[:-1] + b" " * MAX_ANSWER_BYTES + page[-1:])]


async def loses_nothing(source: Source, cursor: str | None, ids: list[str], page_one: int, fault: str) -> None:
    """Run `source` from `cursor` under a runner while a server answers its second page `faulty`:
    the `page_one` newest of `ids` arrive at once, then, once the fault is over, all of `ids`
    (nothing lost, nothing twice); the health's first reason names the fault, and an unreadable
    answer is quarantined once, with that reason."""
    collected, reasons = Collected(), list[str]()
    runner = SourceRunner(source, cursor, collected, base_delay=0.05)
    task = asyncio.create_task(runner.run_forever())

    def arrived() -> bool:
        if (health := runner.health()).reason and health.reason not in reasons:
            reasons.append(health.reason)
        return len(collected.ids) >= len(ids)

    try:
        await until(arrived)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert [mention.native_id for mention in collected.batches[0].mentions] == ids[-page_one:]
    assert sorted(collected.ids) == sorted(ids)
    assert FAULTS[fault] in reasons[0]
    assert len(collected.quarantined) == (fault == "truncated")
    assert all(reason == reasons[0] for _, reason in collected.quarantined)


def journal_batches(journal: Journal, runbooks: RunbookSet, batches: Iterable[Batch]) -> None:
    """Pass `batches` through a session's pipeline into `journal`, as the war room would."""
    handover = Handover()
    session = Session(journal, runbooks, ManualClock(datetime.now(UTC)), handover, "anna")
    for batch in batches:
        handover.give(batch)
        session.pipeline.poll()
