"""What every `smwar` command shares: reporting a user's errors, and which runbooks to use."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from smwar.errors import InputErrors, SmwarError
from smwar.paths import bundled_runbooks_dir
from smwar.plaintext import printable

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from smwar.runbooks.definitions import RunbookSet
    from smwar.runbooks.terms import Progress

F = TypeVar("F", bound=Callable[..., Any])
LARGE_SET = 20_000  # terms: a smaller set compiles in a blink, without a progress bar


def say(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Every line the CLI prints, through the sanitiser: it quotes runbook text, mention text,
    server messages and file contents, and none of it may act on the terminal."""
    click.echo(printable(message, keep_newlines=True), err=err, nl=nl)


def say_quarantined(items: list[tuple[bytes, str]]) -> None:
    """The first unreadable items read, each with why and how it began."""
    from smwar.sources.base import SHOWN_UNREADABLE

    for raw, why in items[:SHOWN_UNREADABLE]:
        say(f"  quarantined ({why}): {printable(raw[:80].decode('utf-8', 'replace'))}")


def reports_errors(command: F) -> F:
    """Print a user's error as `file:line: message` lines and exit non-zero, never a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SmwarError as exc:
            say(f"smwar: {exc}" if not isinstance(exc, InputErrors) else str(exc), err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def runbook_path(given: Path | None) -> Path:
    """The runbook set a command works with: the one given, else the configured one."""
    from smwar.config import load_config

    return given or load_config().runbook_path(bundled_runbooks_dir())


def load_runbooks(given: Path | None) -> RunbookSet:
    """The runbook set a command works with (`runbook_path`), loaded and checked."""
    from smwar.runbooks.loader import load_runbook_set

    return load_runbook_set(runbook_path(given))


def compile_progress() -> Progress:
    """Compiling a large set's rules (`runbooks check`, and the war room before it opens) shows
    as a bar on stderr (only its label when stderr is no terminal); a small set compiles
    without one."""
    bar: ProgressBar[int] | None = None

    def told(done: int, total: int) -> None:
        nonlocal bar
        if total < LARGE_SET:
            return
        if bar is None:
            bar = click.progressbar(length=total, label=f"compiling {total:,} terms", file=sys.stderr)
        bar.update(done - bar.pos)
        if done == total:
            bar.render_finish()
            bar = None

    return told
