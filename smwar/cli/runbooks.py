"""`smwar runbooks`: check a runbook set and try it on texts."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from smwar.cli.common import compile_progress, load_runbooks, reports_errors, runbook_path, say
from smwar.errors import file_errors
from smwar.model import NETWORKS, Mention


@click.group()
def runbooks() -> None:
    """Work with runbook sets."""


@runbooks.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@reports_errors
def check(path: Path | None) -> None:
    """Validate a runbook set (default: the one smwar would use) and report every problem.

    The drills in its `drills/` folder are checked against it too. Errors exit with status 2;
    warnings (rules that can never match) are printed but pass.
    """
    from smwar.drills.script import check_drills
    from smwar.runbooks.loader import inspect_runbook_set, runbook_files
    from smwar.runbooks.matcher import RuleMatcher

    target = path or runbook_path(None)
    loaded, warnings = inspect_runbook_set(target)
    for warning in warnings:
        say(f"{warning.where}: warning: {warning.message}", err=True)
    progress = compile_progress()
    for targets in (loaded.scenarios, loaded.request_types):
        RuleMatcher(targets, loaded.deescalation, progress)
    drills = check_drills(target, loaded)
    steps = sum(len(s.step) for s in loaded.scenarios)
    say(
        f"{target}: {len(runbook_files(target))} files, {len(loaded.scenarios)} scenarios, {steps} steps, "
        f"{len(loaded.request_types)} request types, {drills} drills: OK"
        + (f" ({len(warnings)} warnings)" if warnings else "")
    )


@runbooks.command("try")
@click.argument("text", required=False)
@click.option(
    "--file", "file", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="Mentions as JSON Lines."
)
@click.option("--network", type=click.Choice(NETWORKS), default="mastodon", show_default=True, help="Network of TEXT.")
@click.option("--lang", default=None, help="Language of TEXT (de, en…).")
@click.option("--author", default="", help="Author handle of TEXT.")
@click.option("--followers", type=click.IntRange(min=0), default=None, help="Follower count of TEXT's author.")
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
    trial = Trial(load_runbooks(runbooks_path))
    now = datetime.now(UTC)
    if text is not None:
        mention = Mention(network, "try", author, text, now, lang, followers)
        say("\n".join(trial.describe(mention)))
        return
    assert file is not None
    with file_errors(file, "read"):
        bad = trial.run_file(file, now, echo=say, verbose=not summary)
    if bad:
        sys.exit(2)
