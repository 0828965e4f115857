"""The reply room: `r` answers the highlighted mention in the reply editor, `n` shows the answer
queue, most urgent first (a drill only records what is sent)."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen

from smwar.config import Config
from smwar.engine.session import Session
from smwar.tui.widgets.feed import Feed


class ReplyRoom(Screen[None]):
    BINDINGS = [
        Binding(
            "r",
            "reply",
            "Reply",
            tooltip="Reply to the highlighted mention (a drill only records it)",
            id="mention.reply",
        ),
        Binding("n", "answer_queue", "Answer next", tooltip="What to answer next, most urgent first", id="queue.show"),
    ]

    session: Session
    config: Config | None  # live mode: where replies are posted from
    drilling: bool

    def action_reply(self) -> None:
        item = self.query_one("#feed", Feed).selected
        if item is None:
            self.notify("Highlight a mention in the feed first.", severity="warning")
            return
        from smwar.tui.screens.reply import ReplyScreen  # loaded on first use: a quicker start

        self.app.push_screen(ReplyScreen(self.session, item, drill=self.drilling, config=self.config))

    def action_answer_queue(self) -> None:
        from smwar.tui.screens.queue import QueueScreen

        self.app.push_screen(QueueScreen(self.session, drill=self.drilling, config=self.config))
