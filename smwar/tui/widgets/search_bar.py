"""The feed's search, typed in a line above the feed: no screen opens over the war room, so
the search's result is drawn as the feed and the detail pane alone (a screen that closes has
the whole war room drawn anew)."""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input

from smwar.tui.acting import attempt

EXPLANATION = (
    "words the text must hold (a word's start is enough) · network: author: scenario: action: "
    "· empty: every mention · escape: cancel"
)


class SearchBar(Input):
    BINDINGS = [Binding("escape", "close", "Cancel", id="search.cancel")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="leak network:mastodon", id=id)
        self.border_title = "Search the feed"
        self.border_subtitle = EXPLANATION
        self.display = False
        self._then: Callable[[str], object] | None = None
        self._back: Widget | None = None

    def open(self, value: str, then: Callable[[str], object], back: Widget) -> None:
        """Show the bar with `value`; Enter runs `then(text)`, and the focus goes back to `back`."""
        self._then, self._back = then, back
        self.value = value
        self.display = True
        self.focus()  # which selects the text: typing replaces it

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        then, self._then = self._then, None
        if then is not None:
            attempt(self.app, lambda: then(event.value.strip()), changes=False)  # the journal is as it was
        # the bar goes a frame later: the result is drawn first, without laying the screen out
        self.call_after_refresh(self.action_close)

    def action_close(self) -> None:
        self._then = None
        self.display = False
        if self._back is not None:
            self._back.focus()
