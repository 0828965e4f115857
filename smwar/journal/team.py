"""What processes sharing one journal tell each other: who runs the sources (a lease), how
the sources are doing, which of them an operator paused, who is here (presence), who is
replying to which mention (claims), and whether anything changed.

Every write is a short `BEGIN IMMEDIATE` transaction (SQLite's busy timeout lets a second
writer wait for it); a lease's expiry is wall-clock seconds, which every process on one host
shares. A process learns that another one wrote by `PRAGMA data_version`, which changes on
its connection whenever another connection commits: a check that costs no read of a table.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from smwar.clock import from_iso, to_iso
from smwar.journal.portable import HELD_CLAIM, here_since
from smwar.journal.rows import ASSIGNED as ASSIGNED
from smwar.journal.rows import HANDED as HANDED
from smwar.journal.rows import INGEST as INGEST
from smwar.journal.rows import PRESENT_SECONDS as PRESENT_SECONDS
from smwar.journal.rows import SEND_SECONDS as SEND_SECONDS
from smwar.journal.rows import (
    Claim,
    health_of,
    health_row,
    sending,
    stale_reason,
)
from smwar.journal.rows import Lease as Lease
from smwar.journal.rows import Presence as Presence
from smwar.journal.schema import REPLIES, REPLY_MENTION
from smwar.model import FAILED
from smwar.sources.runner import Health

if TYPE_CHECKING:
    from sqlite_utils import Database


class Coordination:
    """The part of the journal's interface that lets several processes work one journal."""

    _data_version: int | None = None

    if TYPE_CHECKING:  # the journal's own, on which these are built
        _db: Database
        _lock: AbstractContextManager[Any]  # the writer's

        def writing(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _rows(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]: ...
        def _value(self, sql: str, params: Sequence[object] = ()) -> Any: ...

    def checkpoint(self) -> None:
        """Copy what the write-ahead log holds into the journal file now, as far as no reader
        still needs it (SQLite's PASSIVE checkpoint; it waits for nobody and nobody waits for
        it). The ingest leader does it after each round: otherwise the commit that fills the
        log to SQLite's threshold does it, an operator's as likely as any, which then takes
        many times a commit's time."""
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def changed(self) -> bool:
        """Whether another connection committed since the last call (True on the first)."""
        version = int(self._value("PRAGMA data_version"))
        changed, self._data_version = version != self._data_version, version
        return changed

    def take_lease(self, name: str, holder: str, now: float, seconds: float, backlog: int = 0) -> bool:
        """Take or renew the lease `name` for `holder` until `now + seconds`: granted when
        it is free, expired or already `holder`'s."""
        with self.writing() as db:
            row = db.execute("SELECT holder, expires FROM leases WHERE name = ?", [name]).fetchone()
            if row is not None and row[0] != holder and row[1] > now:
                return False
            db.execute(
                "INSERT INTO leases (name, holder, expires, backlog) VALUES (?,?,?,?) ON CONFLICT (name) "
                "DO UPDATE SET holder = excluded.holder, expires = excluded.expires, backlog = excluded.backlog",
                [name, holder, now + seconds, backlog],
            )
            return True

    def publish_health(self, health: Sequence[Health]) -> None:
        """How each source is doing, as its runner says: the leader's, for every process to show."""
        with self.writing() as db:
            db.execute("DELETE FROM source_health")
            db.executemany(
                "INSERT INTO source_health VALUES (?,?,?,?,?,?,?,?,?)", [health_row(item) for item in health]
            )

    def source_health(self) -> list[Health]:
        return [health_of(row) for row in self._rows("SELECT * FROM source_health ORDER BY rowid")]

    # -- people --------------------------------------------------------------------------

    def claim(self, mention_id: int, operator: str, now: datetime, *, steal: bool = False) -> Claim | None:
        """Claim the reply to a mention for `operator`: None when it is theirs now, else the
        claim of whoever is replying already (taken over only when `steal`; the claim of one who
        is no longer here is no one's)."""
        with self.writing() as db:
            row = db.execute(HELD_CLAIM, [mention_id, here_since()]).fetchone()
            if row is not None and row[0] != operator and not steal:
                return Claim(mention_id, row[0], from_iso(row[1]))
            db.execute("INSERT OR REPLACE INTO claims VALUES (?,?,?)", [mention_id, operator, to_iso(now)])
            return None

    def release(self, mention_id: int, operator: str) -> None:
        """Give the claim up, if it is still `operator`'s (and the reply they were sending)."""
        with self.writing() as db:
            db.execute("DELETE FROM claims WHERE mention_id = ? AND operator = ?", [mention_id, operator])
            db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", [sending(mention_id), operator])

    def stale_send(self, mention_id: int, operator: str, opened: int) -> str | None:
        """Why `operator` must not send a reply to the mention now, checked in one transaction
        (None: go ahead): someone else holds the claim, replied, or is sending a reply this
        moment, a reply went out after the event `opened` (the last one journaled when the
        editor opened: `operator`'s own from another war room too), or its author deleted the
        post. Going ahead, `operator` is the one sending it
        until `sent` (or `release`), or for `SEND_SECONDS`: another who took the claim over
        meanwhile is told to wait, so that the two replies never both go out."""
        with self.writing() as db:
            reason = _stale(db, mention_id, operator, opened, time.time())
            if reason is None:
                db.execute(
                    "INSERT OR REPLACE INTO leases (name, holder, expires) VALUES (?,?,?)",
                    [sending(mention_id), operator, time.time() + SEND_SECONDS],
                )
            return reason


def _stale(db: sqlite3.Connection, mention_id: int, operator: str, opened: int, now: float) -> str | None:
    claim = db.execute(HELD_CLAIM, [mention_id, here_since()]).fetchone()
    sender = db.execute(
        "SELECT holder FROM leases WHERE name = ? AND holder != ? AND expires > ?",
        [sending(mention_id), operator, now],
    ).fetchone()
    reply = db.execute(
        f"SELECT actor, at FROM events WHERE {REPLIES} AND {REPLY_MENTION} = ? AND (actor != ? OR id > ?) "
        "AND json_extract(payload, '$.how') IS NOT ? ORDER BY id DESC LIMIT 1",
        [mention_id, operator, opened, FAILED],
    ).fetchone()
    revised = db.execute("SELECT revised FROM mentions WHERE id = ?", [mention_id]).fetchone()
    return stale_reason(operator, claim, sender[0] if sender else None, reply, revised[0] if revised else None)
