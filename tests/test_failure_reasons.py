"""A failing source says why, in words an operator can act on: a refused connection, a TLS
failure, a timeout, the server's status and message — never "network error:" with nothing
after it. Each is a real failure against a real socket on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from smwar.sources.base import SourceError, check, http_client
from smwar.sources.runner import describe

from .local_http import serving


async def failure(url: str, timeout: float = 5.0) -> str:
    async with http_client(timeout) as client:
        try:
            check(await client.get(url))
        except (httpx.HTTPError, OSError, SourceError) as exc:
            return describe(exc)
    raise AssertionError("it did not fail")


@contextmanager
def silent_server(answer: bytes = b"") -> Iterator[int]:
    """A TCP server that accepts and sends `answer` (or nothing) and never more."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            held.append(connection)
            if answer:
                connection.sendall(answer)

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        for connection in held:
            connection.close()


async def test_a_refused_connection_says_so_and_where() -> None:
    with socket.create_server(("127.0.0.1", 0)) as free:
        port = free.getsockname()[1]  # closed when the block ends: nobody listens there
    assert await failure(f"http://127.0.0.1:{port}/feed") == "connection refused (127.0.0.1)"


async def test_a_server_that_never_answers_times_out_waiting_for_the_answer() -> None:
    with silent_server() as port:
        assert await failure(f"http://127.0.0.1:{port}/feed", timeout=0.5) == (
            "timed out waiting for the answer (127.0.0.1)"
        )


async def test_tls_to_a_plain_server_says_tls_failed() -> None:
    with silent_server(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n") as port:
        reason = await failure(f"https://127.0.0.1:{port}/feed")
    assert reason.startswith("TLS failed (127.0.0.1): ") and len(reason) > len("TLS failed (127.0.0.1): ")


MAINTENANCE = b"<h1>Maintenance</h1>\n<p>Back at 10:00 UTC</p>"


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [
        (503, MAINTENANCE, "answered 503 Service Unavailable: <h1>Maintenance</h1> <p>Back at 10:00 UTC</p>"),
        (500, b"", "answered 500 Internal Server Error"),
    ],
)
async def test_an_error_answer_names_its_status_and_what_the_server_said(status: int, body: bytes, said: str) -> None:
    with serving(lambda path, params, headers: (status, {}, body)) as port:
        reason = await failure(f"http://127.0.0.1:{port}/feed")
    assert reason == f"GET 127.0.0.1/feed {said}"
