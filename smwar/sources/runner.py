"""Keep one source running through a storm: back off with jitter, respect the server's
Retry-After, resume from the cursor, and say at every moment how the source is doing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import ssl
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from smwar.sources.base import Batch, Source, SourceError

BASE_DELAY = 1.0
MAX_DELAY = 300.0
FAILING_AFTER = 5  # consecutive failures before a source counts as failing, not just backing off
FATAL_DELAY = 600.0  # a refused token: try again in ten minutes (the operator may fix it meanwhile)
RATE_WINDOW = 300.0  # seconds over which the rate is measured…
RATE_FIRST = 30.0  # …or, as it starts, over the time it ran, once it ran this long
STOP_TRY_SECONDS = 0.1  # how long a stopped source is given to end before it is told again

Deliver = Callable[[str, Batch], None]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Health:
    source_id: str
    network: str
    state: str  # starting | live | waiting | backing off | failing | paused
    reason: str | None = None  # why it is backing off or failing; what it is waiting for
    until: datetime | None = None  # when the next try is due, while backing off or failing
    mentions: int = 0
    quarantined: int = 0
    per_minute: float = 0.0
    refused: int = 0  # requests a push source turned away (unsigned, too large)


class SourceRunner:
    def __init__(
        self,
        source: Source,
        cursor: str | None,
        deliver: Deliver,
        *,
        rng: random.Random | None = None,
        base_delay: float = BASE_DELAY,
        max_delay: float = MAX_DELAY,
    ) -> None:
        self.source = source
        self.cursor = cursor
        self._deliver = deliver
        self._rng = rng or random.Random()
        self._base, self._max = base_delay, max_delay
        self._failures = 0
        self._state = "starting"
        self._reason: str | None = None
        self._until: datetime | None = None
        self._mentions = 0
        self.quarantined = 0  # items the source could not read, counted since the journal began
        self._arrivals: deque[tuple[float, int]] = deque()
        self._started = time.monotonic()
        self._running = asyncio.Event()
        self._running.set()
        self._paused = asyncio.Event()
        self._wake = asyncio.Event()

    def health(self) -> Health:
        """A snapshot; safe to take from another thread (it changes nothing)."""
        now = time.monotonic()
        recent = sum(count for at, count in list(self._arrivals) if now - at <= RATE_WINDOW)
        measured = min(RATE_WINDOW, max(RATE_FIRST, now - self._started))  # not five minutes of a first one
        state = "paused" if not self._running.is_set() else self._state
        return Health(
            self.source.id,
            self.source.network,
            state,
            self._reason,
            self._until,
            self._mentions,
            self.quarantined,
            recent / (measured / 60),
            getattr(self.source, "refused", 0),
        )

    def pause(self) -> None:
        self._running.clear()
        self._paused.set()
        self._wake.set()

    def resume(self) -> None:
        self._running.set()
        self._paused.clear()
        self._wake.set()

    async def run_forever(self) -> None:
        while True:
            await self._running.wait()
            try:
                await self._consume_until_paused()
            except asyncio.CancelledError:
                raise
            except SourceError as exc:
                self._log_failure(str(exc))
                await self._back_off(str(exc), exc.retry_after, exc.fatal)
            except Exception as exc:  # a network's fault or a connector's: shown, backed off, never silent
                reason = describe(exc)
                self._log_failure(reason, exc)
                await self._back_off(reason, None, False)
            else:  # a stream that ended cleanly: reconnect from where it left off, after a breath
                if self._running.is_set():
                    await asyncio.sleep(self._base)

    async def _consume_until_paused(self) -> None:
        """Run the source until it ends, fails or is paused. A pause stops it at once, wherever
        it is: what it fetched and did not hand over yet is fetched again from the cursor on
        resume, so nothing arrives from a paused source and nothing is lost."""
        consuming = asyncio.ensure_future(self._consume())
        paused = asyncio.ensure_future(self._paused.wait())
        try:
            await asyncio.wait({consuming, paused}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            paused.cancel()
            while not consuming.done():  # asked again: a source's HTTP library may hold a cancellation back
                consuming.cancel()
                await asyncio.wait({consuming}, timeout=STOP_TRY_SECONDS)
        failure = None if consuming.cancelled() else consuming.exception()
        if failure is not None:  # the source's own: the runner backs off from it
            raise failure

    async def _consume(self) -> None:
        async for batch in self.source.run(self.cursor):
            self._deliver(self.source.id, batch)
            if batch.cursor is not None:
                self.cursor = batch.cursor
            self._mentions += len(batch.mentions)
            self.quarantined += len(batch.quarantined)
            if batch.mentions:
                now = time.monotonic()
                self._arrivals.append((now, len(batch.mentions)))
                while now - self._arrivals[0][0] > RATE_WINDOW:
                    self._arrivals.popleft()
            self._failures = 0
            self._state, self._reason, self._until = ("waiting" if batch.waiting else "live"), batch.waiting, None

    def _log_failure(self, reason: str, error: Exception | None = None) -> None:
        """Log a failure (an unforeseen one with its traceback) once, not again on every retry
        while the source fails for the same reason."""
        if reason != self._reason:
            log.warning("source %s failed: %s", self.source.id, reason, exc_info=error)

    async def _back_off(self, reason: str, retry_after: float | None, fatal: bool) -> None:
        self._failures += 1
        delay = FATAL_DELAY if fatal else min(self._max, self._base * 2 ** (self._failures - 1))
        delay *= self._rng.uniform(0.5, 1.0)  # jitter: sources that failed together do not retry together
        if retry_after is not None:
            delay = max(delay, retry_after)
        failing = fatal or self._failures >= FAILING_AFTER
        self._state = "failing" if failing else "backing off"
        self._reason = reason
        self._until = datetime.now(UTC) + timedelta(seconds=delay)
        self._wake.clear()
        with contextlib.suppress(TimeoutError):  # resume() cuts the wait short
            await asyncio.wait_for(self._wake.wait(), timeout=delay)


def describe(exc: BaseException) -> str:
    """A failure in words for the status bar and `smwar sources test`: what failed, where, and
    the cause underneath (DNS, a refused connection, TLS, a timeout) — never an empty reason."""
    import httpx  # the journal reads `Health` from here without the HTTP stack

    if isinstance(exc, SourceError):
        return str(exc)
    host = _host(exc)
    at = f" ({host})" if host else ""
    causes = list(_chain(exc))
    if isinstance(exc, httpx.TimeoutException) or any(isinstance(cause, TimeoutError) for cause in causes):
        phase = {"ConnectTimeout": "connecting", "ReadTimeout": "waiting for the answer"}.get(type(exc).__name__, "")
        return f"timed out{' ' + phase if phase else ''}{at}"
    if any(isinstance(cause, socket.gaierror) for cause in causes) or _said(causes, "name or service not known"):
        return f"DNS: cannot find {host or 'the host'}"
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes) or _said(causes, "connection refused"):
        return f"connection refused{at}"
    if any(isinstance(cause, ssl.SSLError) for cause in causes):
        tls = next(cause for cause in causes if isinstance(cause, ssl.SSLError))
        return f"TLS failed{at}: {getattr(tls, 'reason', None) or tls}"
    if isinstance(exc, httpx.HTTPError | OSError):
        reason = next((str(cause) for cause in causes if str(cause)), type(exc).__name__)
        return f"network error{at}: {reason}"
    if isinstance(exc, ValueError):
        return f"unreadable answer: {exc}"
    return f"failed: {type(exc).__name__}: {exc}"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what caused it, down to the socket's error (httpx wraps httpcore's, which wraps the OS's)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _said(causes: list[BaseException], words: str) -> bool:
    return any(words in str(cause).casefold() for cause in causes)


def _host(exc: BaseException) -> str:
    import httpx

    try:
        return exc.request.url.host if isinstance(exc, httpx.RequestError) else ""
    except RuntimeError:  # an error raised without its request
        return ""
