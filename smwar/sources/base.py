"""What every source is: an async producer of batches of mentions that can resume from a cursor.

A source knows one network's API and nothing of backing off, health or the journal: the
runner (`sources/runner.py`) restarts it after a failure, from the cursor of the last batch
the journal kept. A source raises `SourceError` for a failure to back off from, with the
server's `Retry-After` when it gave one; an item it cannot read goes into the batch's
`quarantined` with its raw bytes and the reason, and the source carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ValidationError

from smwar.model import Mention, Revision
from smwar.sources.settings import SourceSettings

if TYPE_CHECKING:
    import httpx

State = TypeVar("State")
Model = TypeVar("Model", bound=BaseModel)
MAX_ITEM_BYTES = 256 * 1024  # a single post larger than this is not a post
SHOWN_UNREADABLE = 5  # unreadable items a command shows, with why (the journal keeps every one)
USER_AGENT = "smwar (social-media war room; +https://pypi.org/project/smwar/)"


@dataclass(frozen=True, slots=True)
class Batch:
    mentions: list[Mention] = field(default_factory=list)
    quarantined: list[tuple[bytes, str]] = field(default_factory=list)  # (raw bytes, why)
    cursor: str | None = None  # where to resume after this batch; None: where it was
    revisions: list[Revision] = field(default_factory=list)  # posts (of this batch or before) edited or deleted
    waiting: str | None = None  # what the source waits for before it can bring anything: a file not there yet


class SourceError(Exception):
    """A failure the runner backs off from. `retry_after`: seconds the server asked for."""

    def __init__(self, message: str, retry_after: float | None = None, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.fatal = fatal  # e.g. a rejected token: retrying soon will not help


class Source(Protocol):
    id: str
    network: str

    def run(self, cursor: str | None) -> AsyncIterator[Batch]:
        """Batches as they come, forever (a poller sleeps between polls, a stream waits)."""
        ...


@runtime_checkable
class SelfChecking(Protocol):
    """A source that can tell what its credentials and its server lack, for `sources test`."""

    async def shortfalls(self) -> list[str]:
        """What is missing for what the source reads, a line each (none: nothing is)."""
        ...


SERVER_SAID = 160  # characters of an error answer's body quoted in the reason


def http_client(timeout: float = 20.0, **options: Any) -> httpx.AsyncClient:
    import httpx  # the journal reads `Batch` and the runner's health without the HTTP stack

    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=10.0),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
        **options,
    )


def check(response: httpx.Response, *, auth_hint: str = "") -> httpx.Response:
    """`response` if it succeeded; else a `SourceError` that says why, with Retry-After."""
    if response.is_success or response.status_code == 304:
        return response
    status = response.status_code
    where = f"{response.request.method} {response.request.url.host}{response.request.url.path}"
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if status == 429:
        raise SourceError(f"rate limited by {where} (429)", retry_after or 60.0)
    if status in (401, 403):
        hint = f"; {auth_hint}" if auth_hint else ""
        raise SourceError(f"{where} refused access ({status}){hint}", retry_after, fatal=True)
    said = _said(response)
    raise SourceError(f"{where} answered {status} {response.reason_phrase}{': ' + said if said else ''}", retry_after)


def _said(response: httpx.Response) -> str:
    """The start of what the server said with an error, on one line ("" for a stream not read)."""
    import httpx

    try:
        return " ".join(response.text.split())[:SERVER_SAID]
    except httpx.ResponseNotRead:
        return ""


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds from now."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


class Rejections:
    """Answers a source could not read: the first of a kind is quarantined with its bytes; the
    very same answer again (a maintenance page, say) is a failure to back off from, not a pile
    of copies in the quarantine."""

    def __init__(self) -> None:
        self._seen: deque[str] = deque(maxlen=64)

    def quarantine(self, body: bytes, why: str) -> list[tuple[bytes, str]]:
        digest = hashlib.sha256(body).hexdigest()
        if digest in self._seen:
            raise SourceError(f"{why} (the same answer again)")
        self._seen.append(digest)
        return [(body[:MAX_ITEM_BYTES], why)]


def parsed(model: type[Model], raw: object, what: str) -> Model:
    """`raw` as `model`; a `ValueError` naming the first field that is wrong, for quarantine."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or what
        raise ValueError(f"{where}: {first['msg'].removeprefix('Value error, ')}") from None


def read_items(
    raw_items: list[bytes], parse: Callable[[dict[str, Any]], Mention | None]
) -> tuple[list[Mention], list[tuple[bytes, str]]]:
    """Parse each raw JSON item; what cannot be read is quarantined with the reason.

    `parse` returns None for an item that is fine but not a mention (a like, a deletion)."""
    mentions: list[Mention] = []
    quarantined: list[tuple[bytes, str]] = []
    for raw in raw_items:
        if len(raw) > MAX_ITEM_BYTES:
            quarantined.append((raw[:MAX_ITEM_BYTES], f"item of {len(raw):,} bytes is too large"))
            continue
        try:
            item = json.loads(raw)
            if not isinstance(item, dict):
                raise TypeError(f"expected a JSON object, got {type(item).__name__}")
            mention = parse(item)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            quarantined.append((raw, f"{type(exc).__name__}: {exc}"[:300]))
            continue
        if mention is not None:
            mentions.append(mention)
    return mentions, quarantined


class Poller(Generic[State]):
    """A source that asks its network every `poll_seconds`. A subclass says how its cursor is
    read (`load`) and how one poll goes (`poll`: the batch, the state after it, and how long the
    server asked to wait before the next request, if longer than usual)."""

    network: str

    def __init__(self, settings: SourceSettings, client: httpx.AsyncClient | None = None) -> None:
        self.id = settings.id
        self.settings = settings
        self._client = client  # None: one of its own for each run

    def load(self, cursor: str | None) -> State:
        raise NotImplementedError

    async def poll(self, client: httpx.AsyncClient, state: State) -> tuple[Batch, State, float]:
        raise NotImplementedError

    async def run(self, cursor: str | None) -> AsyncIterator[Batch]:
        state = self.load(cursor)
        async with contextlib.AsyncExitStack() as stack:
            client = self._client if self._client is not None else await stack.enter_async_context(http_client())
            while True:
                batch, state, wait = await self.poll(client, state)
                yield batch
                await asyncio.sleep(max(self.settings.poll_seconds, wait))
