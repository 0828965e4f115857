"""`smwar journal`: where the journal is kept. `migrate` copies it between SQLite and PostgreSQL."""

from __future__ import annotations

import click

from smwar.cli.common import reports_errors, say


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

    checked = copy_journal(source or live_address(load_config()), target, progress)
    for item in checked:
        say(f"{item.table}: {item.target_rows} rows, same checksum")
    say("copied and checked")
