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
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from smwar.clock import from_iso, to_iso
from smwar.model import DELETED, FAILED, REPLIED
from smwar.sources.runner import Health

if TYPE_CHECKING:
    from sqlite_utils import Database

INGEST = "ingest"  # the lease of the process that runs the sources and the matcher
ASSIGNED = "mention.assigned"  # the ingest leader gave a mention to answer to one operator
HANDED = "role.handed"  # an operator handed one of their roles over to another
PRESENT_SECONDS = 15.0  # an operator whose war room has not said so for this long is gone
SEND_SECONDS = 120.0  # a reply being sent is its sender's this long at most (posting it takes seconds)


@dataclass(frozen=True, slots=True)
class Lease:
    name: str
    holder: str
    expires: float  # wall-clock seconds (time.time())
    backlog: int  # mentions the holder's sources handed over and it has not yet journaled

    def held_at(self, now: float) -> bool:
        return self.expires > now


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

    def release_lease(self, name: str, holder: str) -> None:
        """Give the lease up at once, if `holder` holds it: another process takes over
        without waiting for it to expire."""
        with self.writing() as db:
            db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", [name, holder])

    def lease(self, name: str) -> Lease | None:
        rows = self._rows("SELECT name, holder, expires, backlog FROM leases WHERE name = ?", [name])
        return Lease(*rows[0]) if rows else None

    def publish_health(self, health: Sequence[Health]) -> None:
        """How each source is doing, as its runner says: the leader's, for every process to show."""
        with self.writing() as db:
            db.execute("DELETE FROM source_health")
            db.executemany(
                "INSERT INTO source_health VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        item.source_id,
                        item.network,
                        item.state,
                        item.reason,
                        to_iso(item.until) if item.until is not None else None,
                        item.mentions,
                        item.quarantined,
                        item.per_minute,
                        item.refused,
                    )
                    for item in health
                ],
            )

    def source_health(self) -> list[Health]:
        return list(_health(self._rows("SELECT * FROM source_health ORDER BY rowid")))

    def set_paused(self, source_id: str, paused: bool) -> None:
        """Ask whoever runs the sources to pause `source_id` (or to resume it)."""
        with self.writing() as db:
            if paused:
                db.execute("INSERT OR IGNORE INTO source_pauses VALUES (?)", [source_id])
            else:
                db.execute("DELETE FROM source_pauses WHERE source_id = ?", [source_id])

    def paused_sources(self) -> set[str]:
        return {row[0] for row in self._rows("SELECT source_id FROM source_pauses")}

    # -- people --------------------------------------------------------------------------

    def beat(self, operator: str, role: str, doing: str, now: float) -> None:
        """Say that `operator` is here, in `role`, `doing` something (every few seconds)."""
        with self.writing() as db:
            db.execute(
                "INSERT INTO presence VALUES (?,?,?,?) ON CONFLICT (operator) "
                "DO UPDATE SET role = excluded.role, doing = excluded.doing, seen = excluded.seen",
                [operator, role, doing, now],
            )

    def present(self, now: float) -> list[Presence]:
        rows = self._rows(
            "SELECT operator, role, doing FROM presence WHERE seen > ? ORDER BY operator", [now - PRESENT_SECONDS]
        )
        return [Presence(*row) for row in rows]

    def roles_of(self, operator: str, owns: Sequence[str]) -> list[str]:
        """The roles `operator` holds now: those their config says they own, with the roles
        handed to them since and without those they handed on."""
        held = list(owns)
        rows = self._rows(
            "SELECT actor, json_extract(payload, '$.role'), json_extract(payload, '$.to') FROM events "
            "WHERE kind = ? ORDER BY id",
            [HANDED],
        )
        for giver, role, taker in rows:
            if giver == operator and role in held:
                held.remove(role)
            if taker == operator and role not in held:
                held.append(role)
        return held

    def assignments(self) -> dict[int, str]:
        """To whom the ingest leader assigned each mention it assigned, by mention id."""
        rows = self._rows(
            "SELECT json_extract(payload, '$.mention_id'), json_extract(payload, '$.operator') FROM events "
            "WHERE kind = ? ORDER BY id",
            [ASSIGNED],
        )
        return {int(mention_id): str(operator) for mention_id, operator in rows}

    def claim(self, mention_id: int, operator: str, now: datetime, *, steal: bool = False) -> Claim | None:
        """Claim the reply to a mention for `operator`: None when it is theirs now, else the
        claim of whoever is replying already (taken over only when `steal`)."""
        with self.writing() as db:
            row = db.execute("SELECT operator, since FROM claims WHERE mention_id = ?", [mention_id]).fetchone()
            if row is not None and row[0] != operator and not steal:
                return Claim(mention_id, row[0], from_iso(row[1]))
            db.execute("INSERT OR REPLACE INTO claims VALUES (?,?,?)", [mention_id, operator, to_iso(now)])
            return None

    def release(self, mention_id: int, operator: str) -> None:
        """Give the claim up, if it is still `operator`'s (and the reply they were sending)."""
        with self.writing() as db:
            db.execute("DELETE FROM claims WHERE mention_id = ? AND operator = ?", [mention_id, operator])
            db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", [_sending(mention_id), operator])

    def claims(self) -> dict[int, Claim]:
        rows = self._rows("SELECT mention_id, operator, since FROM claims")
        return {row[0]: Claim(row[0], row[1], from_iso(row[2])) for row in rows}

    def stale_send(self, mention_id: int, operator: str) -> str | None:
        """Why `operator` must not send a reply to the mention now, checked in one transaction
        (None: go ahead): someone else holds the claim, replied, or is sending a reply this
        moment, or its author deleted the post. Going ahead, `operator` is the one sending it
        until `sent` (or `release`), or for `SEND_SECONDS`: another who took the claim over
        meanwhile is told to wait, so that the two replies never both go out."""
        with self.writing() as db:
            reason = _stale(db, mention_id, operator, time.time())
            if reason is None:
                db.execute(
                    "INSERT OR REPLACE INTO leases (name, holder, expires) VALUES (?,?,?)",
                    [_sending(mention_id), operator, time.time() + SEND_SECONDS],
                )
            return reason

    def sent(self, mention_id: int, operator: str) -> None:
        """`operator` is no longer sending a reply to the mention (it went out, or failed)."""
        with self.writing() as db:
            db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", [_sending(mention_id), operator])


def _sending(mention_id: int) -> str:
    """The name of the lease of whoever is sending a reply to the mention."""
    return f"sending:{mention_id}"


def _stale(db: sqlite3.Connection, mention_id: int, operator: str, now: float) -> str | None:
    holder = db.execute("SELECT operator, since FROM claims WHERE mention_id = ?", [mention_id]).fetchone()
    if holder is not None and holder[0] != operator:
        return f"{holder[0]} took the reply over at {from_iso(holder[1]).astimezone():%H:%M}"
    sending = db.execute(
        "SELECT holder FROM leases WHERE name = ? AND holder != ? AND expires > ?",
        [_sending(mention_id), operator, now],
    ).fetchone()
    if sending is not None:
        return f"{sending[0]} is sending a reply to it this moment"
    other = db.execute(
        "SELECT actor, at FROM events WHERE kind = ? AND actor != ? "
        "AND json_extract(payload, '$.mention_id') = ? AND json_extract(payload, '$.how') IS NOT ? "
        "ORDER BY id DESC LIMIT 1",
        [REPLIED, operator, mention_id, FAILED],
    ).fetchone()
    if other is not None:
        return f"{other[0]} already replied at {from_iso(other[1]).astimezone():%H:%M}"
    revised = db.execute("SELECT revised FROM mentions WHERE id = ?", [mention_id]).fetchone()
    if revised is not None and revised[0] == DELETED:
        return "its author deleted the post"
    return None


@dataclass(frozen=True, slots=True)
class Claim:
    mention_id: int
    operator: str
    since: datetime


@dataclass(frozen=True, slots=True)
class Presence:
    operator: str
    role: str
    doing: str  # where in the war room: the feed, a reply, an incident

    @property
    def roles(self) -> list[str]:
        """The roles in `role`, which names them all (`social-team, customer-service`)."""
        return [role.strip() for role in self.role.split(",")]


def _health(rows: Sequence[sqlite3.Row]) -> Iterator[Health]:
    for row in rows:
        until = row["until"]
        yield Health(
            row["source_id"],
            row["network"],
            row["state"],
            row["reason"],
            from_iso(until) if until else None,
            row["mentions"] or 0,
            row["quarantined"] or 0,
            row["per_minute"] or 0.0,
            row["refused"] or 0,
        )
