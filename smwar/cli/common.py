"""What every `smwar` command shares: reporting a user's errors, and which runbooks to use."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from smwar.config import load_config
from smwar.errors import InputErrors, SmwarError
from smwar.paths import bundled_runbooks_dir
from smwar.plaintext import printable

F = TypeVar("F", bound=Callable[..., Any])


def say(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Every line the CLI prints, through the sanitiser: it quotes runbook text, mention text,
    server messages and file contents, and none of it may act on the terminal."""
    click.echo(printable(message, keep_newlines=True), err=err, nl=nl)


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
    return given or load_config().runbook_path(bundled_runbooks_dir())
