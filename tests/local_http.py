"""What the sources' tests share: a real HTTP server on 127.0.0.1 answering requests as a
test says, a collector of what a source runner delivers, and polling a source until it has
caught up."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from smwar.sources.base import Batch, Poller, http_client
from smwar.sources.recent import RecentCursor

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
