"""The post-mortem as data for other tools: CSV (mentions and events, one file each, in a zip)
and JSON (everything). Mentions are streamed row by row, so memory does not grow with them."""

from __future__ import annotations

import csv
import itertools
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from smwar.clock import to_iso
from smwar.journal.reading import MentionRow
from smwar.plaintext import printable
from smwar.review.pseudonym import Pseudonyms
from smwar.review.report import Review

MENTION_FIELDS = list(MentionRow._fields)
CHUNK = 2000  # mentions encoded at once: fast, and a bounded piece of memory
EVENT_FIELDS = ["at", "actor", "kind", "text"]


def shared(rows: Iterable[tuple[object, ...]], names: Pseudonyms | None) -> Iterable[tuple[object, ...]]:
    """Mention rows as exported: as they are, or with `names` their authors and ids
    pseudonymised and their links and display names dropped."""
    if names is None:
        return rows
    return (
        MentionRow._make(row)._replace(
            native_id=names.post(str(row[2])),
            author=names.author(str(row[3])),
            author_name=None,
            text=names.text(str(row[7])),
            url=None,
        )
        for row in rows
    )


def write_csv_zip(review: Review, rows: Iterable[tuple[object, ...]], path: Path, names: Pseudonyms | None) -> None:
    """`mentions.csv` and `events.csv` in the zip at `path`."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        _csv(archive, "mentions.csv", MENTION_FIELDS, shared(rows, names))
        _csv(archive, "events.csv", EVENT_FIELDS, ((to_iso(e.at), e.actor, e.kind, e.text) for e in review.timeline))


def _csv(archive: zipfile.ZipFile, name: str, header: list[str], rows: Iterable[Iterable[object]]) -> None:
    """Rows as CSV into the archive, encoded a chunk at a time (per row is much slower)."""
    lines: list[str] = []
    writer = csv.writer(_Lines(lines))
    with archive.open(name, "w", force_zip64=True) as raw:
        writer.writerow(header)
        for chunk in _chunks(rows, CHUNK):
            writer.writerows([tuple(map(_cell, row)) for row in chunk])
            raw.write("".join(lines).encode("utf-8"))
            lines.clear()
        raw.write("".join(lines).encode("utf-8"))


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


def write_json(review: Review, rows: Iterable[tuple[object, ...]], out: TextIO, names: Pseudonyms | None) -> None:
    """One JSON object: the incident, its figures, timeline, replies, lessons and volume, then
    every mention as an array in the order of `mention_fields` (streamed, in chunks). Text is
    kept exactly, every character past ASCII escaped, so no control or bidi character is in
    the file itself."""
    head = summary(review) | {"mention_fields": MENTION_FIELDS}
    out.write(json.dumps(head, indent=1)[:-2])  # leave the object open…
    out.write(',\n "mentions": [')
    separator = "\n  "
    for chunk in _chunks(shared(rows, names), CHUNK):
        out.write(separator)
        out.write(json.dumps(chunk)[1:-1])
        separator = ",\n  "
    out.write("\n ]\n}\n")  # …and close it after the mentions


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
