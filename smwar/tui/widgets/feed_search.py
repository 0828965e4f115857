"""The feed's search line, under the feed: typed in after `/`, with the feed and the selected
mention still in sight, and shown for as long as a search narrows the feed, so the operator
sees what the feed leaves out.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

from smwar.tui.guard import Guarded

HELP = (
    "Words the text must hold (a word's start is enough) and network:, author:, scenario:, "
    "action: (respond, watch, ignore). Empty: every mention."
)


class FeedSearch(Guarded, Horizontal):
    """Says what the operator wants the feed to show, as `Wanted`; hidden until first asked."""

    BINDINGS = [Binding("escape", "close", "Close", tooltip="Leave the search as it was", id="feed_search.close")]

    class Wanted(Message):
        """A search to show (`text`, empty for every mention), or None: the search stays as it was."""

        def __init__(self, text: str | None) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.display = False

    def compose(self) -> ComposeResult:
        yield Static(Text("/ search", style="bold"), id="feed-search-label")
        yield Input(placeholder="leak network:mastodon · enter to search · escape to leave", id="feed-search-input")

    def on_mount(self) -> None:
        self.query_one(Input).tooltip = HELP

    def open(self, label: str) -> None:
        """Shown with the search the feed shows (`label`), selected: what is typed replaces it."""
        search = self.query_one(Input)
        search.value = label
        self.display = True
        # at once, not once the messages already waiting are handled: keys that come meanwhile go here
        self.screen.set_focus(search)

    def showing(self, label: str) -> None:
        """The feed now shows `label`: kept in sight while it narrows the feed."""
        self.query_one(Input).value = label
        self.display = bool(label)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Wanted(event.value.strip()))

    def on_input_blurred(self, event: Input.Blurred) -> None:
        event.stop()
        # left with a click or a tab: words never searched for must not look like the feed's search
        self.post_message(self.Wanted(None))

    def action_close(self) -> None:
        self.post_message(self.Wanted(None))
