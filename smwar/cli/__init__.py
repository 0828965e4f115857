"""The `smwar` command; each group of subcommands lives in a module of its own."""

from __future__ import annotations

import sys

import click

from smwar import __version__
from smwar.cli.contacts import contacts
from smwar.cli.drill import drill
from smwar.cli.runbooks import runbooks
from smwar.paths import data_dir


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="smwar")
@click.pass_context
def main(ctx: click.Context) -> None:
    """smwar: a social-media war room in the terminal."""
    if ctx.invoked_subcommand is None:
        click.echo(
            "Live mode has no sources configured yet.\n"
            "Rehearse with the bundled shitstorm instead:  smwar drill\n"
            "More:  smwar --help",
            err=True,
        )
        sys.exit(1)


@main.command("paths")
def paths() -> None:
    """Show where smwar keeps its data (SMWAR_HOME relocates it)."""
    from smwar.paths import config_dir, drill_runs_dir

    click.echo(f"config:  {config_dir()}\ndata:    {data_dir()}\ndrills:  {drill_runs_dir()}")


main.add_command(drill)
main.add_command(runbooks)
main.add_command(contacts)
