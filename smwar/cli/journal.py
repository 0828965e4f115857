"""`smwar journal`: where the journal is kept. `migrate` copies it between SQLite and PostgreSQL."""

from __future__ import annotations

import click

from smwar.cli.common import reports_errors, say
from smwar.errors import SmwarError


@click.group("journal")
def journal() -> None:
    """The journal: a SQLite file on this host, or a PostgreSQL database for a team past one host."""


@journal.command("migrate")
@click.option(
    "--to",
    "target",
    required=True,
    metavar="ADDRESS",
    help="postgresql://USER@HOST/DB (its password in the keyring: `smwar auth set postgresql:HOST`), or sqlite:PATH.",
)
@click.option("--from", "source", metavar="ADDRESS", help="The journal to copy (default: the live journal).")
@reports_errors
def migrate(target: str, source: str | None) -> None:
    """Copy a journal to ADDRESS, in batches; run again, it resumes where it stopped. Every
    table is checked by its rows and a checksum. Stop the war room first: what it writes
    during the copy would not match."""
    from smwar.config import load_config
    from smwar.engine.live import live_address
    from smwar.journal.postgres.copy import copy_journal

    def progress(table: str, done: int, total: int) -> None:
        say(f"{table}: {done}/{total}", err=True)

    from smwar.journal.address import open_journal

    checked = copy_journal(source or live_address(load_config()), target, progress)
    for item in checked:
        say(f"{item.table}: {item.target_rows} rows, same checksum")
    with open_journal(target) as copy:
        _say_integrity(copy.integrity(), target)
    say("copied and checked")


@journal.command("check")
@click.option("--journal", "address", metavar="ADDRESS", help="The journal to check (default: the live journal).")
@reports_errors
def check(address: str | None) -> None:
    """Check a journal: SQLite's own integrity check of the file, or on PostgreSQL what the
    journal relies on beyond the server's guards (usable indexes, append-only events, mention
    ids without gaps, ids ahead of the rows). Says what is wrong, and exits non-zero, if anything is."""
    from smwar.config import load_config
    from smwar.engine.live import live_address
    from smwar.journal.address import open_journal

    address = address or live_address(load_config())
    with open_journal(address, create=False) as checked:
        _say_integrity(checked.integrity(), address)
    say("ok")


def _say_integrity(found: str, address: str) -> None:
    if found != "ok":
        raise SmwarError(f"{address}: the journal is damaged:\n{found}")
