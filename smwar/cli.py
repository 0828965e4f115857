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
from smwar.model import Mention
from smwar.paths import bundled_runbooks_dir, data_dir
from smwar.runbooks.loader import inspect_runbook_set, load_runbook_set, runbook_files

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
    from smwar.runbooks.watch import RunbookWatch
    from smwar.tui.app import DrillInfo, WarRoomApp

    config = load_config()
    watch = RunbookWatch(_runbook_path(runbooks_path))
    runbooks = watch.load()
    run = open_drill_run(find_drill(script), fresh=fresh, now=datetime.now(UTC))
    clock = DrillClock(run.position, speed)
    session = drill_session(run, runbooks, clock, config.operator)
    with run.journal:
        WarRoomApp(session, drill=DrillInfo.of(run), runbook_watch=watch).run()
    click.echo(f"Drill journal: {run.journal.path}")


@main.group()
def runbooks() -> None:
    """Work with runbook sets."""


@runbooks.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@reports_errors
def check(path: Path | None) -> None:
    """Validate a runbook set (default: the one smwar would use) and report every problem.

    Errors exit with status 2; warnings (rules that can never match) are printed but pass.
    """
    target = path or _runbook_path(None)
    loaded, warnings = inspect_runbook_set(target)
    for warning in warnings:
        click.echo(f"{warning.where}: warning: {warning.message}", err=True)
    steps = sum(len(s.step) for s in loaded.scenarios)
    click.echo(
        f"{target}: {len(runbook_files(target))} files, {len(loaded.scenarios)} scenarios, {steps} steps, "
        f"{len(loaded.request_types)} request types: OK" + (f" ({len(warnings)} warnings)" if warnings else "")
    )


@runbooks.command("try")
@click.argument("text", required=False)
@click.option(
    "--file", "file", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="Mentions as JSON Lines."
)
@click.option("--network", default="mastodon", show_default=True, help="Network of TEXT.")
@click.option("--lang", default=None, help="Language of TEXT (de, en…).")
@click.option("--author", default="", help="Author handle of TEXT.")
@click.option("--followers", type=int, default=None, help="Follower count of TEXT's author.")
@click.option("--summary", is_flag=True, help="With --file: only the totals and the misses.")
@click.option("--runbooks", "runbooks_path", type=click.Path(path_type=Path), help="Runbook set to try.")
@reports_errors
def try_(
    text: str | None,
    file: Path | None,
    network: str,
    lang: str | None,
    author: str,
    followers: int | None,
    summary: bool,
    runbooks_path: Path | None,
) -> None:
    """Show which scenarios TEXT (or each mention of --file) matches, and why.

    A JSONL line needs `text` and may give network, author, lang, followers; with an
    `expect` list of scenario ids it also counts toward precision and recall.
    """
    from smwar.runbooks.trial import Trial

    if (text is None) == (file is None):
        raise click.UsageError("give either TEXT or --file")
    trial = Trial(load_runbook_set(_runbook_path(runbooks_path)))
    now = datetime.now(UTC)
    if text is not None:
        mention = Mention(network, "try", author, text, now, lang, followers)
        click.echo("\n".join(trial.describe(mention)))
        return
    assert file is not None
    bad = trial.run_file(file, now, echo=click.echo, verbose=not summary)
    if bad:
        sys.exit(2)


def _runbook_path(given: Path | None) -> Path:
    return given or load_config().runbook_path(bundled_runbooks_dir())


@main.command("paths")
def paths() -> None:
    """Show where smwar keeps its data (SMWAR_HOME relocates it)."""
    from smwar.paths import config_dir, drill_runs_dir

    click.echo(f"config:  {config_dir()}\ndata:    {data_dir()}\ndrills:  {drill_runs_dir()}")
