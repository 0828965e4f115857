"""Long reads of a journal for reviews and exports, on a connection of their own, so that an
export of a million mentions never holds up the feed; rows are streamed, never all loaded at
once. The reads are the same on every backend (`Reading`); a SQLite journal's reader is
`JournalReader`, a PostgreSQL journal's `smwar.journal.postgres.reading.PostgresReader`, and
each journal opens its own (`reader()`).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from smwar.clock import from_iso, to_iso
from smwar.journal.pages import SQLITE, Clause, MentionFilter
from smwar.journal.portable import marked
from smwar.model import EDITED

if TYPE_CHECKING:
    from typing import Self

    from smwar.journal.pages import Dialect

REVISED_TEXT = (  # the text of a mention's last edit; NULL if it was deleted after (or never edited)
    f"CASE WHEN m.revised = '{EDITED}' "
    "THEN (SELECT r.text FROM revisions r WHERE r.mention_id = m.id ORDER BY r.id DESC LIMIT 1) END"
)
_COLUMNS = (
    "m.id, m.network, m.native_id, m.author, m.author_name, m.followers, m.lang, m.text, m.url, "
    "m.posted_at, m.received_at, m.author_tags, m.action, m.action_rule, m.request_types, m.revised, "
    f"{REVISED_TEXT}"
)
ROW = f"{_COLUMNS}, x.score"  # a `MentionRow`, in SQL over `m`, a mention, and `x`, its match
_WITHIN = "m.received_at >= ? AND m.received_at <= ?"
SPAN = f"x.scenario_id = ? AND {_WITHIN}"
_BLOCK = (  # the scenario's matches in the span with ids in a range, in journal order
    "FROM matches x JOIN mentions m ON m.id = x.mention_id "
    f"WHERE x.scenario_id = ? AND x.mention_id >= ? AND x.mention_id < ? AND {_WITHIN} ORDER BY x.mention_id"
)
_NETWORKS = (  # the networks journaled, one index seek each
    "WITH RECURSIVE n(network) AS (SELECT MIN(network) FROM mentions UNION ALL "
    "SELECT (SELECT MIN(network) FROM mentions WHERE network > n.network) FROM n WHERE n.network IS NOT NULL) "
    "SELECT network FROM n WHERE network IS NOT NULL"
)
CHUNK = 2000  # mentions read and written at once: fast, and a bounded piece of memory


class MentionRow(NamedTuple):
    """One journaled mention as an export writes it (timestamps stay ISO text)."""

    id: int
    network: str
    native_id: str
    author: str
    author_name: str | None
    followers: int | None
    lang: str | None
    text: str
    url: str | None
    posted_at: str
    received_at: str
    author_tags: str | None
    action: str | None  # what the de-escalation plan said: respond, watch, ignore
    action_rule: str | None  # the rule that said it
    request_types: str | None  # comma-separated; None: not triaged when it arrived (an older journal)
    revised: str | None  # what the network last said became of it: edited, deleted; None: nothing
    revised_text: str | None  # its text as last edited (None if deleted): `text` stays as first seen
    score: float | None  # how well it matched the incident's scenario (None: linked by hand only)


@dataclass(frozen=True, slots=True)
class Tally:
    """An incident's mentions counted."""

    mentions: int  # the scenario's matches in its span, and the mentions linked to it by hand
    networks: dict[str, int]  # the matches per network, most first
    must_answer: int  # matches triaged when they arrived that the de-escalation plan said to answer…
    answered: int  # …and of those, how many are by an author who got a reply
    untriaged: list[MentionRow]  # the mentions to triage now: journaled before triage existed, or linked by hand


@dataclass(frozen=True, slots=True)
class Span:
    """The mentions of one incident: its scenario's matches received within the span, and the
    mentions linked to it by hand."""

    scenario_id: str
    start: datetime
    end: datetime
    linked: Collection[int] = ()


class Reading:
    """The long reads of a journal, for reviews and exports: written once, with `?` for each
    parameter and the backend's `Dialect` for what its SQL says its own way, and run by the
    backend's reader, which holds a connection of its own (`_fetch`) and streams an
    incident's mentions its own way (`groups`)."""

    dialect: Dialect
    walk = "mentions m CROSS JOIN matches x ON x.mention_id = m.id"
    """Mentions `m` and their matches `x`, read mention by mention, each one's matches looked up
    in their index: for a short stretch of time, far less than reading the matches whole (a
    CROSS JOIN is read in the order written)."""

    def close(self) -> None:
        raise NotImplementedError

    def _fetch(self, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def groups(self, span: Span, size: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
        """The incident's mentions as plain tuples in `MentionRow` order, in journal order, in
        the pieces `blocks` cuts (none empty): how exports write them, a piece at a time."""
        raise NotImplementedError

    def _text_has(self, words: Sequence[str]) -> Clause:
        """The condition that the text `m.text` holds every word of a search, as typed."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return self._fetch(marked(sql, self.dialect.mark), params)

    def rows(self, span: Span) -> Iterator[tuple[Any, ...]]:
        """The incident's mentions in journal order, streamed, as plain tuples in `MentionRow` order."""
        return itertools.chain.from_iterable(self.groups(span))

    def blocks(self, span: Span, size: int = CHUNK) -> list[range]:
        """The ids of the incident's mentions in ranges of at most `size` ids, in journal order:
        pieces read apart, on readers of their own at once if need be."""
        [(first, last)] = self._read(
            "SELECT MIN(id), MAX(id) FROM mentions WHERE received_at >= ? AND received_at <= ?", self._bounds(span)
        )
        within = range(first, last + 1) if first is not None else range(0)
        blocks = [within[start : start + size] for start in range(0, len(within), size)]
        apart = [range(mention_id, mention_id + 1) for mention_id in span.linked if mention_id not in within]
        return sorted(blocks + apart, key=lambda ids: ids.start)

    def rows_of(self, span: Span, ids: Collection[int], select: str = ROW) -> list[tuple[Any, ...]]:
        """What `select` makes of the mentions with `ids`, in journal order (their match of the
        incident's scenario, if any, as `x`)."""
        if not ids:
            return []
        listed, params = self.dialect.listed(sorted(ids))
        return self._read(
            f"SELECT {select} FROM mentions m LEFT JOIN matches x ON x.mention_id = m.id AND x.scenario_id = ? "
            f"WHERE {listed} ORDER BY m.id",
            (span.scenario_id, *params),
        )

    def revised(self, span: Span, limit: int) -> list[MentionRow]:
        """The first `limit` of the incident's mentions its network said were edited or deleted,
        in journal order (found from the revisions, which are few)."""
        listed, params = self.dialect.listed(sorted(span.linked))
        rows = self._read(
            f"SELECT {ROW} FROM mentions m LEFT JOIN matches x ON x.mention_id = m.id AND x.scenario_id = ? "
            f"WHERE m.id IN (SELECT mention_id FROM revisions) AND ((x.mention_id IS NOT NULL AND {_WITHIN}) "
            f"OR {listed}) ORDER BY m.id LIMIT ?",
            (span.scenario_id, *self._bounds(span), *params, limit),
        )
        return list(map(MentionRow._make, rows))

    def _linked_only(self, span: Span) -> list[int]:
        """The mentions linked by hand that the span's matches do not already bring."""
        return [mention_id for mention_id in span.linked if not self._matched_within(span, mention_id)]

    def tally(self, span: Span, replied: Collection[str]) -> Tally:
        """The span's mentions counted in one pass over them (a count per network: no sort)."""
        networks = [network for (network,) in self._read(_NETWORKS)]
        authors = list(replied)
        in_replied = f"m.author IN ({','.join('?' * len(authors))})" if authors else "FALSE"
        due = "m.action = 'respond' AND m.request_types IS NOT NULL"
        counts = ", ".join(
            ["COUNT(*) FILTER (WHERE m.network = ?)"] * len(networks)
            + [f"COUNT(*) FILTER (WHERE {due})", f"COUNT(*) FILTER (WHERE {due} AND {in_replied})"]
        )
        [(matched, *numbers)] = self._read(
            f"SELECT COUNT(*), {counts}, COUNT(*) FILTER (WHERE m.request_types IS NULL) "
            f"FROM matches x JOIN mentions m ON m.id = x.mention_id WHERE {SPAN}",
            (*networks, *authors, span.scenario_id, *self._bounds(span)),
        )
        *per_network, must, answered, untriaged = (int(number) for number in numbers)
        linked = self.rows_of(span, self._linked_only(span))
        found = [(network, number) for network, number in zip(networks, per_network, strict=True) if number]
        return Tally(
            mentions=int(matched) + len(linked),
            networks=dict(sorted(found, key=lambda item: (-item[1], item[0]))),
            must_answer=must,
            answered=answered,
            untriaged=list(map(MentionRow._make, [*(self._untriaged(span) if untriaged else ()), *linked])),
        )

    def _untriaged(self, span: Span) -> list[tuple[Any, ...]]:
        return self._read(
            f"SELECT {ROW} FROM matches x JOIN mentions m ON m.id = x.mention_id "
            f"WHERE {SPAN} AND m.request_types IS NULL ORDER BY m.id",
            (span.scenario_id, *self._bounds(span)),
        )

    @staticmethod
    def _bounds(span: Span) -> tuple[str, str]:
        return to_iso(span.start), to_iso(span.end)

    def concerns(self, span: Span, mention_id: int) -> bool:
        """Whether one mention belongs to the incident."""
        return mention_id in span.linked or self._matched_within(span, mention_id)

    def _matched_within(self, span: Span, mention_id: int) -> bool:
        return bool(
            self._read(
                "SELECT 1 FROM matches x JOIN mentions m ON m.id = x.mention_id "
                "WHERE x.mention_id = ? AND x.scenario_id = ? AND m.received_at >= ? AND m.received_at <= ?",
                (mention_id, span.scenario_id, *self._bounds(span)),
            )
        )

    def received_at(self, mention_id: int) -> datetime | None:
        rows = self._read("SELECT received_at FROM mentions WHERE id = ?", (mention_id,))
        return from_iso(rows[0][0]) if rows else None

    def volume(self, start: datetime, end: datetime, bucket: timedelta) -> dict[str, list[int]]:
        """Matching mentions per scenario and per `bucket` from `start` to `end`, the buckets
        counted from `start`'s whole second: each bucket its stretch of the index of arrival,
        so no mention's time is parsed."""
        size = timedelta(seconds=max(int(bucket.total_seconds()), 1))
        count = int((end - start).total_seconds()) // int(size.total_seconds()) + 1
        origin = start.replace(microsecond=0)
        series: dict[str, list[int]] = {}
        for index in range(count):
            rows = self._read(
                f"SELECT x.scenario_id, COUNT(*) FROM {self.walk} "
                "WHERE m.received_at >= ? AND m.received_at < ? AND m.received_at <= ? GROUP BY 1",
                (to_iso(max(origin + index * size, start)), to_iso(origin + (index + 1) * size), to_iso(end)),
            )
            for scenario_id, number in rows:
                series.setdefault(scenario_id, [0] * count)[index] = int(number)
        return series

    def count_between(self, scenario_id: str, start: datetime, end: datetime, author: str | None = None) -> int:
        """Mentions matching `scenario_id` received in [start, end), of one author if given."""
        sql = f"SELECT COUNT(*) FROM {self.walk} WHERE x.scenario_id = ? AND m.received_at >= ? AND m.received_at < ?"
        params: list[object] = [scenario_id, to_iso(start), to_iso(end)]
        if author is not None:
            sql += f" AND m.network IN ({_NETWORKS}) AND m.author = ?"  # the author's mentions, by index
            params.append(author)
        return int(self._read(sql, params)[0][0])

    def count_by_author(self, network: str, author: str, start: datetime, end: datetime) -> int:
        """An author's mentions received in [start, end), whatever they matched."""
        rows = self._read(
            "SELECT COUNT(*) FROM mentions WHERE network = ? AND author = ? AND received_at >= ? AND received_at < ?",
            (network, author, to_iso(start), to_iso(end)),
        )
        return int(rows[0][0])

    def search(self, span: Span, query: MentionFilter, limit: int = 200) -> list[MentionRow]:
        """Mentions received in the incident's window (of any scenario, unless the search names
        one) that contain every word of the search and are what it asks for, newest last."""
        where = ["m.received_at >= ?", "m.received_at <= ?"]
        params: list[object] = [*self._bounds(span)]
        if query.words:
            clause, found = self._text_has(query.words)
            where.append(clause)
            params += found
        if query.network:
            where.append("m.network = ?")
            params.append(query.network.casefold())
        if query.author:
            where.append(self.dialect.author)
            params.append(query.author.casefold())
        if query.action:
            where.append("m.action = ?")
            params.append(query.action.casefold())
        score = "NULL"
        if query.scenario:
            where.append("x.scenario_id = ?")
            params.append(query.scenario)
            score = "x.score"
        join = "JOIN matches x ON x.mention_id = m.id" if query.scenario else ""
        rows = self._read(
            f"SELECT {_COLUMNS}, {score} FROM mentions m {join} WHERE {' AND '.join(where)} ORDER BY m.id DESC LIMIT ?",
            (*params, limit),
        )
        return list(reversed(list(map(MentionRow._make, rows))))


class JournalReader(Reading):
    """A SQLite journal's reader, on a read-only connection of its own: WAL lets it run beside
    the writer. Each read sees the last commit."""

    dialect = SQLITE

    def __init__(self, path: Path) -> None:
        self._path = path
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    def close(self) -> None:
        self._db.close()

    def twin(self) -> JournalReader:
        """Another reader of the same journal, for another thread to read beside this one."""
        return JournalReader(self._path)

    def _fetch(self, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        return self._db.execute(sql, params).fetchall()

    def groups(self, span: Span, size: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
        without_id = itemgetter(slice(1, None))
        for chunk in self.chunks(span, ROW, size):
            yield list(map(without_id, chunk))

    def chunks(self, span: Span, select: str, size: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
        """The incident's mentions in journal order, at most `size` at a time, as `chunk` reads
        them: the fastest way to write them out."""
        for ids in self.blocks(span, size):
            if chunk := self.chunk(span, select, ids):
                yield chunk

    def chunk(self, span: Span, select: str, ids: range) -> list[tuple[Any, ...]]:
        """The incident's mentions with `ids`, in journal order, each as its id and what `select`
        (SQL over `m`, the mention, and `x`, its match of the scenario, which is NULL for a
        mention linked by hand only) makes of it."""
        matched: list[tuple[Any, ...]] = self._db.execute(
            f"SELECT m.id, {select} {_BLOCK}", (span.scenario_id, ids.start, ids.stop, *self._bounds(span))
        ).fetchall()
        linked = [i for i in span.linked if i in ids and not self._matched_within(span, i)]
        extra = self.rows_of(span, linked, f"m.id, {select}")  # few: merged in by id
        return sorted(matched + extra, key=itemgetter(0)) if extra else matched

    def joined(self, span: Span, select: str, separator: bytes, ids: range) -> tuple[bytes, int]:
        """What `select` makes of each of the scenario's matches with `ids` (as `chunk`, but
        without the mentions linked by hand), joined by SQLite into one in journal order with
        `separator`; and for how many of them it made NULL, which are left out."""
        joined, left_out = self._db.execute(
            "SELECT CAST(group_concat(line, ?) AS BLOB), count(*) - count(line) "
            f"FROM (SELECT {select} AS line {_BLOCK})",
            (separator, span.scenario_id, ids.start, ids.stop, *self._bounds(span)),
        ).fetchone()
        return joined or b"", left_out

    def _text_has(self, words: Sequence[str]) -> Clause:
        """Each word anywhere in the text, as typed (LIKE's wildcards taken literally)."""
        escaped = [word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for word in words]
        return " AND ".join(["m.text LIKE ? ESCAPE '\\'"] * len(words)), [f"%{word}%" for word in escaped]
