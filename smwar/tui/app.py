"""The war room's app: it composes the main screen and its rooms, keeps the edge (every toast
and title made printable, one toast at a time, failures caught) and routes what concerns every
screen, such as the trainer's message on the banner."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from time import monotonic
from typing import ClassVar

from rich.text import Text
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.notifications import Notify, SeverityLevel
from textual.screen import Screen
from textual.widgets import Static

from smwar.config import Config
from smwar.engine.follow import Follower
from smwar.engine.session import Session
from smwar.plaintext import printable
from smwar.runbooks.watch import RunbookWatch
from smwar.tui.guard import FailureNotices, Guarded
from smwar.tui.messages import Changed, TrainerSaid
from smwar.tui.notices import NoticeDesk
from smwar.tui.rooms.drill import DrillInfo
from smwar.tui.screens.main import MainScreen
from smwar.tui.screens.palette import Palette
from smwar.tui.screens.reply import ReplyScreen

POLL_SECONDS = 0.25
# the collector's thresholds: the young every 10,000 new containers (not 700), all of them every
# 2,000th time (not 100th). With start-up frozen, the defaults swept the whole heap of a war room
# reading a storm a few times a second, 7 to 29 ms each, and a key's frame waited for it
COLLECTOR_THRESHOLDS = (10_000, 20, 100)


class WarRoomApp(Guarded, App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "smwar"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", tooltip="Quit smwar (everything is already in the journal)", id="app.quit"),
        Binding(
            "question_mark", "toggle_keys", "Keys", key_display="?", tooltip="Show or hide all keys", id="app.keys"
        ),
        Binding("tab", "focus_next", "Next pane", show=False, id="app.focus_next"),
    ]

    def __init__(
        self,
        session: Session,
        *,
        drill: DrillInfo | None = None,
        follower: Follower | None = None,
        runbook_watch: RunbookWatch | None = None,
        poll_seconds: float = POLL_SECONDS,
        config: Config | None = None,
    ) -> None:
        super().__init__()
        self.failures = FailureNotices()  # the guard's: what failed and was shown, never fatal
        self._toast: tuple[str, str, int, float] | None = None  # the one on screen: title, message, times, until
        self.session = session
        self.drill = drill
        self.config = config
        self.trainer_message: str | None = None
        self.title = f"smwar — DRILL — {drill.title}" if drill is not None else "smwar — LIVE"
        self.main = MainScreen(
            session,
            NoticeDesk(self, session.journal),
            drill=drill,
            follower=follower,
            runbook_watch=runbook_watch,
            poll_seconds=poll_seconds,
            config=config,
            banner=self.banner_text(),
        )

    def get_default_screen(self) -> Screen[None]:
        return self.main

    def on_ready(self) -> None:
        # what start-up made (modules, runbooks, compiled rules, the first page) lives as long
        # as the app: kept out of the collector's sweeps, which paused a storm's frames for
        # a tenth of a second and more (the garbage of start-up is collected first)
        gc.collect()
        gc.freeze()
        gc.set_threshold(*COLLECTOR_THRESHOLDS)

    # -- the edge: outside text on the way to the terminal, and errors that would end the app --

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notice quotes outside text sooner or later (a mention, a server's reason, a
        runbook's title): it is made printable and never read as markup. One toast at a time:
        a new one replaces the last, the same again counts up ("×3") instead of stacking."""
        message, title = printable(message, keep_newlines=True), printable(title)
        seconds = timeout if timeout is not None else self.NOTIFICATION_TIMEOUT
        now = monotonic()
        shown = self._toast
        times = shown[2] + 1 if shown is not None and shown[:2] == (title, message) and now < shown[3] else 1
        self._toast = (title, message, times, now + seconds)
        super().notify(
            message,
            title=f"{title} (×{times})" if times > 1 else title,
            severity=severity,
            timeout=seconds,
            markup=False,
        )

    def _on_notify(self, event: Notify) -> None:
        self._notifications.clear()  # the new toast takes the place of the last
        super()._on_notify(event)

    def validate_title(self, title: object) -> str:
        return printable(str(title))

    def validate_sub_title(self, sub_title: object) -> str:
        return printable(str(sub_title))

    def _handle_exception(self, error: Exception) -> None:
        """What no handler of ours caught (a timer's callback, a Textual widget): reported by the
        guard while the war room runs; only a failure to start ends the app."""
        if self.is_running and self.screen_stack:
            self.failures.report(self, error, "smwar")
        else:
            super()._handle_exception(error)

    # -- what every screen shows ---------------------------------------------------------

    def banner_text(self) -> Text:
        if self.drill is None:
            sources = len(self.config.source) if self.config else 0
            return Text(f" LIVE · {sources} sources · notifications go out for real ", style="bold")
        if self.trainer_message is not None:  # the message matters more than the run's name
            banner = Text(f" DRILL · {printable(self.drill.title)} · nothing is sent ", style="bold")
            banner.append(f" Trainer: {printable(self.trainer_message)} ", style="bold reverse")
            return banner
        joined = " (joined: the team's clock)" if self.drill.joined else ""  # the toast that says so passes
        return Text(
            f" DRILL · {printable(self.drill.title)} · run {printable(self.drill.run)}{joined} · nothing is sent ",
            style="bold",
        )

    def on_trainer_said(self, message: TrainerSaid) -> None:
        self.trainer_message = message.text
        for banner in self.screen.query("#drill-banner").results(Static):
            banner.update(self.banner_text())

    def refresh_views(self) -> None:
        """Draw what an operator action changed: on the main screen, and on the screen in front."""
        self.main.refresh_views()
        if self.screen is not self.main:
            self.screen.post_message(Changed())

    def action_toggle_keys(self) -> None:
        if self.screen.query("KeyPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(Palette())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's, and the actions of the screen the palette was opened on."""
        yield from super().get_system_commands(screen)
        if isinstance(screen, MainScreen | ReplyScreen):
            yield from screen.commands()
