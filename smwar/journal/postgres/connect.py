"""Connections to a PostgreSQL journal by its address (`postgresql://user@host/db`). The password
is never part of the address (nor of argv, config or logs): it comes from the keyring, as
`postgresql:HOST`, or else from what libpq reads itself (a passfile, PGPASSWORD)."""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict

from smwar.journal.schema import JournalError
from smwar.secrets import get_secret


def secret_name(url: str) -> str:
    """The keyring name of the password for the server at `url` (`smwar auth set postgresql:HOST`)."""
    return f"auth:postgresql:{_parts(url).get('host') or 'localhost'}"


def _parts(url: str) -> dict[str, object]:
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise JournalError(f"not a PostgreSQL address: {exc}") from None
    if "password" in parts:
        raise JournalError(
            "a PostgreSQL address must not carry its password (it would show in process lists "
            "and logs): keep it in the keyring with `smwar auth set postgresql:HOST`"
        )
    return parts


def connect(url: str, *, autocommit: bool = True) -> psycopg.Connection:
    """A connection to the database at `url`, with the keyring's password for its host if it has one."""
    password = get_secret(secret_name(url))
    extra = {"password": password} if password is not None else {}
    try:
        return psycopg.connect(url, autocommit=autocommit, **extra)
    except psycopg.OperationalError as exc:
        raise JournalError(f"cannot open the PostgreSQL journal at {redacted(url)} ({exc})".strip()) from None


def redacted(url: str) -> str:
    """`url` as it may be shown: its database and where it is, nothing more."""
    parts = _parts(url)
    return f"postgresql://{parts.get('host', '')}/{parts.get('dbname', '')}"
