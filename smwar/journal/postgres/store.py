"""The journal on PostgreSQL: the same interface as the SQLite journal (`smwar.journal.store`),
for a team past one host.

Three connections: writes go through one, a transaction at a time under a lock; reads go
through another, autocommitting, so that a read never waits for a write (each statement sees
the last commit); the third listens. Every write transaction says so on the channel
`smwar_changed` (`NOTIFY`, delivered when it commits): the ids of the mentions or events it
added (`mention:ID`, `event:ID`), never what they say; a listener that missed notifications
catches up by reading after the last id it saw. Mention and event ids are given under a lock
of their table until commit, so that they are committed in the order of their ids and a read
"after the last id seen" misses none.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.rows import Row, RowFactory, dict_row, tuple_row

from smwar.clock import to_iso
from smwar.journal.portable import Portable
from smwar.journal.postgres.connect import connect, one_line, shown
from smwar.journal.postgres.inbox import Inbox
from smwar.journal.postgres.pages import POSTGRES
from smwar.journal.postgres.reading import PostgresReader
from smwar.journal.postgres.reads import Reads, present
from smwar.journal.postgres.records import Records
from smwar.journal.postgres.schema import migrate
from smwar.journal.postgres.team import Coordination
from smwar.journal.rows import (
    event_of,
    event_row,
    fresh_positions,
    matches_by_mention,
    mention_of,
)
from smwar.journal.schema import JournalError
from smwar.model import Event, JournaledMention, Match, Mention

CHANNEL = "smwar_changed"
INVALID_INDEXES = (  # in the journal's schema
    "SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "WHERE c.relnamespace = current_schema()::regnamespace AND NOT (i.indisvalid AND i.indisready)"
)
IDENTITIES = (  # each table's column whose values the database gives
    "SELECT table_name, column_name FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name"
)


class PostgresJournal(Coordination, Records, Reads, Inbox, Portable):
    dialect = POSTGRES

    def __init__(self, url: str, writer: psycopg.Connection, reader: psycopg.Connection) -> None:
        self.path = shown(url)  # what the journal is called where the SQLite one shows its path
        self._db = writer
        self._lock = threading.RLock()  # the writer's: one transaction at a time
        self._reader = reader
        self._read_lock = threading.Lock()
        self._url = url
        self._listener: psycopg.Connection | None = None  # opened by the first `changed()`: a
        # process that never asks (a leader, an export) keeps no notifications piling up

    @classmethod
    def open(cls, url: str) -> PostgresJournal:
        """Open the journal in the database at `url`, migrating its schema."""
        writer = connect(url)
        try:
            migrate(writer, shown(url))
        except psycopg.errors.InsufficientPrivilege as exc:  # a database the role may not build in
            writer.close()
            raise JournalError(
                f"cannot set the journal up in {shown(url)}: {one_line(exc)}; the role needs to own the "
                "database (or CREATE on it and on its schema public)"
            ) from None
        except BaseException:
            writer.close()
            raise
        return cls(url, writer, connect(url))

    def close(self) -> None:
        with self._lock, self._read_lock:
            for connection in (self._db, self._reader, self._listener):
                if connection is not None:
                    connection.close()

    def reader(self) -> PostgresReader:
        return PostgresReader(self._url)

    @contextmanager
    def writing(self) -> Iterator[psycopg.Connection]:
        """A write transaction, committed when the block ends (rolled back if it raises); its
        commit notifies the listeners if it wrote anything (one that adds mentions or events
        says their ids too).

        A writing connection found lost as the transaction begins (the server restarted, the
        network dropped it) is opened again and the transaction begun on the new one: nothing
        of it was sent yet. One lost later is reported, as its commit may or may not have
        happened, and the next transaction opens a new one."""
        with self._lock, ExitStack() as stack:
            try:
                stack.enter_context(self._db.transaction())
            except psycopg.OperationalError as exc:
                _lost(self._db, exc)
                self._db = connect(self._url)
                stack.enter_context(self._db.transaction())
            yield self._db
            # said only by a transaction that wrote (one that wrote nothing has no id): nobody
            # re-reads for nothing, and its commit needs no wait for the disk
            self._db.execute("SELECT pg_notify(%s, '') WHERE pg_current_xact_id_if_assigned() IS NOT NULL", [CHANNEL])

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Rows read on the reading connection: the last commit, never waiting for a write."""
        return self._fetch(sql, params, tuple_row)

    def _named(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        """`_rows`, each a dict by column name."""
        return self._fetch(sql, params, dict_row)

    def _fetch(self, sql: str, params: Sequence[object], rows: RowFactory[Row]) -> list[Row]:
        """A read on the reading connection; one found lost is opened again and the read made
        once more on the new one (a read changes nothing)."""
        with self._read_lock:
            try:
                with self._reader.cursor(row_factory=rows) as cursor:
                    return cursor.execute(sql, params).fetchall()  # type: ignore[arg-type]  # the journal's own SQL
            except psycopg.OperationalError as exc:
                _lost(self._reader, exc)
                self._reader = connect(self._url)
                with self._reader.cursor(row_factory=rows) as cursor:
                    return cursor.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def _value(self, sql: str, params: Sequence[object] = ()) -> Any:
        rows = self._rows(sql, params)
        return rows[0][0] if rows else None

    def changed(self) -> bool:
        """Whether anyone committed a write since the last call (True on the first).

        One round trip on the listening connection first: every notification of a commit that
        ended before this call is then in hand (a notification travels on its own, and might
        still be on its way). A listening connection that was lost (the server restarted, the
        network dropped it) is opened again, and that counts as a change: what was notified
        meanwhile never reached it, and the caller catches up by reading after the last id
        it saw."""
        with self._read_lock:
            if self._listener is None:  # the first call: everything is news
                self._listener = _listening(self._url)
                return True
            try:
                self._listener.execute("SELECT 1")
                return sum(1 for _ in self._listener.notifies(timeout=0)) > 0
            except psycopg.OperationalError as exc:
                _lost(self._listener, exc)
                self._listener = _listening(self._url)
                return True

    # -- meta ---------------------------------------------------------------------------

    def set_meta(self, values: dict[str, str]) -> None:
        with self.writing() as db, db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                list(values.items()),
            )

    # -- mentions -----------------------------------------------------------------------

    def _batch_begins(self, db: psycopg.Cursor[Any]) -> None:
        db.execute("LOCK TABLE mentions IN SHARE ROW EXCLUSIVE MODE")  # ids committed in order

    def _unseen_in(self, db: psycopg.Cursor[Any], mentions: Sequence[Mention]) -> list[int]:
        return _unseen(db, mentions)

    def _batch_added(self, db: psycopg.Cursor[Any], first: int, count: int) -> None:
        if count:
            db.execute("SELECT pg_notify(%s, %s)", [CHANNEL, f"mention:{first + count - 1}"])

    def mentions(self, *, after_id: int = 0, limit: int | None = None) -> list[JournaledMention]:
        """Journaled mentions in arrival order, with their matches."""
        rows = self._named("SELECT * FROM mentions WHERE id > %s ORDER BY id LIMIT %s", [after_id, limit])
        return self._with_matches(rows)

    def _with_matches(self, rows: list[dict[str, Any]]) -> list[JournaledMention]:
        ids = [row["id"] for row in rows]
        matches = self._matches_of(ids) if ids else {}
        return [mention_of(row, matches.get(row["id"], ())) for row in rows]

    def _matches_of(self, ids: Sequence[int]) -> dict[int, tuple[Match, ...]]:
        rows = self._rows(
            "SELECT mention_id, scenario_id, score, explanation FROM matches WHERE mention_id = ANY(%s) "
            "ORDER BY score DESC",
            [list(ids)],
        )
        return matches_by_mention(rows)

    # -- events and incidents -----------------------------------------------------------

    def _insert_events(self, db: psycopg.Connection, events: Sequence[Event]) -> list[Event]:
        return _insert_events(db, events)

    def _new_incident(self, db: psycopg.Connection, scenario_id: str, status: str, at: datetime) -> int:
        row = db.execute(
            "INSERT INTO incidents (scenario_id, status, proposed_at) VALUES (%s,%s,%s) RETURNING id",
            [scenario_id, status, to_iso(at)],
        ).fetchone()
        return int(row[0])  # type: ignore[index]

    def events(self, incident_id: int | None = None, kind: str | None = None, after_id: int = 0) -> Iterator[Event]:
        sql = (
            "SELECT * FROM events WHERE id > %s AND (%s::bigint IS NULL OR incident_id = %s) "
            "AND (%s::text IS NULL OR kind = %s) ORDER BY id"
        )
        for row in self._named(sql, [after_id, incident_id, incident_id, kind, kind]):
            yield event_of(row)

    def integrity(self) -> str:
        """What is wrong with the journal, a line each, or "ok". What SQLite's integrity check
        finds (a damaged file, a broken constraint) is PostgreSQL's own to guard: it enforces
        the constraints on each write and keeps its storage itself. This checks what the journal
        relies on beyond them: every index usable (an interrupted build leaves one that is not),
        the events still append-only, mention ids without a gap (a feed counts them by their
        bounds), and every identity ahead of the ids its table holds (a copy that wrote ids
        itself and left one behind makes the next insert collide)."""
        problems = [f"index {name} is not usable" for (name,) in self._rows(INVALID_INDEXES)]
        trigger = "SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'events'::regclass AND tgname = 'events_no_change'"
        if self._value(trigger) not in ("O", "A"):
            problems.append("events can be changed: the trigger events_no_change is missing or disabled")
        count, first, last = self._rows("SELECT COUNT(*), MIN(id), MAX(id) FROM mentions")[0]
        if count and count != last - first + 1:
            problems.append(f"mention ids {first}…{last} have gaps: {count} mentions")
        for table, column in self._rows(IDENTITIES):
            sequence = self._value(f"SELECT pg_get_serial_sequence('{table}', '{column}')")  # quoted as need be
            # a sequence set but not yet used (as a copy leaves it) gives its last value next
            following = self._value(
                f"SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM {sequence}"
            )
            highest = self._value(f"SELECT MAX({column}) FROM {table}")
            if highest is not None and following <= highest:
                problems.append(f"{table}.{column} would next give {following}, which the table holds")
        return "\n".join(problems) or "ok"


def _lost(connection: psycopg.Connection, error: psycopg.OperationalError) -> None:
    """Close `connection`, which `error` says was lost, for a new one to take its place; raise
    `error` if the connection still works (a query cancelled, which a new one would not mend)."""
    if not connection.broken and not connection.closed:
        raise error
    connection.close()


def _listening(url: str) -> psycopg.Connection:
    """A connection to the journal at `url` that listens to its channel."""
    listener = connect(url)
    listener.execute(f"LISTEN {CHANNEL}")
    return listener


def _unseen(db: psycopg.Cursor[Any], mentions: Sequence[Mention]) -> list[int]:
    """The positions of the mentions neither journaled nor earlier among them."""
    found = db.execute(*present("native_id", {(mention.network, mention.native_id) for mention in mentions}))
    return fresh_positions(mentions, set(found.fetchall()))


def _insert_events(db: psycopg.Connection, events: Sequence[Event]) -> list[Event]:
    """`events` added in an open write transaction; its commit notifies the last one's id."""
    db.execute("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE")  # ids committed in order
    wall = to_iso(datetime.now(UTC))
    added = []
    for event in events:
        row = db.execute(
            "INSERT INTO events (at, wall, actor, kind, incident_id, step_id, payload) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s) RETURNING id",
            event_row(event, wall),
        ).fetchone()
        added.append(replace(event, id=row[0]))  # type: ignore[index]
    if added:
        db.execute("SELECT pg_notify(%s, %s)", [CHANNEL, f"event:{added[-1].id}"])
    return added
