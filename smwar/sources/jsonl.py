"""Mentions as JSON Lines: one object per line, as automations and exports write them.

Only `text` is required; unknown keys are ignored so that files from other tools (or a
labelled corpus with an `expect` key) can be read as they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from smwar.errors import InputError
from smwar.model import Mention

NETWORK = "jsonl"


class MentionRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    text: str = Field(max_length=100_000)
    network: str = NETWORK
    id: str | int | None = None
    author: str = ""
    posted_at: datetime | None = None
    lang: str | None = None
    followers: int | None = Field(None, ge=0)
    url: str | None = None


def parse_line(path: Path, number: int, line: str, now: datetime) -> tuple[Mention, dict[str, Any]]:
    """One JSONL line as a mention and the raw object; `InputError` names `file:line`."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(path, number, f"not JSON: {exc.msg}") from None
    if not isinstance(raw, dict):
        raise InputError(path, number, "expected a JSON object")
    try:
        record = MentionRecord.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "object"
        raise InputError(path, number, f"{where}: {first['msg']}") from None
    posted = record.posted_at or now
    mention = Mention(
        network=record.network,
        native_id=str(record.id) if record.id is not None else f"{path.name}:{number}",
        author=record.author,
        text=record.text,
        posted_at=posted if posted.tzinfo else posted.replace(tzinfo=UTC),
        lang=record.lang,
        followers=record.followers,
        url=record.url,
    )
    return mention, raw


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
