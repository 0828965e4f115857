"""`smwar export`: an incident's post-mortem for presenting, sharing or other tools."""

from __future__ import annotations

import gc
from pathlib import Path

import click

from smwar.cli.common import load_runbooks, reports_errors, say
from smwar.errors import file_errors
from smwar.review.formats import FORMAT_HELP, FORMATS


@click.command("export")
@click.argument("incident", type=int)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="md",
    show_default=True,
    help="; ".join(f"{fmt}: {what}" for fmt, what in FORMAT_HELP.items()),
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write it (default: incident-N.EXT here).",
)
@click.option("--pseudonymise", is_flag=True, help="Stable pseudonyms for authors, no links to people: to share.")
@click.option(
    "--run", "run_name", help="A drill run (its name or journal file) instead of the live journal (config: journal)."
)
@click.option("--runbooks", "runbooks_path", type=click.Path(path_type=Path), help="Runbook set to read it with.")
@reports_errors
def export(
    incident: int, fmt: str, output: Path | None, pseudonymise: bool, run_name: str | None, runbooks_path: Path | None
) -> None:
    """Write the post-mortem of INCIDENT (its number, as in the war room)."""
    if output is not None and not output.name:  # -o "" is the path ".", which dir_okay=False lets through
        raise click.BadParameter(f"{str(output)!r} names no file", param_hint="'-o' / '--output'")
    from smwar.config import load_config
    from smwar.engine.drill import find_run
    from smwar.engine.export import default_output
    from smwar.engine.export import export as write_export
    from smwar.engine.live import live_address
    from smwar.engine.review import check_incident, reading_session
    from smwar.journal.address import SQLITE

    runbooks = load_runbooks(runbooks_path)
    address = f"{SQLITE}{find_run(run_name)}" if run_name else live_address(load_config())
    with reading_session(address, runbooks) as session:
        check_incident(session, incident)
        target = output or default_output(incident, fmt, pseudonymise)
        with file_errors(target, "write"):
            written = write_export(session, incident, fmt, target, pseudonymise=pseudonymise)
    # all that is left lives till the process ends: kept out of the exit's collection, which
    # took a tenth of a second to sweep the modules
    gc.freeze()
    say(f"wrote {written}")
