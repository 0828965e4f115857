"""The one guard: no exception in a key handler, message handler, timer or worker ends the app.

Textual's default for an unhandled exception is to exit with a traceback, and a widget whose
handler raised stops reading its messages. In a storm that loses the operator's draft, timers
and focus. Here the error goes to the log file with its traceback, a notice says what failed,
and the screen goes on: the journal holds everything done so far, and the draft and the chain
stay where they were. A screen that could not be set up (its journal unreachable) is closed
again, back to the one it was opened from.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from textual import events
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import Screen

from smwar.paths import log_file

if TYPE_CHECKING:
    from textual.app import App

log = logging.getLogger("smwar.guard")
REPEAT_SECONDS = 10.0  # the same failure again within this long is logged, not shown again


class FailureNotices:
    """What failed, shown once per kind of failure in `REPEAT_SECONDS` (a failing timer must
    not bury the screen under notices), and counted."""

    def __init__(self) -> None:
        self.count = 0
        self._shown: dict[str, float] = {}

    def report(self, app: App[object], error: BaseException, doing: str) -> None:
        self.count += 1
        log.error("%s failed", doing, exc_info=error)
        key = f"{doing}: {type(error).__name__}: {error}"
        now = time.monotonic()
        if now - self._shown.get(key, -REPEAT_SECONDS) < REPEAT_SECONDS:
            return
        self._shown[key] = now
        reason = str(error) or type(error).__name__
        try:
            app.bell()
            app.notify(
                f"{reason}\nsmwar goes on; nothing you entered is lost. Details: {log_file()}",
                title=f"{doing} failed",
                severity="error",
                timeout=20,
            )
        except Exception:  # the notice itself failed (the app is shutting down): the log has it
            log.exception("could not show a failure notice")


class Guarded(MessagePump):
    """Mixed into every screen and widget of ours (before the Textual class): a handler that
    raises is reported through the app's guard, and the widget keeps reading its messages."""

    async def _dispatch_message(self, message: Message) -> None:
        try:
            await super()._dispatch_message(message)
        except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
            raise
        except Exception as error:
            app = self.app
            failures: FailureNotices | None = getattr(app, "failures", None)
            if failures is None:
                raise
            failures.report(app, error, _doing(self, message))
            # a screen half set up would show stale data and never update: back where the
            # operator was, and the key opens it again
            opened = isinstance(self, Screen) and self.is_current and len(app.screen_stack) > 1
            if isinstance(message, events.Mount) and opened:
                app.pop_screen()


def _doing(node: MessagePump, message: Message) -> str:
    """What was going on, in words for the notice's title: 'Reply screen: key'."""
    name = type(node).__name__
    words = "".join(f" {char.lower()}" if char.isupper() else char for char in name).strip()
    handler = message.handler_name.removeprefix("on_").replace("_", " ")
    return f"{words.capitalize()}: {handler}"
