"""The log file: every error with its traceback goes here, never over the operator's screen.

Python prints a log record or a thread's exception that nobody handles to standard error, which
in a full-screen app lands in the middle of the war room (or after it, at quit). Once the file
handler is installed nothing is left for that fallback. Log lines quote outside text (server
messages, mention text in tracebacks' values), so they pass the sanitiser like every other
output: `tail smwar.log` in a terminal runs no escape sequence.
"""

from __future__ import annotations

import logging
import sys
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path

from smwar.paths import log_file
from smwar.plaintext import printable

MAX_LOG_BYTES = 5_000_000
KEPT_LOGS = 3


class _PrintableFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record), keep_newlines=True)


class _Handler(RotatingFileHandler):
    """smwar's own file handler, told apart from anyone else's on the root logger."""


def log_to_file() -> Path | None:
    """Send every log record and every unhandled thread exception to the log file (once per
    location: a second call for the same file changes nothing). Returns the file's path, or
    None when it cannot be written (then nothing is logged, and nothing printed either: the
    journal in the same folder will say what is wrong)."""
    path = log_file()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Handler)]:
        if Path(handler.baseFilename) == path.resolve():
            return path
        root.removeHandler(handler)
        handler.close()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        file_handler = _Handler(path, maxBytes=MAX_LOG_BYTES, backupCount=KEPT_LOGS, encoding="utf-8", delay=True)
    except OSError:
        if not any(isinstance(handler, logging.NullHandler) for handler in root.handlers):
            root.addHandler(logging.NullHandler())  # once: a retry adds no second one
        return None
    file_handler.setFormatter(_PrintableFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    file_handler.setLevel(logging.INFO)
    root.addHandler(file_handler)
    logging.getLogger("smwar").setLevel(logging.INFO)  # our own notes; libraries keep to warnings
    if threading.excepthook is threading.__excepthook__:  # a test runner's own hook stays
        threading.excepthook = _log_thread_exception
    if sys.unraisablehook is sys.__unraisablehook__:
        sys.unraisablehook = _log_unraisable
    return path


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread else "a thread"
    logging.getLogger("smwar").error(
        "unhandled in %s", name, exc_info=(args.exc_type, args.exc_value, args.exc_traceback)
    )


def _log_unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    error = unraisable.exc_value
    logging.getLogger("smwar").error(
        "unraisable: %s", unraisable.err_msg or "", exc_info=(unraisable.exc_type, error, unraisable.exc_traceback)
    )
