"""Errors a user can act on; the CLI prints them without a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class SmwarError(Exception):
    """An error with a message meant for the person at the keyboard."""


class InputError(SmwarError):
    """Something wrong in a file the user wrote, located as `file:line: what is wrong`."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        super().__init__(f"{self.where}: {message}")

    @property
    def where(self) -> str:
        """`file:line`, or just the file when no line applies."""
        return self._located(str(self.path))

    @property
    def spot(self) -> str:
        """`name:line` with only the file's name, for a status line."""
        return self._located(self.path.name)

    def _located(self, file: str) -> str:
        return f"{file}:{self.line}" if self.line else file


@contextmanager
def file_errors(path: Path | str, doing: str) -> Iterator[None]:
    """An OSError while `doing` ("read", "write") `path` becomes a SmwarError: a missing directory,
    a full disk or a file without permission is the user's to put right, and the traceback would
    hide the one line they need: `path: cannot write: No such file or directory`."""
    try:
        yield
    except OSError as exc:
        raise SmwarError(f"{path}: cannot {doing}: {exc.strerror or exc}") from None


class InputErrors(SmwarError):
    """Several `InputError`s found in one pass, reported together."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))
