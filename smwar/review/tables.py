"""The post-mortem as data for other tools: CSV (mentions and events, one file each, in a zip)
and JSON (everything). Mentions are streamed a chunk at a time, so memory does not grow with
them. A SQLite journal formats them as they are read (`sqlrows`); a row with a value to
neutralise, and every row of a pseudonymised export, is written value by value by the rules
here. A PostgreSQL journal's rows are formatted here, into the same bytes as SQLite's: a
journal's export does not change when it moves to the other backend."""

from __future__ import annotations

import csv
import itertools
import json
import re
import stat
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from isal import isal_zlib
from stream_zip import ZIP_64, Method, stream_zip

from smwar.clock import to_iso
from smwar.journal.reading import CHUNK, JournalReader, MentionRow, Reading, Span
from smwar.plaintext import printable, printable_name
from smwar.review import sqlrows
from smwar.review.pseudonym import Pseudonyms
from smwar.review.report import Review

MENTION_FIELDS = list(MentionRow._fields)
EVENT_FIELDS = ["at", "actor", "kind", "text"]
_JSON_ROWS = b",\n  "
READERS = 2  # threads reading and formatting chunks of mentions at once
_T = TypeVar("_T")
_R = TypeVar("_R")


def shared(rows: Iterable[tuple[object, ...]], names: Pseudonyms) -> Iterator[tuple[object, ...]]:
    """Mention rows with their authors and ids pseudonymised and their links and display names
    dropped (in the text as first seen and as last edited alike)."""
    return (
        (mention := MentionRow._make(row))._replace(
            native_id=names.post(mention.native_id),
            author=names.author(mention.author),
            author_name=None,
            text=names.text(mention.text),
            url=None,
            revised_text=names.text(mention.revised_text) if mention.revised_text is not None else None,
        )
        for row in rows
    )


def write_csv_zip(
    review: Callable[[], Review], reader: Reading, span: Span, path: Path, names: Pseudonyms | None
) -> None:
    """`mentions.csv` and `events.csv` in the zip at `path`, streamed (Zip64, both deflated by
    ISA-L: about four times as fast as zlib's fastest level, and a little smaller). `review` is
    asked for only once the mentions are written: it may still be being read beside them."""
    members = (
        _member("mentions.csv", itertools.chain([_csv_lines([MENTION_FIELDS])], _mentions(reader, span, names, _CSV))),
        _member("events.csv", _events(review)),
    )
    with path.open("wb") as out:
        for piece in stream_zip(members, chunk_size=_ZIP_PIECE, get_compressobj=_deflater, extended_timestamps=False):
            out.write(piece)


_ZIP_PIECE = 2**20  # bytes of the zip written at once
_ZIP_TIME = datetime(1980, 1, 1)  # the zip format's first day: the same bytes for the same export
_ZIP_MODE = stat.S_IFREG | 0o600


def _member(name: str, data: Iterable[bytes]) -> tuple[str, datetime, int, Method, Iterable[bytes]]:
    return name, _ZIP_TIME, _ZIP_MODE, ZIP_64, data


def _deflater() -> isal_zlib.Compress:
    """What deflates a file of the zip: a raw deflate stream, at ISA-L's level 1 (of 0 to 3)."""
    return isal_zlib.compressobj(1, isal_zlib.DEFLATED, -isal_zlib.MAX_WBITS)


def _events(review: Callable[[], Review]) -> Iterator[bytes]:
    yield _csv_lines([EVENT_FIELDS, *((to_iso(e.at), e.actor, e.kind, e.text) for e in review().timeline)])


def _in_order(pool: ThreadPoolExecutor, work: Callable[[_T], _R], items: Iterable[_T], ahead: int) -> Iterator[_R]:
    """`work` done on each of `items` by `pool`, its results in the order of `items`, at most
    `ahead` of them waiting at once (besides the one being taken)."""
    pending: deque[Future[_R]] = deque()
    for item in items:
        pending.append(pool.submit(work, item))
        if len(pending) > ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _mentions(reader: Reading, span: Span, names: Pseudonyms | None, written: _Format) -> Iterator[bytes]:
    """The incident's mentions a chunk at a time: as SQLite formats them on the read (or, from
    another backend, as it would), or, to pseudonymise them, value by value."""
    if names is not None:
        return map(written.value_by_value, _chunks(shared(reader.rows(span), names), CHUNK))
    if isinstance(reader, JournalReader):
        return _read_apart(reader, span, written)
    return map(written.as_sqlite, reader.groups(span, CHUNK))


def _read_apart(reader: JournalReader, span: Span, written: _Format) -> Iterator[bytes]:
    """The chunks as SQLite formats them, each read and made whole by one of `READERS` threads
    with a reader of its own: SQLite lets go of the interpreter while it reads and formats, so
    one thread's read overlaps another's Python (and the writer's compression)."""
    own = threading.local()
    opened: list[JournalReader] = []

    def read(ids: range) -> bytes:
        if not hasattr(own, "reader"):
            own.reader = reader.twin()
            opened.append(own.reader)
        return _block(own.reader, span, written, ids)

    try:
        with ThreadPoolExecutor(max_workers=READERS) as pool:
            yield from filter(None, _in_order(pool, read, reader.blocks(span, CHUNK), ahead=READERS + 1))
    finally:
        for each in opened:
            each.close()


def _block(reader: JournalReader, span: Span, written: _Format, ids: range) -> bytes:
    """The incident's mentions with `ids`, written: joined by SQLite if every row is as the
    rules write it value by value, else row by row, those that are not written value by value.
    Mentions linked by hand are merged in by the second way: they are few."""
    if not any(mention_id in ids for mention_id in span.linked):
        joined, left_out = reader.joined(span, written.sql, written.separator, ids)
        if not left_out and written.as_written(joined):
            return written.finished(joined)
    rows = reader.chunk(span, written.sql, ids)
    if not rows:
        return b""
    mention_ids, lines = zip(*rows, strict=True)
    changed = written.to_change(lines)
    fixed = dict(zip(changed, reader.rows_of(span, [mention_ids[index] for index in changed]), strict=True))
    return written.finished(
        written.separator.join(
            written.value_by_value([fixed[index]]) if index in fixed else line for index, line in enumerate(lines)
        )
    )


def _csv_lines(rows: Iterable[Sequence[object]]) -> bytes:
    """Rows as CSV, each value through `_cell`."""
    lines: list[str] = []
    csv.writer(_Lines(lines)).writerows(map(_cells, rows))
    return "".join(lines).encode()


def _mention_lines(rows: Iterable[tuple[object, ...]]) -> bytes:
    """Mention rows as CSV, as `_csv_lines` writes rows, with their handles, names and links
    made printable as names are: an invisible character there shows."""
    return _csv_lines(
        [
            mention._replace(
                **{field: printable_name(value) for field in sqlrows.NAMES if (value := getattr(mention, field))}
            )
            for mention in map(MentionRow._make, rows)
        ]
    )


def _cells(row: Sequence[object]) -> Sequence[object]:
    """Each value of `row` through `_cell`; the row as it is if its texts, joined by spaces and
    looked at together, show that `_cell` leaves every one as it is (most rows, in half the
    time). They do when all are printable, none begins with "=" and none holds what a formula
    needs after its "+", "-" or "@"."""
    texts = " ".join([value for value in row if isinstance(value, str)])
    plain = texts.isprintable() and texts[:1] != "=" and " =" not in texts  # a space joins them
    if plain and "(" not in texts and "|" not in texts and "!" not in texts:
        return row
    return tuple(map(_cell, row))


_FORMULA = re.compile(r"=|[+\-@\t\r].*[(|!]", re.DOTALL)
_FORMULA_START = frozenset("=+-@\t\r")  # what `_FORMULA` can begin with: a cheap test before it


def _cell(value: object) -> object:
    """A cell as it is safe to open: printable (a CSV is also read with `cat`), and a text a
    spreadsheet would run as a formula ("=HYPERLINK(…)", "@SUM(…)", "+cmd|…") kept as text by a
    leading apostrophe. A handle ("@kai@social.example") or "-1 star" stays as it is."""
    if not isinstance(value, str):
        return value
    text = printable(value, keep_newlines=True)
    return "'" + text if text[:1] in _FORMULA_START and _FORMULA.match(text) else text


class _Lines:
    """A file for `csv.writer` that only collects what it writes."""

    def __init__(self, lines: list[str]) -> None:
        self.write = lines.append


def write_json(review: Review, reader: Reading, span: Span, path: Path, names: Pseudonyms | None) -> None:
    """One JSON object: the incident, its figures, timeline, replies, lessons and volume, then
    every mention as an array in the order of `mention_fields` (streamed, in chunks). Text is
    kept exactly, in UTF-8; a control, bidi or line-separating character (and DEL) is escaped,
    so none is in the file itself (in a chunk with one, every character past ASCII is)."""
    head = summary(review) | {"mention_fields": MENTION_FIELDS}
    with path.open("wb") as out:
        out.write(_escaped_del(json.dumps(head, indent=1)[:-2].encode()))  # leave the object open…
        out.write(b',\n "mentions": [')
        separator = b"\n  "
        for data in _mentions(reader, span, names, _JSON):
            out.write(separator)
            out.write(_escaped_del(data))
            separator = _JSON_ROWS
        out.write(b"\n ]\n}\n")  # …and close it after the mentions


def _json_lines(rows: Iterable[tuple[object, ...]]) -> bytes:
    return _JSON_ROWS.join(json.dumps(row, separators=(",", ":")).encode() for row in rows)


def _json_as_sqlite(rows: list[tuple[Any, ...]]) -> bytes:
    """Rows as `_block` writes those SQLite formats (`sqlrows.JSON_SQL`), formatted here: UTF-8
    where SQLite's encoder writes a row, escaped where it leaves one to the rules; the whole
    piece escaped if anything in it acts on a terminal."""
    lines = (
        json.dumps(row, ensure_ascii=not sqlrows.score_as_python(row[-1]), separators=(",", ":")).encode()
        for row in rows
    )
    return sqlrows.json_block(_JSON_ROWS.join(lines))


def _escaped_del(text: bytes) -> bytes:
    """`json.dumps` leaves DEL, a control character, as it is."""
    return text.replace(b"\x7f", b"\\u007f")


class _Format(NamedTuple):
    sql: str  # what SQLite makes of a mention (`JournalReader.joined` and `.chunk`)…
    separator: bytes  # …between two of those…
    as_written: Callable[[bytes], bool]  # …whether rows so joined need no value written by the rules…
    to_change: Callable[[tuple[Any, ...]], list[int]]  # …and else which of them do…
    finished: Callable[[bytes], bytes]  # …what becomes of them once joined…
    value_by_value: Callable[[list[tuple[object, ...]]], bytes]  # …how `MentionRow`s are written…
    as_sqlite: Callable[[list[tuple[object, ...]]], bytes]  # …and how as SQLite writes them, by Python


def _nulls(lines: tuple[bytes | None, ...]) -> list[int]:
    """The rows SQLite left NULL."""
    return [index for index, line in enumerate(lines) if line is None]


def _as_is(data: bytes) -> bytes:
    return data


_CSV = _Format(sqlrows.CSV_SQL, b"", sqlrows.as_written, sqlrows.to_change, _as_is, _mention_lines, _mention_lines)
_JSON = _Format(sqlrows.JSON_SQL, _JSON_ROWS, bool, _nulls, sqlrows.json_block, _json_lines, _json_as_sqlite)


def _chunks(rows: Iterable[tuple[object, ...]], size: int) -> Iterator[list[tuple[object, ...]]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def summary(review: Review) -> dict[str, object]:
    """Everything but the mentions, as plain JSON values."""
    incident = review.incident
    metrics = review.metrics

    def seconds(delta: timedelta | None) -> float | None:
        return delta.total_seconds() if delta is not None else None

    return {
        "incident": {
            "id": incident.id,
            "scenario": incident.scenario_id,
            "title": review.title,
            "status": str(incident.status),
            "severity": review.severity,
            "trigger": incident.trigger,
            "proposed_at": to_iso(incident.proposed_at),
            "opened_at": to_iso(incident.opened_at) if incident.opened_at else None,
            "closed_at": to_iso(incident.closed_at) if incident.closed_at else None,
            "goal": incident.goal,
            "outcome": incident.outcome or incident.closed_reason,
            "roles": incident.roles,
        },
        "window": {"start": to_iso(review.start), "end": to_iso(review.end)},
        "metrics": {
            "early_warning_ahead_s": seconds(review.warned_ahead),
            "time_to_detect_s": seconds(metrics.time_to_detect),
            "time_to_open_s": seconds(metrics.time_to_open),
            "time_to_first_reply_s": seconds(review.first_reply),
            "deadlines_missed": len(metrics.missed),
            "must_answer": review.must_answer,
            "answered": review.answered,
            "mentions": review.mentions,
            "networks": review.networks,
        },
        "steps": [
            {
                "id": step.step_id,
                "title": step.title,
                "deadline_s": step.deadline.total_seconds(),
                "status": str(step.status),
                "took_s": seconds(step.took),
                "missed": step.missed,
            }
            for step in metrics.steps
        ],
        "replies": [
            {
                "at": to_iso(reply.at),
                "by": reply.actor,
                "to": reply.author,
                "network": reply.network,
                "text": reply.text,
                "simulated": reply.simulated,
                "took_s": seconds(reply.took),
                "author_before": reply.author_before,
                "author_after": reply.author_after,
                "volume_before": reply.volume_before,
                "volume_after": reply.volume_after,
            }
            for reply in review.replies
        ],
        "timeline": [{"at": to_iso(e.at), "actor": e.actor, "kind": e.kind, "text": e.text} for e in review.timeline],
        "deviations": list(review.deviations),
        "lessons": [{"at": to_iso(x.at), "by": x.actor, "text": x.text} for x in review.lessons],
        "volume": {
            "start": to_iso(review.volume.start),
            "bucket_s": review.volume.bucket.total_seconds(),
            "series": review.volume.series,
        },
    }
