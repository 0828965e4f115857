"""The `smwar` command."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from click_default_group import DefaultGroup

from smwar import __version__
from smwar.clock import DrillClock, check_speed
from smwar.config import load_config
from smwar.drills.script import find_drill
from smwar.engine.drill import drill_session, open_drill_run
from smwar.errors import InputErrors, SmwarError
from smwar.paths import bundled_runbooks_dir, data_dir
from smwar.runbooks.loader import load_runbook_set, runbook_files

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(command: F) -> F:
    """Print a user's error as `file:line: message` lines and exit non-zero, never a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SmwarError as exc:
            click.echo(f"smwar: {exc}" if not isinstance(exc, InputErrors) else str(exc), err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


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


@main.group(cls=DefaultGroup, default="play", default_if_no_args=True)
def drill() -> None:
    """Rehearse a crisis: `smwar drill [SCRIPT]` plays a drill (the bundled one by default)."""


def _speed(_: click.Context, __: click.Parameter, value: float) -> float:
    try:
        return check_speed(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@drill.command("play")
@click.argument("script", required=False)
@click.option(
    "--speed", type=float, default=10.0, show_default=True, callback=_speed, help="Drill time per real second, 1 to 60."
)
@click.option("--new", "fresh", is_flag=True, help="Start a fresh run instead of resuming the last one.")
@click.option(
    "--runbooks",
    "runbooks_path",
    type=click.Path(path_type=Path),
    help="Runbook set to play against (default: your own, else the bundled examples).",
)
@reports_errors
def play(script: str | None, speed: float, fresh: bool, runbooks_path: Path | None) -> None:
    """Play SCRIPT (a drill file or a bundled drill's name) in the war room."""
    from smwar.tui.app import DrillInfo, WarRoomApp

    config = load_config()
    runbooks = load_runbook_set(runbooks_path or config.runbook_path(bundled_runbooks_dir()))
    run = open_drill_run(find_drill(script), fresh=fresh, now=datetime.now(UTC))
    clock = DrillClock(run.position, speed)
    session = drill_session(run, runbooks, clock, config.operator)
    with run.journal:
        WarRoomApp(session, drill=DrillInfo.of(run)).run()
    click.echo(f"Drill journal: {run.journal.path}")


@main.group()
def runbooks() -> None:
    """Work with runbook sets."""


@runbooks.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@reports_errors
def check(path: Path | None) -> None:
    """Validate a runbook set (default: the one smwar would use) and report every problem."""
    target = path or load_config().runbook_path(bundled_runbooks_dir())
    loaded = load_runbook_set(target)
    files = runbook_files(target)
    click.echo(
        f"{target}: {len(files)} files, {len(loaded.scenarios)} scenarios, "
        f"{sum(len(s.step) for s in loaded.scenarios)} steps: OK"
    )


@main.command("paths")
def paths() -> None:
    """Show where smwar keeps its data (SMWAR_HOME relocates it)."""
    from smwar.paths import config_dir, drill_runs_dir

    click.echo(f"config:  {config_dir()}\ndata:    {data_dir()}\ndrills:  {drill_runs_dir()}")
