"""A PostgreSQL journal's long reads, for reviews and exports (see `smwar.journal.reading`):
the same reads as a SQLite journal's, on a connection of their own, in one read-only
REPEATABLE READ transaction, so that an export is of one moment of the journal however long
it takes and whatever is written meanwhile. An incident's mentions are streamed from a
server-side cursor, a piece at a time: never all of them in memory."""

from __future__ import annotations

import heapq
import itertools
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from operator import itemgetter
from typing import Any

import psycopg

from smwar.journal.pages import WORD, Clause
from smwar.journal.portable import marked
from smwar.journal.postgres.connect import connect
from smwar.journal.postgres.pages import POSTGRES
from smwar.journal.reading import CHUNK, ROW, SPAN, Reading, Span


class PostgresReader(Reading):
    dialect = POSTGRES
    walk = (  # a lateral lookup: PostgreSQL's planner would hash all matches to join a few minutes' mentions
        "mentions m CROSS JOIN LATERAL "
        "(SELECT x.mention_id, x.scenario_id FROM matches x WHERE x.mention_id = m.id OFFSET 0) x"
    )

    def __init__(self, url: str) -> None:
        self._db = connect(url, autocommit=False)
        self._db.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self._db.read_only = True

    def close(self) -> None:
        self._db.close()  # the transaction, which only read, ends with it

    def _fetch(self, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        return self._db.execute(sql, params).fetchall()  # type: ignore[arg-type]  # the reader's own SQL

    def groups(self, span: Span, size: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
        """The scenario's matches in the span from a server-side cursor, `size` rows a fetch,
        with the mentions linked by hand (few) merged in by id; cut where `blocks` cuts, so
        that an export's pieces are those of the same journal kept by SQLite."""
        starts = [ids.start for ids in self.blocks(span, size)]
        linked = self.rows_of(span, self._linked_only(span))
        with self._db.cursor(name="incident_mentions") as cursor:
            cursor.itersize = size
            matched = f"SELECT {ROW} FROM matches x JOIN mentions m ON m.id = x.mention_id WHERE {SPAN} ORDER BY m.id"
            cursor.execute(marked(matched, self.dialect.mark), (span.scenario_id, *self._bounds(span)))
            rows = heapq.merge(cursor, linked, key=itemgetter(0))
            for _, piece in itertools.groupby(rows, key=lambda row: bisect_right(starts, row[0])):
                yield list(piece)

    def _text_has(self, words: Sequence[str]) -> Clause:
        """PostgreSQL's text search, as the feed's (`POSTGRES.words`): each word by its start,
        with or without diacritics, or by its German or English stem. Only letters, digits and
        underscores make words, as in the feed's search."""
        found = [word for typed in words for word in WORD.findall(typed)]
        return self.dialect.words(found) if found else ("TRUE", [])
