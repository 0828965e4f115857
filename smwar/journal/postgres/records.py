"""Looked-up Bluesky profiles in the PostgreSQL journal (see `smwar.journal.profiles` for the
SQLite journal's)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import psycopg

from smwar.clock import to_iso
from smwar.journal.rows import ProfileRow, profile_rows, profiles_of


class Records:
    """The part of the PostgreSQL journal's interface for profiles."""

    if TYPE_CHECKING:  # the journal's own, on which these are built

        def writing(self) -> AbstractContextManager[psycopg.Connection]: ...
        def _rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]: ...

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
