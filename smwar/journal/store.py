"""The journal file: mentions and matches in batches, every action committed durably.

Two connections: writes go through one, a transaction at a time under a lock; reads go
through a read-only one, so that the screen's reads never queue behind the pipeline's write
transaction (in WAL mode a reader sees the last commit while a writer works). SQLite runs
with `synchronous=FULL`, so a commit that returned survives a killed process and a power cut
alike, and the next read sees it.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from smwar.clock import from_iso, to_iso
from smwar.journal.pages import ABOVE_ALL, SQLITE, MentionFilter
from smwar.journal.portable import HELD_CLAIM, Portable, here_since
from smwar.journal.profiles import Profiles
from smwar.journal.reading import JournalReader
from smwar.journal.rows import (
    Pair,
    claim_taken,
    event_of,
    event_row,
    fresh_positions,
    matches_by_mention,
    mention_of,
    notice_of,
    notice_row,
)
from smwar.journal.schema import VERSION_TABLE, JournalError, migrate
from smwar.journal.search import Search
from smwar.journal.team import Coordination
from smwar.model import Draft, Event, JournaledMention, Match, Mention, Notice, NoticeGroup
from smwar.tid import new_tid

PAIRS_PER_QUERY = 400  # within SQLite's older limit on bound values (999)
GIVE_WAY_SECONDS = 0.05  # the longest a storm's batch waits for the writers it lets go first
GIVE_WAY_POLL = 0.0005


class Journal(Coordination, Profiles, Portable):
    dialect = SQLITE

    def __init__(self, path: Path, db: Database, reader: sqlite3.Connection, turns: tuple[int, int]) -> None:
        """`turns`: the open turn and waiting files (see `open`)."""
        self.path = path
        self._db = db  # the writer
        self._lock = threading.RLock()  # the writer's: one transaction at a time
        self._turn, self._waiting = turns
        self._reader = reader
        self._read_lock = threading.Lock()
        self._search = Search(reader, self._read_lock)

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> Journal:
        """Open the journal at `path`, migrating its schema; `create`: make it (and its
        directory) if it is not there, else a missing or empty file is refused (`NoJournal`)
        and nothing is made. Processes opening it at once set it up one at a time, each in its
        turn to write: SQLite refuses, rather than waits for, a switch to WAL while another
        connection makes it."""
        if not create:
            _refuse_absent(path)
        turns: list[int] = []
        made: list[str] = []  # the turn files this open made
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # the writers of every process queue for their turn on the first file's lock, each
            # woken the moment the one before commits (SQLite's busy timeout polls, sleeping up
            # to 100 ms); one that has to wait says so on the second's, shared, until its turn
            for name in turn_files(path):
                try:
                    turns.append(os.open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
                    made.append(name)
                except FileExistsError:
                    turns.append(os.open(name, os.O_RDWR))
        except OSError as exc:
            _close(turns)
            raise _cannot_open(path, exc.strerror or exc) from exc
        turn, waiting = turns
        try:
            with _in_turn(turn, waiting):
                db, reader = _set_up(path)
        except NotAJournal:
            _close(turns)
            for name in made:  # no smwar writes to what is no journal: nothing is left beside it
                Path(name).unlink(missing_ok=True)
            raise
        except BaseException:
            _close(turns)
            raise
        return cls(path, db, reader, (turn, waiting))

    @staticmethod
    def move(source: Path, target: Path) -> None:
        """Put the closed journal at `source` in the place of `target`, with its turn files."""
        source.replace(target)
        for old, new in zip(turn_files(source), turn_files(target), strict=True):
            Path(old).replace(new)

    def close(self) -> None:
        with self._lock, self._read_lock:
            self._reader.close()
            self._db.close()  # the last connection: it folds the write-ahead log in and removes it
            _close([self._turn, self._waiting])

    def reader(self) -> JournalReader:
        return JournalReader(self.path)

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, committed durably when the block ends (rolled back if it
        raises). It takes SQLite's write lock at once, so what it reads stays true until it
        commits; reads go on beside it, seeing the last commit."""
        with self._lock, _in_turn(self._turn, self._waiting):
            connection = self._db.conn
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.execute("COMMIT")
            except BaseException:
                connection.rollback()
                raise

    def _give_way(self, db: sqlite3.Cursor) -> None:
        """If other writers wait for their turn, commit what the batch wrote so far and let
        them all go first, then go on in a new transaction (a look at a lock when nobody waits)."""
        if self._nobody_waits():
            return
        db.execute("COMMIT")
        fcntl.flock(self._turn, fcntl.LOCK_UN)
        # until every writer that waited has had its turn, but no longer than GIVE_WAY_SECONDS:
        # a writer stopped while it waits (^Z, a debugger) must not stop the storm's intake
        deadline = time.monotonic() + GIVE_WAY_SECONDS
        while not self._nobody_waits() and time.monotonic() < deadline:
            time.sleep(GIVE_WAY_POLL)
        _take_turn(self._turn, self._waiting)
        db.execute("BEGIN IMMEDIATE")

    def _nobody_waits(self) -> bool:
        try:
            fcntl.flock(self._waiting, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(self._waiting, fcntl.LOCK_UN)
        return True

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        """Rows read on the read-only connection: the last commit, never waiting for a write."""
        with self._read_lock:
            return self._reader.execute(sql, params).fetchall()

    def _value(self, sql: str, params: Sequence[object] = ()) -> Any:
        """The first column of the first row read (None without one)."""
        rows = self._rows(sql, params)
        return rows[0][0] if rows else None

    def newest_ids(self, view: MentionFilter, most: int, upto: int | None = None) -> list[int]:
        """As every journal's (`Portable.newest_ids`); a search's words read as the full-text
        index's own terms (smwar.journal.search), the same rows sooner."""
        found = self._search.newest_ids(view, most, upto)
        return super().newest_ids(view, most, upto) if found is None else found

    # -- meta ---------------------------------------------------------------------------

    def set_meta(self, values: dict[str, str]) -> None:
        with self.writing():
            self._db["meta"].upsert_all(({"key": k, "value": v} for k, v in values.items()), pk="key")

    # -- mentions -----------------------------------------------------------------------

    def _unseen_in(self, db: sqlite3.Cursor, mentions: Sequence[Mention]) -> list[int]:
        return _unseen(db, mentions)

    def _batch_added(self, db: sqlite3.Cursor, first: int, count: int) -> None:
        """The batch's texts indexed for search in one statement (fed by a trigger a row at a
        time, FTS5 wrote its index out for every row)."""
        db.execute("INSERT INTO mentions_fts (rowid, text) SELECT id, text FROM mentions WHERE id >= ?", [first])

    def unseen(self, mentions: Sequence[Mention]) -> list[Mention]:
        """The mentions `add_mentions` would store: neither journaled yet nor earlier among them."""
        with self._read_lock:
            return [mentions[index] for index in _unseen(self._reader, mentions)]

    def mentions(self, *, after_id: int = 0, limit: int | None = None) -> list[JournaledMention]:
        """Journaled mentions in arrival order, with their matches."""
        sql = "SELECT * FROM mentions WHERE id > ? ORDER BY id"
        params: list[Any] = [after_id]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        rows = self._rows(sql, params)
        if not rows:
            return []
        matches = self._matches_for(rows[0]["id"], rows[-1]["id"])
        return [mention_of(row, matches.get(row["id"], ())) for row in rows]

    # -- reads for the views, the pipeline and the scoring ---------------------------------

    def to_answer(
        self, since: datetime, actions: Sequence[str], limit: int, answered: Collection[int] = ()
    ) -> list[JournaledMention]:
        """The newest `limit` mentions received since `since` whose triage said one of
        `actions`, leaving out those `answered` (read a page at a time until enough are found)."""
        marks = ",".join("?" for _ in actions)
        sql = (
            f"SELECT * FROM mentions WHERE received_at >= ? AND action IN ({marks}) AND id < ? ORDER BY id DESC LIMIT ?"
        )
        rows: list[sqlite3.Row] = []
        below = ABOVE_ALL
        while len(rows) < limit:
            page = self._rows(sql, [to_iso(since), *actions, below, limit])
            rows += [row for row in page if row["id"] not in answered][: limit - len(rows)]
            if len(page) < limit:
                break
            below = page[-1]["id"]
        matches = self._matches_of([row["id"] for row in rows])
        return [mention_of(row, matches.get(row["id"], ())) for row in rows]

    def recent_mentions(self, since: datetime, limit: int) -> list[JournaledMention]:
        """The newest `limit` mentions received since `since`, oldest first, with their matches."""
        sql = (  # found by arrival time (indexed): the newest ids would scan a quiet journal whole
            "SELECT * FROM mentions WHERE id IN "
            "(SELECT id FROM mentions WHERE received_at >= ? ORDER BY received_at DESC LIMIT ?) ORDER BY id DESC"
        )
        rows = self._rows(sql, [to_iso(since), limit])[::-1]
        matches = self._matches_of([row["id"] for row in rows])
        return [mention_of(row, matches.get(row["id"], ())) for row in rows]

    def texts(self, ids: Sequence[int]) -> dict[int, str]:
        """The texts of these mentions, by id."""
        found: dict[int, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            found.update(
                (row["id"], row["text"])
                for row in self._rows(f"SELECT id, text FROM mentions WHERE id IN ({marks})", chunk)
            )
        return found

    def _matches_of(self, ids: Sequence[int]) -> dict[int, tuple[Match, ...]]:
        """The matches of exactly these mentions."""
        found: dict[int, tuple[Match, ...]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            found |= self._matches_for(min(chunk), max(chunk), chunk)
        return found

    def _matches_for(self, first: int, last: int, only: Sequence[int] = ()) -> dict[int, tuple[Match, ...]]:
        """The matches of the mentions with ids in [first, last] (`only` these, if given)."""
        sql = "SELECT mention_id, scenario_id, score, explanation FROM matches WHERE mention_id BETWEEN ? AND ?"
        params = [first, last]
        if only:
            sql += f" AND mention_id IN ({','.join('?' for _ in only)})"
            params += list(only)
        return matches_by_mention(self._rows(sql + " ORDER BY score DESC", params))

    def match_times(self, scenario_id: str | None, since: datetime) -> list[datetime]:
        """When mentions matching `scenario_id` (None: all mentions) arrived, since `since`, in order."""
        if scenario_id is None:
            sql, params = "SELECT received_at FROM mentions m WHERE m.received_at >= ?", [to_iso(since)]
        else:
            sql = (
                "SELECT m.received_at FROM mentions m CROSS JOIN matches x ON x.mention_id = m.id "
                "WHERE x.scenario_id = ? AND m.received_at >= ?"
            )
            params = [scenario_id, to_iso(since)]
        return [from_iso(at) for (at,) in self._rows(sql + " ORDER BY m.received_at", params)]

    def known_authors(self, authors: Collection[Pair]) -> set[Pair]:
        """Which of these (network, author) pairs have mentions in the journal already."""
        with self._read_lock:
            return _present(self._reader, "author", authors)

    def negative_authors(self, cutoff: float, incidents: int) -> dict[Pair, int]:
        """Authors with mentions at or below the sentiment `cutoff` that matched the scenario
        of at least `incidents` different incidents (received within a day of its proposal),
        with how many. Each incident reads only its own two days, by arrival."""
        seen: dict[Pair, set[int]] = {}
        for incident_id, scenario_id, proposed in self._rows("SELECT id, scenario_id, proposed_at FROM incidents"):
            at = from_iso(proposed)
            for network, author in self._rows(
                "SELECT m.network, m.author FROM mentions m CROSS JOIN matches x ON x.mention_id = m.id "
                "WHERE m.received_at BETWEEN ? AND ? AND x.scenario_id = ? AND m.sentiment <= ?",
                [to_iso(at - timedelta(days=1)), to_iso(at + timedelta(days=1)), scenario_id, cutoff],
            ):
                seen.setdefault((network, author), set()).add(incident_id)
        return {who: len(found) for who, found in seen.items() if len(found) >= incidents}

    def minute_counts(self, since: datetime, until: datetime, scenario_id: str | None) -> list[tuple[datetime, int]]:
        """How many mentions (matching `scenario_id`, or all) arrived in each minute of
        [since, until), counted by SQLite rather than loaded."""
        minute = "substr(m.received_at, 1, 16)"
        where, params = "m.received_at >= ? AND m.received_at < ?", [to_iso(since), to_iso(until)]
        if scenario_id is None:
            sql = f"SELECT {minute}, COUNT(*) FROM mentions m WHERE {where} GROUP BY 1 ORDER BY 1"
        else:
            sql = (
                f"SELECT {minute}, COUNT(*) FROM mentions m CROSS JOIN matches x ON x.mention_id = m.id "
                f"WHERE x.scenario_id = ? AND {where} GROUP BY 1 ORDER BY 1"
            )
            params.insert(0, scenario_id)
        return [(datetime.fromisoformat(f"{text}:00+00:00"), count) for text, count in self._rows(sql, params)]

    def first_match(self, scenario_id: str, after: datetime | None, until: datetime) -> datetime | None:
        """When the first mention matching `scenario_id` arrived in (`after`, `until`]."""
        found = self._value(
            "SELECT MIN(m.received_at) FROM mentions m CROSS JOIN matches x ON x.mention_id = m.id "
            "WHERE x.scenario_id = ? AND m.received_at > ? AND m.received_at <= ?",
            [scenario_id, to_iso(after) if after else "", to_iso(until)],
        )
        return from_iso(found) if found else None

    def latest_time(self) -> datetime | None:
        """The latest clock time anything was journaled at (to resume a drill clock)."""
        found = self._value(
            "SELECT MAX(t) FROM (SELECT MAX(received_at) AS t FROM mentions UNION ALL SELECT MAX(at) FROM events)"
        )
        return from_iso(found) if found else None

    # -- events and incidents -----------------------------------------------------------

    def _insert_events(self, db: sqlite3.Connection, events: Sequence[Event]) -> list[Event]:
        return [_insert_event(db, event) for event in events]

    def _new_incident(self, db: sqlite3.Connection, scenario_id: str, status: str, at: datetime) -> int:
        return int(
            db.execute(
                "INSERT INTO incidents (scenario_id, status, proposed_at) VALUES (?,?,?)",
                [scenario_id, status, to_iso(at)],
            ).lastrowid
            or 0
        )

    def events(self, incident_id: int | None = None, kind: str | None = None, after_id: int = 0) -> Iterator[Event]:
        where: list[str] = ["id > ?"]
        params: list[Any] = [after_id]
        if incident_id is not None:
            where.append("incident_id = ?")
            params.append(incident_id)
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        sql = "SELECT * FROM events WHERE " + " AND ".join(where)
        for row in self._rows(sql + " ORDER BY id", params):
            yield event_of(row)

    # -- reply drafts -------------------------------------------------------------------

    def save_draft(self, mention_id: int, operator: str, text: str, template_id: str | None) -> Draft:
        """Keep `operator`'s draft for a mention (its post key stays the same across saves);
        refused (`ClaimTaken`) while someone else holds the reply, whose draft it is."""
        with self.writing() as db:
            claim = db.execute(HELD_CLAIM, [mention_id, here_since()]).fetchone()
            claim_taken(mention_id, operator, claim)
            key = db.execute("SELECT post_key FROM drafts WHERE mention_id = ?", [mention_id]).fetchone()
            draft = Draft(mention_id, text, template_id, key[0] if key else new_tid(), datetime.now(UTC))
            db.execute(
                "INSERT OR REPLACE INTO drafts (mention_id, text, template_id, post_key, saved_at) VALUES (?,?,?,?,?)",
                [mention_id, text, template_id, draft.post_key, to_iso(draft.saved_at)],
            )
            return draft

    # -- notices: the inbox -----------------------------------------------------------

    def add_notice(self, notice: Notice) -> Notice | None:
        """Keep a notice in the inbox; None if one of the same cause is there (another war room's)."""
        with self.writing() as db:
            row = db.execute(
                "INSERT INTO notices (at, kind, scenario_id, incident_id, title, body, cause, read) "
                "VALUES (?,?,?,?,?,?,?,0) ON CONFLICT (cause) DO NOTHING RETURNING id",
                notice_row(notice),
            ).fetchone()
        return replace(notice, id=int(row[0])) if row is not None else None

    def notice_groups(self) -> list[NoticeGroup]:
        """The inbox: one group per kind and scenario, with the unread first, newest first."""
        rows = self._rows(
            "SELECT kind, scenario_id, COUNT(*), SUM(read = 0), MIN(at), MAX(at), MAX(id) FROM notices "
            "GROUP BY kind, scenario_id ORDER BY SUM(read = 0) = 0, MAX(id) DESC"
        )
        newest = ",".join(str(int(row[6])) for row in rows) or "NULL"
        latest = {
            row[0]: row[1]
            for row in self._rows(f"SELECT id, title || ' — ' || body FROM notices WHERE id IN ({newest})")
        }
        return [
            NoticeGroup(kind, scenario, count, int(unread), from_iso(first), from_iso(last), latest[last_id])
            for kind, scenario, count, unread, first, last, last_id in rows
        ]

    def notices(self, kind: str, scenario_id: str | None, limit: int = 200) -> list[Notice]:
        """The newest `limit` notices of one group, newest first."""
        rows = self._rows(
            "SELECT id, at, kind, scenario_id, incident_id, title, body, read FROM notices "
            "WHERE kind = ? AND scenario_id IS ? ORDER BY id DESC LIMIT ?",
            [kind, scenario_id, limit],
        )
        return [notice_of(row) for row in rows]

    def mark_read(self, kind: str | None = None, scenario_id: str | None = None) -> int:
        """Mark one group's notices read (all notices, without `kind`); how many were unread."""
        sql, params = "UPDATE notices SET read = 1 WHERE read = 0", []
        if kind is not None:
            sql += " AND kind = ? AND scenario_id IS ?"
            params = [kind, scenario_id]
        with self.writing() as db:
            return db.execute(sql, params).rowcount

    def integrity(self) -> str:
        return str(self._value("PRAGMA integrity_check"))


@contextmanager
def _in_turn(turn: int, waiting: int) -> Iterator[None]:
    """Holding the write turn (a batch may give it up and take it again meanwhile, see
    `Journal._give_way`): it is free again when the block ends."""
    _take_turn(turn, waiting)
    try:
        yield
    finally:
        fcntl.flock(turn, fcntl.LOCK_UN)


def _take_turn(turn: int, waiting: int) -> None:
    """Wait for the write turn (the lock on `turn`), saying so on `waiting` while waiting (see
    `Journal._give_way`)."""
    try:
        fcntl.flock(turn, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fcntl.flock(waiting, fcntl.LOCK_SH)
        try:
            fcntl.flock(turn, fcntl.LOCK_EX)
        finally:
            fcntl.flock(waiting, fcntl.LOCK_UN)


def _cannot_open(path: Path, reason: object) -> JournalError:
    return JournalError(f"{path}: cannot open a journal here ({reason})")


class NotAJournal(JournalError):
    """The file is something else than a journal, and was left untouched."""


class NoJournal(JournalError):
    """No journal where one was to be read: nothing there, an empty file or a folder."""


def _refuse_absent(path: Path) -> None:
    """`path` must hold a journal already: SQLite would take a missing or empty file for a new
    database, and a journal would be made where one was only to be read."""
    try:
        if path.is_dir():
            raise NoJournal(f"{path}: not a journal file")
        if not path.is_file() or not path.stat().st_size:
            raise NoJournal(f"{path}: no journal there")
    except OSError as exc:
        raise _cannot_open(path, exc.strerror or exc) from exc


def turn_files(path: Path) -> tuple[str, str]:
    """The files beside a journal whose locks its writers queue on: the turn, and the waiting."""
    return f"{path}-turn", f"{path}-waiting"


def _close(files: list[int]) -> None:
    for file in files:
        os.close(file)


def _set_up(path: Path) -> tuple[Database, sqlite3.Connection]:
    """The writer, in WAL mode with the schema current, and the read-only reader of `path`."""
    try:
        connection = sqlite3.connect(path, check_same_thread=False)
    except sqlite3.Error as exc:
        raise _cannot_open(path, exc) from exc
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and VERSION_TABLE not in tables:
            raise sqlite3.DatabaseError("a database of another program")
        db = Database(connection)
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=FULL")
        db.enable_wal()
        migrate(db, str(path))
        reader = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise NotAJournal(f"{path} is not a usable smwar journal ({exc}); it was left untouched") from exc
    except JournalError:
        connection.close()
        raise
    reader.row_factory = sqlite3.Row
    return db, reader


def _present(connection: sqlite3.Connection | sqlite3.Cursor, column: str, pairs: Collection[Pair]) -> set[Pair]:
    """Which (network, `column`) pairs have mentions in the journal, each looked up in its
    index (`(network, column) IN (VALUES …)` scanned the whole index instead)."""
    found: set[Pair] = set()
    ordered = list(pairs)
    for start in range(0, len(ordered), PAIRS_PER_QUERY):
        chunk = ordered[start : start + PAIRS_PER_QUERY]
        values = ",".join("(?,?)" for _ in chunk)
        rows = connection.execute(
            f"WITH k(network, value) AS (VALUES {values}) SELECT network, value FROM k WHERE EXISTS "
            f"(SELECT 1 FROM mentions m WHERE m.network = k.network AND m.{column} = k.value)",
            [value for pair in chunk for value in pair],
        ).fetchall()
        found.update((network, value) for network, value in rows)
    return found


def _unseen(connection: sqlite3.Connection | sqlite3.Cursor, mentions: Sequence[Mention]) -> list[int]:
    """The positions of the mentions neither journaled nor earlier among them."""
    return fresh_positions(
        mentions, _present(connection, "native_id", {(mention.network, mention.native_id) for mention in mentions})
    )


def _insert_event(db: sqlite3.Connection, event: Event) -> Event:
    cursor = db.execute(
        "INSERT INTO events (at, wall, actor, kind, incident_id, step_id, payload) VALUES (?,?,?,?,?,?,?)",
        event_row(event, to_iso(datetime.now(UTC))),
    )
    return replace(event, id=cursor.lastrowid)
