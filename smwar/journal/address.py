"""A journal by its address: `postgresql://user@host/db` is a PostgreSQL journal, `sqlite:PATH`
(or a bare path) a SQLite journal file. Light to import: the config checks addresses with it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from smwar.errors import SmwarError

if TYPE_CHECKING:
    from smwar.journal.interface import JournalStore

POSTGRES = ("postgresql://", "postgres://")
SQLITE = "sqlite:"
PASSWORD_REFUSED = (
    "a PostgreSQL address must not carry its password (it would show in process lists and logs): "
    "keep it in the keyring with `smwar auth set postgresql:HOST`"
)
SECRETS = ("password", "sslpassword")  # an address's parameters that would carry one
URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")  # scheme://…: an address, never a file's path


def is_postgres(address: str) -> bool:
    return address.startswith(POSTGRES)


def checked_address(address: str) -> str:
    """`address` if it names a journal and carries no password; else a ValueError saying why."""
    if is_postgres(address):
        parts = urlsplit(address)
        if parts.password is not None or any(key in SECRETS for key in parse_qs(parts.query)):
            raise ValueError(PASSWORD_REFUSED)
        return address
    path = address.removeprefix(SQLITE)
    if address.startswith(SQLITE) and path.strip():
        if not Path(path).expanduser().is_absolute():  # each war room would find it where it was started
            raise ValueError(f"{address!r}: a journal file's path must be absolute (or start with ~)")
        return address
    raise ValueError(f"{address!r} is no journal address: postgresql://USER@HOST/DB or sqlite:PATH")


def open_journal(address: str, *, create: bool = True) -> JournalStore:
    """Open the journal at `address`, migrating its schema; `create`: make it if it is not there
    (else a SQLite file that is missing or empty is refused, and nothing is made)."""
    if is_postgres(address):
        from smwar.journal.postgres.store import PostgresJournal  # psycopg is loaded only for one

        return PostgresJournal.open(address)
    from smwar.journal.store import Journal

    return Journal.open(sqlite_path(address), create=create)


def sqlite_path(address: str) -> Path:
    """The file of a SQLite journal's address (`sqlite:PATH` or a bare path); an address of
    another kind (`mysql://…`) is refused, not taken for a folder `mysql:`."""
    if URL.match(address):
        raise SmwarError(f"unknown kind of journal address {address!r} (a file path, sqlite:PATH or postgresql://…)")
    return Path(address.removeprefix(SQLITE)).expanduser()
