"""The mention feed: ONE Line-API widget over rows paged from the journal, so it opens and
scrolls alike on ten mentions or a million.

Tail mode follows new mentions until the operator moves up; from then on new mentions
only bump a "N new" counter in the border, and `end` resumes following.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from smwar.journal.pages import MentionFilter
from smwar.model import DELETED, EDITED, JournaledMention
from smwar.plaintext import printable, printable_name
from smwar.runbooks.definitions import TROUBLEMAKER_TAG, VIP_TAG
from smwar.tui.guard import Guarded
from smwar.tui.text import local_time, plain
from smwar.tui.widgets.feed_rows import FeedRows

# one letter a network: the feed line is for the text (the detail pane names it in full)
NETWORK_LETTERS = {
    "mastodon": "M",
    "bluesky": "B",
    "rss": "R",
    "reddit": "r",
    "hackernews": "H",
    "webhook": "W",
    "jsonl": "J",
}
AUTHOR_WIDTH = 11
TAG_WIDTH = 4
REVISED_MARKS = {EDITED: "✎edited ", DELETED: "✗deleted "}
ELLIPSIS = "…"
NO_STYLE = Style.null()


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
        "feed--revised",
        "feed--claimed",
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

    # each draws what it changes itself: a full repaint per key would redraw every line
    cursor: reactive[int] = reactive(-1, init=False, repaint=False)
    following: reactive[bool] = reactive(True, init=False, repaint=False)
    pending: reactive[int] = reactive(0, init=False, repaint=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: FeedRows | None = None
        self.tags: dict[str, str] = {}  # scenario id -> the short tag a line shows
        self.claimed: dict[int, str] = {}  # mention id -> who else is replying to it
        self._lines: LRUCache[tuple[int, int, bool], Strip] = LRUCache(1024)
        self._looks: dict[str, Style] | None = None  # the component classes' styles, until they change

    @property
    def count(self) -> int:
        """How many mentions the feed shows (its filter's, in the journal)."""
        return self.rows.total if self.rows is not None else 0

    def item(self, index: int) -> JournaledMention | None:
        return self.rows.at(index) if self.rows is not None else None

    @property
    def view(self) -> MentionFilter:
        return self.rows.view if self.rows is not None else MentionFilter()

    def use_tags(self, tags: dict[str, str]) -> None:
        """The short tag of each scenario (by id) a line shows for its best match."""
        self.tags = tags
        self._lines.clear()
        self.refresh()

    def show_claims(self, claimed: dict[int, str]) -> None:
        """Mark the mentions someone else is replying to (only the lines that change redraw)."""
        if claimed == self.claimed:
            return
        self.claimed = claimed
        self._lines.clear()
        self.refresh()

    def show(self, rows: FeedRows) -> None:
        """Show these rows (a new filter, or the whole journal), following the newest; a
        search's older rows are read beside the screen and put before them when they come."""
        self.rows = rows
        self._show_title(rows)
        self._lines.clear()
        # other rows change no widget's place or size: no new layout (see `add`), which made
        # a search's frame take three times as long
        self.set_reactive(Feed.virtual_size, Size(self.size.width, rows.total))
        self.pending = 0
        shown = self.cursor
        self.action_follow()
        if self.cursor == shown:  # the same place in other rows: its mention is another one all the same
            self.mutate_reactive(Feed.cursor)
        self.refresh()
        if not rows.whole:  # once this frame is out: the reading thread would slow its drawing
            self.call_after_refresh(self._read_older, rows)

    def _show_title(self, rows: FeedRows) -> None:
        title = Text("Feed")
        if rows.view.incident is not None:
            title.append(f" · incident #{rows.view.incident} only (F: all)")
        if rows.view.label:
            title.append_text(plain(f" · “{rows.view.label}” (/: change)"))
        if not rows.whole:
            title.append(" · reading further back…")
        if rows.capped:
            title.append(f" · the newest {rows.total:,}: narrow it to see further back")
        self.border_title = title

    @work(thread=True, exclusive=True, group="feed-older", exit_on_error=False)
    def _read_older(self, rows: FeedRows) -> None:
        older = rows.older()
        self.app.call_from_thread(self._prepend, rows, older)

    def _prepend(self, rows: FeedRows, older: list[int]) -> None:
        """The search's older rows before those shown: the cursor stays on its mention, the
        lines on screen stay where they are."""
        if rows is not self.rows:
            return  # another search, or the whole journal, since
        added = rows.prepend(older)
        self._show_title(rows)
        if not added:
            return
        self._lines.clear()
        self.set_reactive(Feed.virtual_size, Size(self.size.width, self.count))
        self.scroll_to(y=round(self.scroll_offset.y) + added, animate=False, immediate=True)
        self.cursor += added
        self.refresh()

    def add(self, items: Sequence[JournaledMention]) -> None:
        """Mentions that arrived (already journaled): the feed counts those its filter keeps."""
        if self.rows is None:
            return
        added = self.rows.grow(items)
        if not added:
            return
        # more rows below change no widget's place or size (the feed's is set by the screen):
        # no new layout, which would be most of the frame a key waits for
        self.set_reactive(Feed.virtual_size, Size(self.size.width, self.count))
        if self.following:
            self.action_follow()
        else:
            self.pending += added
        self.refresh()

    def on_resize(self) -> None:
        self._lines.clear()
        self.virtual_size = Size(self.size.width, self.count)
        # the first layout (the rows were shown before the feed had a height), a smaller
        # terminal, the search line under it: the cursor's line stays in sight
        self._keep_cursor_visible()

    @property
    def allow_vertical_scroll(self) -> bool:
        """Always: `max_scroll_y` bounds it. Its size is set without a layout (see `show`), which
        left Textual's own answer, the scrollbar's, as the last layout found it: after a search
        that fit the screen, the whole journal could not be scrolled to its cursor."""
        return True

    @property
    def selected(self) -> JournaledMention | None:
        return self.item(self.cursor)

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        key = (index, width, index == self.cursor)
        strip = self._lines.get(key)
        if strip is None:
            item = self.item(index)
            if item is None:
                return self._nothing_line(width) if index == 0 else Strip.blank(width, self.rich_style)
            strip = self._render_item(item, width, index == self.cursor)
            self._lines[key] = strip
        return strip

    def _nothing_line(self, width: int) -> Strip:
        """The first line of a search or an incident that keeps no mention, saying so."""
        view = self.view
        if self.count or view.everything:
            return Strip.blank(width, self.rich_style)
        said = f"No mention of incident #{view.incident}" if view.incident is not None else "No mention"
        if view.label:
            said += f" matches “{printable(view.label)}”"
        runs = _fit_runs([(said, self._styles()["feed--unmatched"] + Style(italic=True))], width, NO_STYLE)
        return Strip([Segment(text, run_style) for text, run_style in runs], width).apply_style(self.rich_style)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._looks = None
        self._lines.clear()

    def _styles(self) -> dict[str, Style]:
        """Each component class's style, and the line's own ("base") and the cursor line's:
        looked up once until the styles change, not a few times for each line drawn."""
        if self._looks is None:
            looks = {name: self.get_component_rich_style(name) for name in self.COMPONENT_CLASSES}
            looks["base"] = self.rich_style
            looks["base-cursor"] = looks["base"] + looks["feed--cursor"]
            self._looks = looks
        return self._looks

    def _render_item(self, item: JournaledMention, width: int, selected: bool) -> Strip:
        """One mention's line: time, network, author, text and the best match's tag, each part
        fitted to its width as styled segments (built as Rich's `Text` would render them, in a
        third of its time: a search or a page draws every line of the feed anew)."""
        style = self._styles()
        mention, tags = item.mention, item.author_tags
        author_style = style["feed--vip"] if VIP_TAG in tags else style["feed--author"]
        if TROUBLEMAKER_TAG in tags:
            author_style = style["feed--troublemaker"]
        marker = ("★" if VIP_TAG in tags else "") + ("⚑" if TROUBLEMAKER_TAG in tags else "")
        runs: list[tuple[str, Style]] = [
            (local_time(mention.posted_at)[:5], style["feed--time"]),
            (f" {NETWORK_LETTERS.get(mention.network, '?')} ", style["feed--network"]),
            *_fit_runs([(printable_name(f"{marker}{mention.author}"), author_style)], AUTHOR_WIDTH, author_style),
            (" ", NO_STYLE),
        ]
        best = item.best
        tail = f" {self.tags.get(best.scenario_id, best.scenario_id)[:TAG_WIDTH]:>{TAG_WIDTH}}" if best else ""
        # the text, after what marks it: each part styled as the parts before it and its own
        parts = [(printable(mention.text), style["feed--matched"] if best else style["feed--unmatched"])]
        if item.revised:  # edited or deleted since: the first text is shown, marked
            parts.insert(0, (REVISED_MARKS.get(item.revised, "? "), style["feed--revised"]))
        if item.id in self.claimed:  # someone else is answering: do not answer twice
            parts.insert(0, (f"✍{printable(self.claimed[item.id])} ", style["feed--claimed"]))
        layered: list[tuple[str, Style]] = []
        combined = NO_STYLE
        for text, part_style in parts:
            combined += part_style
            layered.append((text, combined))
        text_width = max(0, width - sum(cell_len(text) for text, _ in runs) - cell_len(tail))
        runs += _fit_runs(layered, text_width, parts[0][1])
        if tail:
            runs.append((tail, style["feed--scenario"]))
        segments = [Segment(text, run_style) for text, run_style in _fit_runs(runs, width, NO_STYLE) if text]
        return Strip(segments, width).apply_style(style["base-cursor" if selected else "base"])

    @property
    def place(self) -> str:
        """Where the cursor is: "1,234 of 5,678", or "" while following (the feed has no
        scrollbar: drawing one for a million rows costs more than the rows)."""
        return "" if self.following else f"{self.cursor + 1:,} of {self.count:,}"

    def watch_cursor(self, old: int, new: int) -> None:
        # only the two lines that change (they are cached with whether they are the cursor's):
        # a key then draws two lines of the feed, not all of it. Whoever shows the selected
        # mention watches `cursor` too, and is called at once: its change lands in this frame.
        self.refresh_line(old)
        self.refresh_line(new)

    def watch_pending(self) -> None:
        self.border_subtitle = f"{self.pending:,} new · end to follow" if self.pending else ""

    def watch_following(self, following: bool) -> None:
        if following:
            self.pending = 0

    def action_cursor(self, delta: int) -> None:
        if not self.count:
            return
        target = min(max(self.cursor + delta, 0), self.count - 1)
        if delta < 0 and target < self.count - 1:
            self.following = False
        if target == self.count - 1:
            self.following = True
        self.cursor = target
        self._keep_cursor_visible()

    def search(self, wanted: MentionFilter) -> None:
        """Show only the mentions a search (`MentionFilter.parse`) keeps, within the incident
        shown, if one is."""
        if self.rows is None:
            return
        self.show(FeedRows(self.rows.journal, replace(wanted, span=self.view.span, incident=self.view.incident)))

    def action_first(self) -> None:
        if self.count:
            self.following = False
            self.cursor = 0
            self._keep_cursor_visible()

    def action_follow(self) -> None:
        """The newest mention selected, at the foot of the feed (none, when it shows none)."""
        self.following = True
        self.cursor = self.count - 1
        self.scroll_to(y=max(0, self.count - self.scrollable_content_region.height), animate=False, immediate=True)

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
        if 0 <= index < self.count:
            self.following = index == self.count - 1
            self.cursor = index


def _fit_runs(runs: list[tuple[str, Style]], width: int, padding: Style) -> list[tuple[str, Style]]:
    """Styled `runs` in `width` cells, as Rich truncates a `Text` with them as spans: cut with
    an ellipsis in the style of the character it stands for, or padded in `padding`."""
    whole = "".join(text for text, _ in runs)
    length = cell_len(whole)
    if length < width:
        if runs and runs[-1][1] == padding:  # one span over both: one segment
            return [*runs[:-1], (runs[-1][0] + " " * (width - length), padding)]
        return [*runs, (" " * (width - length), padding)]
    if length == width:
        return runs
    kept = set_cell_size(whole, width - 1) + ELLIPSIS
    fitted, offset = [], 0
    for text, run_style in runs:
        if offset >= len(kept):
            break
        fitted.append((kept[offset : offset + len(text)], run_style))
        offset += len(text)
    return fitted
