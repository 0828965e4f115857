"""Connections to a PostgreSQL journal by its address (`postgresql://user@host/db`). The password
is never part of the address (nor of argv, config or logs): it comes from the keyring, as
`postgresql:HOST`, or else from what libpq reads itself (a passfile, PGPASSWORD)."""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict

from smwar.journal.address import PASSWORD_REFUSED, SECRETS, checked_address
from smwar.journal.schema import JournalError
from smwar.secrets import get_secret

# unless the address says otherwise: a server that does not answer (a network that drops
# packets rather than refusing them) is given up on within seconds, not the system's minutes,
# so that a war room says its journal is unreachable instead of hanging with a lock held
PATIENCE = {
    "connect_timeout": "5",
    "keepalives": "1",
    "keepalives_idle": "10",
    "keepalives_interval": "5",
    "keepalives_count": "3",
    "tcp_user_timeout": "15000",
}


def secret_name(url: str) -> str:
    """The keyring name of the password for the server at `url` (`smwar auth set postgresql:HOST`)."""
    return _secret_name(_parts(url))


def _secret_name(parts: dict[str, object]) -> str:
    return f"auth:postgresql:{parts.get('host') or 'localhost'}"


def _parts(url: str) -> dict[str, object]:
    """The address's parts; refused, without a word of the address, if it carries a password
    (checked before parsing: the parser's complaints quote what they could not read)."""
    try:
        checked_address(url)
        parts = conninfo_to_dict(url)
    except ValueError as exc:
        raise JournalError(str(exc)) from None
    except psycopg.ProgrammingError:
        raise JournalError("not a PostgreSQL address: postgresql://USER@HOST/DB?PARAMETER=VALUE") from None
    if any(key in SECRETS for key in parts):  # as a parameter spelled otherwise than the URL check knows
        raise JournalError(PASSWORD_REFUSED)
    return parts


def connect(url: str, *, autocommit: bool = True) -> psycopg.Connection:
    """A connection to the database at `url`, with the keyring's password for its host if it has one."""
    parts = _parts(url)
    password = get_secret(_secret_name(parts))
    extra = {key: value for key, value in PATIENCE.items() if key not in parts}
    if password is not None:
        extra["password"] = password
    try:
        return psycopg.connect(url, autocommit=autocommit, **extra)
    except psycopg.OperationalError as exc:
        raise JournalError(f"cannot open the PostgreSQL journal at {shown(url)} ({one_line(exc)})") from None


def shown(url: str) -> str:
    """`url` as it may be shown: as given, user, port and parameters too, once `_parts` has made
    sure it carries no password."""
    _parts(url)
    return url


def one_line(error: Exception) -> str:
    """libpq's message, whose hint goes on an indented line of its own, as one line."""
    return "; ".join(line.strip() for line in str(error).splitlines() if line.strip())
