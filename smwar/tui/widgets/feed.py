"""The mention feed: ONE Line-API widget, so it stays smooth however many mentions arrive.

Tail mode follows new mentions until the operator moves up; from then on new mentions
only bump a "N new" counter in the border, and `end` resumes following.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from smwar.model import JournaledMention
from smwar.runbooks.definitions import TROUBLEMAKER_TAG, VIP_TAG
from smwar.tui.guard import Guarded
from smwar.tui.text import local_time, plain, plain_name

NETWORK_LABELS = {"hackernews": "hn"}
AUTHOR_WIDTH = 20
MATCH_WIDTH = 16


class Feed(Guarded, ScrollView, can_focus=True):
    COMPONENT_CLASSES = {
        "feed--time",
        "feed--network",
        "feed--author",
        "feed--matched",
        "feed--unmatched",
        "feed--scenario",
        "feed--cursor",
        "feed--vip",
        "feed--troublemaker",
    }
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="feed.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="feed.down"),
        Binding("pageup", "cursor(-20)", "Page up", show=False, id="feed.page_up"),
        Binding("pagedown", "cursor(20)", "Page down", show=False, id="feed.page_down"),
        Binding("home", "first", "First", show=False, id="feed.first"),
        Binding(
            "end,f", "follow", "Follow", tooltip="Jump to the newest mention and follow the feed", id="feed.follow"
        ),
    ]

    class Selected(Message):
        def __init__(self, item: JournaledMention) -> None:
            self.item = item
            super().__init__()

    cursor: reactive[int] = reactive(-1, init=False)
    following: reactive[bool] = reactive(True, init=False)
    pending: reactive[int] = reactive(0, init=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.all_items: list[JournaledMention] = []
        self.items: list[JournaledMention] = []  # those shown: all, or those the filter keeps
        self.keep: Callable[[JournaledMention], bool] | None = None
        self._lines: LRUCache[tuple[int, int, bool], Strip] = LRUCache(1024)

    def show_only(self, keep: Callable[[JournaledMention], bool] | None) -> None:
        """Show the mentions `keep` accepts (None: all), following the newest."""
        self.keep = keep
        self.items = [item for item in self.all_items if keep is None or keep(item)]
        self._lines.clear()
        self.virtual_size = Size(self.size.width, len(self.items))
        self.pending = 0
        self.action_follow()
        self.refresh()

    def add(self, items: list[JournaledMention] | tuple[JournaledMention, ...]) -> None:
        self.all_items.extend(items)
        keep = self.keep
        items = [item for item in items if keep is None or keep(item)]
        if not items:
            return
        self.items.extend(items)
        self.virtual_size = Size(self.size.width, len(self.items))
        if self.following:
            self.cursor = len(self.items) - 1
            self.scroll_to(
                y=max(0, len(self.items) - self.scrollable_content_region.height), animate=False, immediate=True
            )
        else:
            self.pending += len(items)
        self.refresh()

    def on_resize(self) -> None:
        self._lines.clear()
        self.virtual_size = Size(self.size.width, len(self.items))

    @property
    def selected(self) -> JournaledMention | None:
        return self.items[self.cursor] if 0 <= self.cursor < len(self.items) else None

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if index >= len(self.items):
            return Strip.blank(width, self.rich_style)
        key = (index, width, index == self.cursor)
        strip = self._lines.get(key)
        if strip is None:
            strip = self._render_item(self.items[index], width, index == self.cursor)
            self._lines[key] = strip
        return strip

    def _render_item(self, item: JournaledMention, width: int, selected: bool) -> Strip:
        style = self.get_component_rich_style
        mention = item.mention
        line = Text(end="", no_wrap=True, overflow="ellipsis")
        line.append(local_time(mention.posted_at), style("feed--time"))
        line.append(f" {NETWORK_LABELS.get(mention.network, mention.network):<8} ", style("feed--network"))
        marker = ("★" if VIP_TAG in item.author_tags else "") + ("⚑" if TROUBLEMAKER_TAG in item.author_tags else "")
        author_style = style("feed--vip") if VIP_TAG in item.author_tags else style("feed--author")
        if TROUBLEMAKER_TAG in item.author_tags:
            author_style = style("feed--troublemaker")
        author = plain_name(f"{marker}{mention.author}")
        author.truncate(AUTHOR_WIDTH, overflow="ellipsis", pad=True)
        author.stylize(author_style)
        line.append_text(author)
        line.append(" ")
        best = item.best
        tail = Text(end="")
        if best is not None:
            tail = Text(f" {best.scenario_id[:MATCH_WIDTH]} {best.score:.2f}", style("feed--scenario"), end="")
        text_width = max(0, width - line.cell_len - tail.cell_len)
        body = plain(mention.text, style("feed--matched") if best else style("feed--unmatched"))
        body.truncate(text_width, overflow="ellipsis", pad=True)
        line.append_text(body)
        line.append_text(tail)
        line.truncate(width, overflow="ellipsis", pad=True)
        base = self.rich_style + (style("feed--cursor") if selected else Style())
        return Strip(list(line.render(self.app.console)), width).apply_style(base)

    def watch_cursor(self, old: int, new: int) -> None:
        self._lines.clear()
        self.refresh()
        item = self.selected
        if item is not None:
            self.post_message(self.Selected(item))

    def watch_pending(self, pending: int) -> None:
        self.border_subtitle = f"{pending} new · end to follow" if pending else ""

    def watch_following(self, following: bool) -> None:
        if following:
            self.pending = 0

    def action_cursor(self, delta: int) -> None:
        if not self.items:
            return
        target = min(max(self.cursor + delta, 0), len(self.items) - 1)
        if delta < 0 and target < len(self.items) - 1:
            self.following = False
        if target == len(self.items) - 1:
            self.following = True
        self.cursor = target
        self._keep_cursor_visible()

    def action_first(self) -> None:
        if self.items:
            self.following = False
            self.cursor = 0
            self._keep_cursor_visible()

    def action_follow(self) -> None:
        self.following = True
        if self.items:
            self.cursor = len(self.items) - 1
            self._keep_cursor_visible()

    def _keep_cursor_visible(self) -> None:
        height = self.scrollable_content_region.height
        top = round(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def on_mouse_scroll_up(self, _: events.MouseScrollUp) -> None:
        self.following = False

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = round(self.scroll_offset.y) + offset.y
        if 0 <= index < len(self.items):
            self.following = index == len(self.items) - 1
            self.cursor = index
