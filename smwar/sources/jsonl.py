"""Mentions as JSON Lines: one object per line, as automations and exports write them.

Only `text` is required; unknown keys are ignored so that files from other tools (or a
labelled corpus with an `expect` key) can be read as they are. A `network` must be one smwar
knows (`known_network`), as a drill's injects must: it is shown and matched on as it is.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import stat
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from smwar.errors import InputError
from smwar.model import Mention, known_network
from smwar.sources.base import MAX_ITEM_BYTES, Batch, SourceError, parsed
from smwar.sources.settings import JsonlSettings

NETWORK = "jsonl"
CHUNK_BYTES = 1 << 20  # a big file is read in batches of about this size
STDIN_LINES = 2000  # a pipe is read in batches of this many lines


class MentionRecord(BaseModel):
    """A mention as other tools write it: only `text` is required."""

    model_config = ConfigDict(extra="ignore")

    text: str = Field(max_length=100_000)
    network: str | None = None
    id: str | int | None = None
    author: str = ""
    author_name: str | None = None
    posted_at: datetime | None = None
    lang: str | None = None
    followers: int | None = Field(None, ge=0)
    url: str | None = None
    reply_to: str | None = None
    quote_of: str | None = None

    @field_validator("network")
    @classmethod
    def _known(cls, network: str | None) -> str | None:
        return known_network(network) if network else network  # none: the source's own


def mention_from(raw: object, now: datetime, unnamed: str, network: str = NETWORK) -> Mention:
    """A mention from one decoded JSON value; `ValueError` says what is wrong with it.
    An item without an `id` is known as `unnamed`; one without a `network` comes from `network`."""
    if not isinstance(raw, dict):
        raise ValueError("expected a JSON object")
    record = parsed(MentionRecord, raw, "object")
    posted = record.posted_at or now
    return Mention(
        network=record.network or network,
        native_id=str(record.id) if record.id is not None else unnamed,
        author=record.author,
        text=record.text,
        posted_at=posted if posted.tzinfo else posted.replace(tzinfo=UTC),
        lang=record.lang,
        followers=record.followers,
        url=record.url,
        author_name=record.author_name,
        reply_to=record.reply_to,
        quote_of=record.quote_of,
    )


def content_id(raw: bytes) -> str:
    """The id of an item that brought none: its content, so reading it twice adds it once."""
    return "sha256:" + hashlib.sha256(raw.strip()).hexdigest()[:32]


def parse_line(path: Path, number: int, line: str, now: datetime) -> tuple[Mention, dict[str, Any]]:
    """One JSONL line as a mention and the raw object; `InputError` names `file:line`."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(path, number, f"not JSON: {exc.msg}") from None
    try:
        return mention_from(raw, now, f"{path.name}:{number}"), raw
    except ValueError as exc:
        raise InputError(path, number, str(exc)) from None


def read_jsonl(
    path: Path, now: datetime, on_error: Callable[[InputError], None] | None = None
) -> Iterator[tuple[int, Mention, dict[str, Any]]]:
    """Every non-blank line of a file: (line number, mention, raw object).

    A line that cannot be read raises `InputError`, or, given `on_error`, is handed to it
    and skipped so that the rest of the file is still read.
    """
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                line = _decode(path, number, raw)
                if line.strip():
                    yield number, *parse_line(path, number, line, now)
            except InputError as error:
                if on_error is None:
                    raise
                on_error(error)


def _decode(path: Path, number: int, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(path, number, f"not UTF-8 text (byte {exc.start + 1} of the line)") from None


class JsonlSource:
    """Reads whole lines as they are appended; the cursor is the byte offset after the last
    whole line read, so a restart goes on from there (a file that shrank is read anew). A file
    not there yet is waited for, and said to be."""

    network = NETWORK

    def __init__(self, settings: JsonlSettings) -> None:
        self.id = settings.id
        self.settings = settings

    async def run(self, cursor: str | None) -> AsyncIterator[Batch]:
        if self.settings.path == "-":
            async for batch in self._stdin():
                yield batch
            return
        path = Path(self.settings.path).expanduser()
        offset = int(cursor) if cursor and cursor.isdigit() else 0
        missing: bool | None = None  # not looked yet: the first look says which, a file read to its end is live
        while True:
            found = _size(path)
            if (found is None) != missing:  # gone, or there at last: the status says which
                missing = found is None
                yield Batch(waiting=f"{path} (no such file yet)" if missing else None)
            size = found or 0
            if size < offset:
                offset = 0  # replaced or truncated: read it anew (what was seen is deduplicated)
            while size > offset:
                with path.open("rb") as file:
                    file.seek(offset)
                    chunk = file.read(min(size - offset, CHUNK_BYTES))
                whole = chunk[: chunk.rfind(b"\n") + 1]
                if whole:
                    offset += len(whole)
                    yield self._batch(whole.splitlines(), str(offset))
                    await asyncio.sleep(0)  # a big file must not hold up the other sources
                    continue
                if len(chunk) < CHUNK_BYTES:
                    break  # a half-written last line waits for its end
                with path.open("rb") as file:  # one line longer than a batch: no post is that long
                    file.seek(offset)
                    huge = file.readline()
                if not huge.endswith(b"\n"):
                    break
                offset += len(huge)
                yield Batch(
                    quarantined=[(huge[:MAX_ITEM_BYTES], f"line of {len(huge):,} bytes is too long")],
                    cursor=str(offset),
                )
            if not self.settings.follow:
                if size > offset:  # read once, to the end: a last line without its newline counts too
                    with path.open("rb") as file:
                        file.seek(offset)
                        rest = file.read()
                    yield self._batch([rest], str(offset + len(rest)))
                return
            await asyncio.sleep(self.settings.poll_seconds)

    async def _stdin(self) -> AsyncIterator[Batch]:
        """Standard input to its end, in batches of lines (a pipe has no cursor to resume)."""
        loop = asyncio.get_running_loop()
        while lines := await loop.run_in_executor(None, _read_lines, sys.stdin.buffer, STDIN_LINES):
            yield self._batch(lines, None)

    def _batch(self, lines: list[bytes], cursor: str | None) -> Batch:
        mentions: list[Mention] = []
        quarantined: list[tuple[bytes, str]] = []
        now = datetime.now(UTC)
        for raw in lines:
            if not raw.strip():
                continue
            try:
                mentions.append(mention_from(json.loads(raw), now, content_id(raw)))
            except UnicodeDecodeError:
                quarantined.append((raw, "not UTF-8 text"))
            except (ValueError, RecursionError) as exc:  # bad JSON (or nested past reason), not a mention
                quarantined.append((raw, str(exc)))
        return Batch(mentions, quarantined, cursor)


def _size(path: Path) -> int | None:
    """The size of the file at `path`; None while there is none."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(found.st_mode):
        raise SourceError(f"{path} is a directory, not a file", fatal=True)
    return found.st_size


def _read_lines(stream: IO[bytes], most: int) -> list[bytes]:
    lines: list[bytes] = []
    while len(lines) < most and (line := stream.readline()):
        lines.append(line)
    return lines
