"""`smwar drill`: rehearse a crisis in the war room."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click_default_group import DefaultGroup

from smwar.cli.common import compile_progress, load_runbooks, reports_errors, runbook_path, say
from smwar.clock import check_speed
from smwar.errors import SmwarError, file_errors
from smwar.plaintext import printable

if TYPE_CHECKING:
    from smwar.engine.drill import PastRun


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
@click.pass_context
@reports_errors
def play(ctx: click.Context, script: str | None, speed: float, fresh: bool, runbooks_path: Path | None) -> None:
    """Play SCRIPT (a drill file or a bundled drill's name) in the war room.

    A team plays one run together: while someone plays the drill's latest run, `smwar --as
    NAME drill` in another terminal joins it (same drill, same SMWAR_HOME) on its clock and
    speed; everyone acts under their own name, and the debrief scores each of them and the
    team. One of the war rooms plays the injects; if it quits, another goes on."""
    from smwar.config import load_config
    from smwar.drills.script import find_drill
    from smwar.engine.drill import DrillFollower, drill_session, open_drill_run, team_clock
    from smwar.runbooks.watch import RunbookWatch
    from smwar.tui.app import WarRoomApp
    from smwar.tui.rooms.drill import DrillInfo

    config = load_config()
    watch = RunbookWatch(runbook_path(runbooks_path))
    runbooks = watch.load()
    path = find_drill(script)
    operator = _operator(ctx, config.operator)
    run = open_drill_run(path, fresh=fresh, now=datetime.now(UTC), runbooks=runbooks)
    with run.journal:
        clock = team_clock(run, speed, operator)
        session = drill_session(run, runbooks, clock, operator, compile_progress())
        follower = DrillFollower(session, run)
        try:
            WarRoomApp(
                session, drill=DrillInfo.of(run, joined=clock.joined), follower=follower, runbook_watch=watch
            ).run()
        finally:
            follower.stop()
    say(f"Drill journal: {run.journal.path}")


def _operator(ctx: click.Context, configured: str) -> str:
    """Who plays: `smwar --as NAME drill`, else the config's operator."""
    named = ctx.find_root().params.get("operator")
    return configured if named is None else str(named)


@drill.command("generate")
@click.option(
    "--scenario", "scenario_id", required=True, help="The scenario of the runbooks to build the storm around."
)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same drill.")
@click.option("--minutes", type=click.IntRange(5, 240), default=30, show_default=True, help="How long the drill runs.")
@click.option(
    "--then", "then_id", help="A second scenario whose storm follows in the second half (e.g. positive-hype)."
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write it here (default: print it)."
)
@click.option("--runbooks", "runbooks_path", type=click.Path(path_type=Path), help="Runbook set to build from.")
@reports_errors
def generate(
    scenario_id: str, seed: int, minutes: int, then_id: str | None, output: Path | None, runbooks_path: Path | None
) -> None:
    """Write a drill script for SCENARIO: a self-exciting storm of mentions with typos, noise,
    a VIP, a troll campaign and a network outage, and the response the runbook expects."""
    from smwar.drills.generate import generate as build_drill

    runbooks = load_runbooks(runbooks_path)
    for wanted in (scenario_id, then_id):
        if wanted is not None and (problem := runbooks.unknown_scenario(wanted)):
            raise SmwarError(problem)
    text = build_drill(runbooks, scenario_id, seed, minutes, then_id)
    _write_or_print(text, output, f"wrote {output}; play it with: smwar drill {output}")


@drill.command("debrief")
@click.argument("run", required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the Markdown here (default: print it).",
)
@click.option(
    "--script",
    "script_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Score against this drill script (the run's drill) instead of the copy the run kept.",
)
@click.option("--runbooks", "runbooks_path", type=click.Path(path_type=Path), help="Runbook set the run was played on.")
@reports_errors
def debrief(run: str | None, output: Path | None, script_path: Path | None, runbooks_path: Path | None) -> None:
    """Score RUN (a run's name from `smwar drill history`, or its journal file; default: the
    latest run) against the response its drill expects, as a Markdown debrief."""
    from smwar.drills.debrief import to_markdown
    from smwar.engine.drill import find_run, read_run

    runbooks = load_runbooks(runbooks_path)
    _write_or_print(to_markdown(read_run(find_run(run), runbooks, script_path)), output, f"wrote {output}")


def _write_or_print(text: str, output: Path | None, written: str) -> None:
    """Write `text` to `output` and say `written`, or print it when there is no output file."""
    if output is None:
        say(text, nl=False)
        return
    with file_errors(output, "write"):
        output.write_text(text, encoding="utf-8")
    say(written)


@drill.command("history")
@click.option("--drill", "drill_id", help="Only the runs of this drill.")
@click.option("--operator", help="Only the runs this person played.")
@click.option("--scenario", "scenario_id", help="Only the runs of drills that train this scenario.")
@reports_errors
def history(drill_id: str | None, operator: str | None, scenario_id: str | None) -> None:
    """Past drill runs per drill and operator, with their scores, oldest first."""
    from smwar.engine.drill import history as past_runs

    runs = [
        run
        for run in past_runs()
        if (drill_id is None or run.drill_id == drill_id)
        and (operator is None or operator in run.operators)
        and (scenario_id is None or scenario_id in run.scenarios)
    ]
    if not runs:
        filtered = drill_id or operator or scenario_id
        say("No runs match." if filtered else "No drill runs yet.")
        say("Play one with: smwar drill")
        return
    groups: dict[tuple[str, str], list[PastRun]] = {}
    for run in runs:
        groups.setdefault((run.drill_id, ", ".join(run.operators) or "(nobody acted)"), []).append(run)
    for (drill_name, people), played in sorted(groups.items()):
        scores = [run.total for run in played if run.total is not None]
        trend = f"  {scores[0]} → {scores[-1]}" if len(scores) > 1 else ""
        trains = sorted({s for run in played for s in run.scenarios})
        about = f" ({', '.join(trains)})" if trains else ""
        say(f"{drill_name}{about} · {people}{trend}")
        for run in played:
            score = f"{run.total:>3}/100" if run.total is not None else "not ended"
            parts = " ".join(f"{key} {round(100 * value)}%" for key, value in run.parts.items())
            say(f"  {run.started:%Y-%m-%d %H:%M}  {score:>9}  {run.run}  {parts}")
            if len(run.people) > 1 or (run.people and operator is not None):
                each = " · ".join(
                    f"{printable(name)} {'—' if own is None else own}" for name, own in sorted(run.people.items())
                )
                say(f"  {'':16}  {'each':>9}  {each}")
