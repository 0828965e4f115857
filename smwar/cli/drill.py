"""`smwar drill`: rehearse a crisis in the war room."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from click_default_group import DefaultGroup

from smwar.cli.common import reports_errors, runbook_path
from smwar.clock import DrillClock, check_speed
from smwar.config import load_config
from smwar.drills.script import find_drill
from smwar.engine.drill import drill_session, open_drill_run
from smwar.errors import SmwarError


@click.group(cls=DefaultGroup, default="play", default_if_no_args=True)
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
    watch = RunbookWatch(runbook_path(runbooks_path))
    runbooks = watch.load()
    run = open_drill_run(find_drill(script), fresh=fresh, now=datetime.now(UTC))
    clock = DrillClock(run.position, speed)
    session = drill_session(run, runbooks, clock, config.operator)
    with run.journal:
        WarRoomApp(session, drill=DrillInfo.of(run), runbook_watch=watch).run()
    click.echo(f"Drill journal: {run.journal.path}")


@drill.command("generate")
@click.option(
    "--scenario", "scenario_id", required=True, help="The scenario of the runbooks to build the storm around."
)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same drill.")
@click.option("--minutes", type=click.IntRange(5, 240), default=30, show_default=True, help="How long the drill runs.")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write it here (default: print it)."
)
@click.option("--runbooks", "runbooks_path", type=click.Path(path_type=Path), help="Runbook set to build from.")
@reports_errors
def generate(scenario_id: str, seed: int, minutes: int, output: Path | None, runbooks_path: Path | None) -> None:
    """Write a drill script for SCENARIO: a self-exciting storm of mentions with typos, noise,
    a VIP and a troll campaign, and the response the runbook expects."""
    from smwar.drills.generate import generate as build_drill
    from smwar.runbooks.loader import load_runbook_set

    runbooks = load_runbook_set(runbook_path(runbooks_path))
    if runbooks.find_scenario(scenario_id) is None:
        known = ", ".join(scenario.id for scenario in runbooks.scenarios)
        raise SmwarError(f"no scenario {scenario_id!r} in the runbooks (scenarios: {known})")
    text = build_drill(runbooks, scenario_id, seed, minutes)
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}; play it with: smwar drill {output}")
