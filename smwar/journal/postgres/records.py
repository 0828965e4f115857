"""Edits and deletions of mentions, and looked-up Bluesky profiles, in the PostgreSQL journal
(see `smwar.journal.revisions` and `smwar.journal.profiles` for the SQLite journal's)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import psycopg

from smwar.clock import from_iso, to_iso
from smwar.journal.rows import ProfileRow, is_news, profile_rows, profiles_of
from smwar.model import EDITED, Revision


class Records:
    """The part of the PostgreSQL journal's interface for revisions and profiles."""

    if TYPE_CHECKING:  # the journal's own, on which these are built

        def writing(self) -> AbstractContextManager[psycopg.Connection]: ...
        def _rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]: ...

    def revise(self, revisions: Sequence[Revision]) -> int:
        """Journal `revisions` in one transaction; how many named a journaled mention."""
        if not revisions:
            return 0
        with self.writing() as db, db.cursor() as cursor:
            return revise_in(cursor, revisions)

    def revisions_of(self, mention_id: int) -> list[Revision]:
        """What became of a mention, in order (its network and id as the mention's)."""
        rows = self._rows(
            "SELECT m.network, m.native_id, r.kind, r.at, r.text FROM revisions r "
            "JOIN mentions m ON m.id = r.mention_id WHERE r.mention_id = %s ORDER BY r.id",
            [mention_id],
        )
        return [Revision(network, native_id, kind, from_iso(at), text) for network, native_id, kind, at, text in rows]

    def known_profiles(self, dids: Sequence[str], now: datetime) -> dict[str, tuple[ProfileRow | None, datetime]]:
        """The profiles of `dids` kept and not expired at `now` (None: not found), with when each expires."""
        rows = self._rows(
            "SELECT did, found, handle, name, followers, expires FROM profiles WHERE did = ANY(%s) AND expires > %s",
            [list(dids), to_iso(now)],
        )
        return profiles_of(rows)

    def keep_profiles(self, found: Mapping[str, ProfileRow | None], until: datetime) -> None:
        """Keep `found` (None: not found) until `until`; the profiles expired by now are dropped."""
        with self.writing() as db, db.cursor() as cursor:
            cursor.execute("DELETE FROM profiles WHERE expires <= %s", [to_iso(datetime.now(UTC))])
            cursor.executemany(
                "INSERT INTO profiles (did, found, handle, name, followers, expires) VALUES (%s,%s,%s,%s,%s,%s) "
                "ON CONFLICT (did) DO UPDATE SET found = excluded.found, handle = excluded.handle, "
                "name = excluded.name, followers = excluded.followers, expires = excluded.expires",
                profile_rows(found, until),
            )


def revise_in(db: psycopg.Cursor[Any], revisions: Sequence[Revision]) -> int:
    """`revisions` journaled inside an open write transaction (see `Records.revise`)."""
    kept = 0
    for revision in revisions:
        row = db.execute(
            "SELECT m.id, COALESCE((SELECT r.text FROM revisions r WHERE r.mention_id = m.id AND r.kind = %s "
            "ORDER BY r.id DESC LIMIT 1), m.text) FROM mentions m WHERE m.network = %s AND m.native_id = %s",
            [EDITED, revision.network, revision.native_id],
        ).fetchone()
        if row is None or not is_news(revision, row[1]):
            continue
        db.execute(
            "INSERT INTO revisions (mention_id, kind, at, text) VALUES (%s,%s,%s,%s)",
            [row[0], revision.kind, to_iso(revision.at), revision.text],
        )
        db.execute("UPDATE mentions SET revised = %s WHERE id = %s", [revision.kind, row[0]])
        kept += 1
    return kept
