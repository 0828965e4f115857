"""A journal by its address: `postgresql://user@host/db` is a PostgreSQL journal, `sqlite:PATH`
(or a bare path) a SQLite journal file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from smwar.journal.store import Journal

if TYPE_CHECKING:
    from smwar.journal.postgres.store import PostgresJournal

POSTGRES = ("postgresql://", "postgres://")


def is_postgres(address: str) -> bool:
    return address.startswith(POSTGRES)


def open_journal(address: str) -> Journal | PostgresJournal:
    """Open (creating and migrating) the journal at `address`."""
    if is_postgres(address):
        from smwar.journal.postgres.store import PostgresJournal  # psycopg is loaded only for one

        return PostgresJournal.open(address)
    return Journal.open(Path(address.removeprefix("sqlite:")).expanduser())
