"""The feed's search line, under the feed: typed in after `/`, with the feed and the selected
mention still in sight, and shown for as long as a search narrows the feed, so the operator
sees what the feed leaves out. A search for a network, action or scenario there is none of is
refused there, with what there is.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from smwar.journal.pages import MentionFilter
from smwar.model import NETWORKS
from smwar.runbooks.definitions import ACTIONS, RunbookSet
from smwar.tui.guard import Guarded
from smwar.tui.text import plain

HELP = (
    "Words the text must hold (a word's start is enough) and network:, author:, scenario:, "
    "action: (respond, watch, ignore). Empty: every mention."
)


def unknown_value(wanted: MentionFilter, runbooks: RunbookSet) -> str:
    """What a search (the feed's, or the post-mortem's) asks for that no mention can have, with
    what it could ask for ("" if nothing): "unknown network “mastdon” (mastodon, bluesky, …)"."""
    fields = (
        ("network", wanted.network and wanted.network.casefold(), NETWORKS),
        ("action", wanted.action and wanted.action.casefold(), ACTIONS),
        ("scenario", wanted.scenario, tuple(scenario.id for scenario in runbooks.scenarios)),
    )
    for name, value, known in fields:
        if value and value not in known:
            return f"unknown {name} “{value}” ({', '.join(known)})"
    return ""


class FeedSearch(Guarded, Vertical):
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
        with Horizontal(id="feed-search-line"):
            yield Static(Text("/ search", style="bold"), id="feed-search-label")
            yield Input(placeholder="leak network:mastodon · enter to search · escape to leave", id="feed-search-input")
        yield Static(id="feed-search-refused")

    def on_mount(self) -> None:
        self.query_one(Input).tooltip = HELP
        self.query_one("#feed-search-refused").display = False

    def open(self, label: str) -> None:
        """Shown with the search the feed shows (`label`), selected: what is typed replaces it."""
        search = self.query_one(Input)
        search.value = label
        self._say_refused("")
        self.display = True
        # at once, not once the messages already waiting are handled: keys that come meanwhile go here
        self.screen.set_focus(search)

    def showing(self, label: str) -> None:
        """The feed now shows `label`: kept in sight while it narrows the feed."""
        self.query_one(Input).value = label
        self._say_refused("")
        self.display = bool(label)

    def refuse(self, why: str) -> None:
        """The search typed is not shown, and `why` under it: the keys stay here to mend it."""
        self._say_refused(why)
        self.screen.set_focus(self.query_one(Input))

    def _say_refused(self, why: str) -> None:
        refused = self.query_one("#feed-search-refused", Static)
        refused.update(plain(f"not searched: {why}" if why else ""))
        refused.display = bool(why)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Wanted(event.value.strip()))

    def on_input_blurred(self, event: Input.Blurred) -> None:
        event.stop()
        # left with a click or a tab: words never searched for must not look like the feed's search
        self.post_message(self.Wanted(None))

    def action_close(self) -> None:
        self.post_message(self.Wanted(None))
