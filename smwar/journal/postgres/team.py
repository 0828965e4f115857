"""What processes sharing one PostgreSQL journal tell each other (see `smwar.journal.team`
for the SQLite journal's): the ingest lease, the sources' health and pauses, presence, claims
and the stale-send guard.

A lease is taken by one conditional statement (an upsert that changes the row only when it is
free, expired or the taker's own). Claiming, releasing, saving a draft and the stale-send
guard first take the mention's turn (a transaction's advisory lock on its id), so that two
operators' transactions on one mention take turns: what one of them reads stays true until it
commits. A row lock would do as well, but locking a row writes to the log, and every
transaction that takes one waits for the disk as it commits, even one that is refused and
changes nothing; an advisory lock writes nothing."""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg

from smwar.clock import from_iso, to_iso
from smwar.journal.portable import HELD_CLAIM, here_since, marked
from smwar.journal.postgres.pages import POSTGRES
from smwar.journal.postgres.schema import REPLIES, REPLY_MENTION
from smwar.journal.rows import (
    SEND_SECONDS,
    Claim,
    health_of,
    health_row,
    sending,
    stale_reason,
)
from smwar.model import FAILED
from smwar.sources.runner import Health

HELD = marked(HELD_CLAIM, POSTGRES.mark)
TURNS = 0x636C61  # the advisory locks' class of the mentions' turns ("cla")


class Coordination:
    """The part of the PostgreSQL journal's interface that lets several processes work one journal."""

    if TYPE_CHECKING:  # the journal's own, on which these are built

        def writing(self) -> AbstractContextManager[psycopg.Connection]: ...
        def _rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]: ...
        def _named(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]: ...

    def checkpoint(self) -> None:
        """Nothing to do, as the ingest leader asks after each round: PostgreSQL's own
        checkpointer writes its log out, and no commit waits for it."""

    def take_lease(self, name: str, holder: str, now: float, seconds: float, backlog: int = 0) -> bool:
        """Take or renew the lease `name` for `holder` until `now + seconds`: granted when
        it is free, expired or already `holder`'s."""
        with self.writing() as db:
            granted = db.execute(
                "INSERT INTO leases (name, holder, expires, backlog) VALUES (%s,%s,%s,%s) ON CONFLICT (name) "
                "DO UPDATE SET holder = excluded.holder, expires = excluded.expires, backlog = excluded.backlog "
                "WHERE leases.holder = excluded.holder OR leases.expires <= %s RETURNING name",
                [name, holder, now + seconds, backlog, now],
            ).fetchone()
            return granted is not None

    def publish_health(self, health: Sequence[Health]) -> None:
        """How each source is doing, as its runner says: the leader's, for every process to show."""
        with self.writing() as db, db.cursor() as cursor:
            cursor.execute("DELETE FROM source_health")
            cursor.executemany(
                "INSERT INTO source_health (source_id, network, state, reason, until, mentions, quarantined, "
                "per_minute, refused) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                [health_row(item) for item in health],
            )

    def source_health(self) -> list[Health]:
        return [health_of(row) for row in self._named("SELECT * FROM source_health ORDER BY seq")]

    # -- people --------------------------------------------------------------------------

    def claim(self, mention_id: int, operator: str, now: datetime, *, steal: bool = False) -> Claim | None:
        """Claim the reply to a mention for `operator`: None when it is theirs now, else the
        claim of whoever is replying already (taken over only when `steal`; the claim of one who
        is no longer here is no one's)."""
        with self.writing() as db:
            with db.pipeline():  # the turn and the read in one round trip
                take_turn(db, mention_id)
                found = db.execute(HELD, [mention_id, here_since()])
            row = found.fetchone()
            if row is not None and row[0] != operator and not steal:
                return Claim(mention_id, row[0], from_iso(row[1]))
            db.execute(
                "INSERT INTO claims VALUES (%s,%s,%s) ON CONFLICT (mention_id) "
                "DO UPDATE SET operator = excluded.operator, since = excluded.since",
                [mention_id, operator, to_iso(now)],
            )
            return None

    def release(self, mention_id: int, operator: str) -> None:
        """Give the claim up, if it is still `operator`'s (and the reply they were sending)."""
        with self.writing() as db, db.pipeline():
            take_turn(db, mention_id)
            db.execute("DELETE FROM claims WHERE mention_id = %s AND operator = %s", [mention_id, operator])
            db.execute("DELETE FROM leases WHERE name = %s AND holder = %s", [sending(mention_id), operator])

    def stale_send(self, mention_id: int, operator: str, opened: int) -> str | None:
        """Why `operator` must not send a reply to the mention now, checked in one transaction
        (None: go ahead); going ahead, `operator` is the one sending it until `sent` (or
        `release`), or for `SEND_SECONDS` (see the SQLite journal's)."""
        with self.writing() as db:
            now = time.time()
            reason = _stale(db, mention_id, operator, opened, now)
            if reason is None:
                db.execute(
                    "INSERT INTO leases (name, holder, expires) VALUES (%s,%s,%s) ON CONFLICT (name) "
                    "DO UPDATE SET holder = excluded.holder, expires = excluded.expires",
                    [sending(mention_id), operator, now + SEND_SECONDS],
                )
            return reason


def take_turn(db: psycopg.Connection, mention_id: int) -> None:
    """Take the mention's turn until the transaction ends: its claim's writers take turns (ids
    past 2**31 share a turn with an older mention's, which only makes the two take turns)."""
    db.execute("SELECT pg_advisory_xact_lock(%s, %s)", [TURNS, mention_id & 0x7FFFFFFF])


def _stale(db: psycopg.Connection, mention_id: int, operator: str, opened: int, now: float) -> str | None:
    """Why `operator` must not send a reply to the mention now (see `stale_reason`), read after
    taking the mention's turn; the turn and the reads in one round trip."""
    with db.pipeline():
        take_turn(db, mention_id)
        claim = db.execute(HELD, [mention_id, here_since()])
        sender = db.execute(
            "SELECT holder FROM leases WHERE name = %s AND holder != %s AND expires > %s",
            [sending(mention_id), operator, now],
        )
        reply = db.execute(  # by the index of the replies, whose condition it says as the index does
            f"SELECT actor, at FROM events WHERE {REPLIES} AND {REPLY_MENTION} = %s "
            "AND (actor != %s OR id > %s) AND (payload::jsonb ->> 'how') IS DISTINCT FROM %s ORDER BY id DESC LIMIT 1",
            [str(mention_id), operator, opened, FAILED],
        )
        revised = db.execute("SELECT revised FROM mentions WHERE id = %s", [mention_id])
    held, revision = sender.fetchone(), revised.fetchone()
    return stale_reason(
        operator, claim.fetchone(), held[0] if held else None, reply.fetchone(), revision[0] if revision else None
    )
