"""Bluesky authors' profiles as the AppView gave them (handle, display name, follower count),
kept until they expire, so that a restarted source does not look every author up again. A DID
the AppView did not find (a deleted account) is kept too, as not found."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from smwar.clock import to_iso
from smwar.journal.rows import ProfileRow, profile_rows, profiles_of

DIDS_PER_QUERY = 400  # within SQLite's older limit on bound values (999)


class Profiles:
    """The part of the journal's interface that keeps looked-up profiles."""

    if TYPE_CHECKING:  # the journal's own, on which these are built

        def writing(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _rows(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]: ...

    def known_profiles(self, dids: Sequence[str], now: datetime) -> dict[str, tuple[ProfileRow | None, datetime]]:
        """The profiles of `dids` kept and not expired at `now` (None: not found), with when
        each expires."""
        known: dict[str, tuple[ProfileRow | None, datetime]] = {}
        for start in range(0, len(dids), DIDS_PER_QUERY):
            chunk = dids[start : start + DIDS_PER_QUERY]
            rows = self._rows(
                "SELECT did, found, handle, name, followers, expires FROM profiles "
                f"WHERE did IN ({','.join('?' * len(chunk))}) AND expires > ?",
                [*chunk, to_iso(now)],
            )
            known |= profiles_of(rows)
        return known

    def keep_profiles(self, found: Mapping[str, ProfileRow | None], until: datetime) -> None:
        """Keep `found` (None: not found) until `until`, in place of what was kept of them;
        the profiles expired by now are dropped."""
        rows = profile_rows(found, until)
        with self.writing() as db:
            db.execute("DELETE FROM profiles WHERE expires <= ?", [to_iso(datetime.now(UTC))])
            db.executemany(
                "INSERT OR REPLACE INTO profiles (did, found, handle, name, followers, expires) VALUES (?,?,?,?,?,?)",
                rows,
            )
