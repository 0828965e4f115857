"""A journal copied between SQLite and PostgreSQL (`smwar journal migrate`), table by table in
batches in key order, each batch committed: an interrupted copy resumes after the last key the
target has, and rows it has already are skipped. The copy is verified by each table's row count
and a checksum of its rows in key order, computed alike on both sides.

The live state of running processes (leases, presence, the sources' health) is not copied:
the processes that work the copy publish their own."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smwar.journal.address import is_postgres, open_journal, sqlite_path
from smwar.journal.postgres.connect import connect
from smwar.journal.schema import JournalError

COPIED = (  # in an order that has each row's references copied before it
    "meta",
    "mentions",
    "matches",
    "incidents",
    "events",
    "cursors",
    "quarantine",
    "drafts",
    "notices",
    "revisions",
    "claims",
    "profiles",
    "source_pauses",
)
NOT_COPIED = ("schema_version", "leases", "presence", "source_health")  # each backend's own, or live state
IDENTITY = ("incidents", "events", "quarantine", "notices", "revisions")  # ids PostgreSQL gives next
BATCH = 5000

Progress = Callable[[str, int, int], None]  # table, rows copied so far, rows in all


@dataclass(frozen=True, slots=True)
class Checked:
    """A table after the copy: its rows on both sides, and whether their checksums agree."""

    table: str
    source_rows: int
    target_rows: int
    same: bool


class Side:
    """One end of the copy: reads in key order, alike on both backends but for the marks of
    parameters (`mark`)."""

    mark = "?"
    db: Any  # the connection

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def keys(self, table: str) -> list[str]:
        raise NotImplementedError

    def write(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def finish(self, table: str) -> None:
        """After a table's rows: nothing to do on SQLite, which gives the next id after the largest."""

    def close(self) -> None:
        self.db.close()

    def count(self, table: str) -> int:
        return int(self._fetch(f"SELECT COUNT(*) FROM {table}")[0][0])

    def _ordered(self, table: str, key: str) -> str:
        """`key` as rows are ordered by it: SQLite compares text by its bytes."""
        return key

    def last_key(self, table: str, keys: Sequence[str]) -> tuple[Any, ...] | None:
        order = ", ".join(f"{self._ordered(table, key)} DESC" for key in keys)
        rows = self._fetch(f"SELECT {', '.join(keys)} FROM {table} ORDER BY {order} LIMIT 1")
        return tuple(rows[0]) if rows else None

    def batch(
        self, table: str, columns: Sequence[str], keys: Sequence[str], after: Sequence[Any] | None
    ) -> list[tuple[Any, ...]]:
        """The next rows in key order after the key `after` (from the first, without)."""
        ordered = ", ".join(self._ordered(table, key) for key in keys)
        where = f"WHERE ({ordered}) > ({', '.join(self.mark for _ in keys)})" if after is not None else ""
        sql = f"SELECT {', '.join(columns)} FROM {table} {where} ORDER BY {ordered} LIMIT {BATCH}"
        return self._fetch(sql, list(after or ()))


class SqliteSide(Side):
    """A SQLite journal file; it knows the tables' columns (the copy's schema)."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA foreign_keys=ON")

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, params).fetchall()

    def tables(self) -> set[str]:
        rows = self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'mentions_fts%'")
        return {name for (name,) in rows}

    def columns(self, table: str) -> list[str]:
        return [row[1] for row in self.db.execute(f"PRAGMA table_info({table})")]

    def keys(self, table: str) -> list[str]:
        info = sorted((row[5], row[1]) for row in self.db.execute(f"PRAGMA table_info({table})") if row[5])
        return [name for _, name in info]

    def write(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        with self.db:
            self.db.executemany(
                f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                rows,
            )
            if table == "mentions":  # the search index, as the journal keeps it
                ids = [row[columns.index("id")] for row in rows]
                self.db.execute(
                    "INSERT INTO mentions_fts (rowid, text) SELECT id, text FROM mentions WHERE id BETWEEN ? AND ?",
                    [min(ids), max(ids)],
                )


class PostgresSide(Side):
    mark = "%s"

    def __init__(self, url: str) -> None:
        self.db = connect(url)
        self._texts: dict[str, set[str]] = {}  # each table's text columns

    def _ordered(self, table: str, key: str) -> str:
        """Text in the order of its bytes, as SQLite has it, whatever the database's collation
        (which would order "a_b", "aB" and "ab" otherwise, and the copy would not match)."""
        if table not in self._texts:
            rows = self._fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND data_type = 'text'",
                [table],
            )
            self._texts[table] = {name for (name,) in rows}
        return f'{key} COLLATE "C"' if key in self._texts[table] else key

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, params).fetchall()  # type: ignore[arg-type]  # the copy's own SQL

    def keys(self, table: str) -> list[str]:
        rows = self.db.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
            "ORDER BY array_position(i.indkey, a.attnum)",
            [table],
        )
        return [name for (name,) in rows]

    def write(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        marks = ", ".join("%s" for _ in columns)
        with self.db.transaction(), self.db.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) ON CONFLICT DO NOTHING",  # type: ignore[arg-type]
                rows,
            )

    def finish(self, table: str) -> None:
        """The next id PostgreSQL gives is after the largest copied."""
        if table in IDENTITY:
            self.db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"  # type: ignore[arg-type]
            )


def _side(address: str, *, create: bool) -> SqliteSide | PostgresSide:
    open_journal(address, create=create).close()  # migrated to this smwar's schema (made, if `create`)
    if is_postgres(address):
        return PostgresSide(address)
    return SqliteSide(sqlite_path(address))


def copy_journal(source: str, target: str, progress: Progress) -> list[Checked]:
    """Copy the journal at `source` to `target` (one of them SQLite, the other PostgreSQL),
    resuming where an earlier copy stopped; each table checked. Raises if any differs."""
    if is_postgres(source) == is_postgres(target):
        raise JournalError("a journal is copied from SQLite to PostgreSQL or back (one address of each)")
    sides = [_side(source, create=False), _side(target, create=True)]
    try:
        sqlite = next(side for side in sides if isinstance(side, SqliteSide))
        unknown = sqlite.tables() - set(COPIED) - set(NOT_COPIED)
        if unknown:
            raise JournalError(f"this smwar does not know how to copy the tables {sorted(unknown)}")
        checked = [_copy_table(table, sqlite.columns(table), sides[0], sides[1], progress) for table in COPIED]
    finally:
        for side in sides:
            side.close()
    differ = [item.table for item in checked if not item.same or item.source_rows != item.target_rows]
    if differ:
        raise JournalError(f"the copy differs from its source in {', '.join(differ)}: was the source still in use?")
    return checked


def _copy_table(table: str, columns: list[str], source: Side, target: Side, progress: Progress) -> Checked:
    keys = source.keys(table)
    total = source.count(table)
    after = target.last_key(table, keys)
    done = target.count(table)
    progress(table, done, total)
    while rows := source.batch(table, columns, keys, after):
        target.write(table, columns, rows)
        after = tuple(rows[-1][columns.index(key)] for key in keys)
        done += len(rows)
        progress(table, min(done, total), total)
    target.finish(table)
    same = _checksum(_all(source, table, columns, keys)) == _checksum(_all(target, table, columns, keys))
    return Checked(table, total, target.count(table), same)


def _all(side: Side, table: str, columns: list[str], keys: list[str]) -> Iterator[tuple[Any, ...]]:
    after: Sequence[Any] | None = None
    while rows := side.batch(table, columns, keys, after):
        yield from rows
        after = tuple(rows[-1][columns.index(key)] for key in keys)


def _checksum(rows: Iterator[tuple[Any, ...]]) -> str:
    """The rows' SHA-256, each value written out alike whichever backend read it."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update("\x1e".join(_canonical(value) for value in row).encode("utf-8", "surrogatepass") + b"\x1d")
    return digest.hexdigest()


def _canonical(value: object) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a whole number SQLite kept as an integer in a REAL column
    return str(value)
