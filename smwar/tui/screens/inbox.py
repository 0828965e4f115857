"""The inbox: every notice the war room raised, grouped by kind and scenario with counts and
times; the group under the cursor shows its notices and is marked read."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from smwar.model import NoticeGroup
from smwar.plaintext import excerpt
from smwar.runbooks.definitions import RunbookSet
from smwar.tui.guard import Guarded
from smwar.tui.notices import KIND_LABELS, NoticeDesk
from smwar.tui.text import local_time, plain
from smwar.tui.widgets.keys import KeysLine

SHOWN = 50  # notices of a group listed at once (the journal keeps them all)


class InboxScreen(Guarded, Screen[None]):
    BINDINGS = [
        Binding("escape,m", "dismiss", "Back", tooltip="Back to the war room", id="inbox.back"),
        Binding("a", "read_all", "All read", tooltip="Mark every notice read", id="inbox.read_all"),
    ]

    def __init__(self, desk: NoticeDesk, runbooks: RunbookSet) -> None:
        super().__init__()
        self.desk = desk
        self.runbooks = runbooks
        self.groups: list[NoticeGroup] = []

    def compose(self) -> ComposeResult:
        yield Static(id="inbox-head")
        yield DataTable(id="inbox", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="inbox-notices"):
            yield Static(id="inbox-list")
        yield KeysLine()

    def on_mount(self) -> None:
        table = self.query_one("#inbox", DataTable)
        for title, width in (("Kind", 18), ("About", 28), ("Count", 6), ("Unread", 6), ("First", 8), ("Last", 8)):
            table.add_column(title, width=width)
        table.add_column("Latest", width=None)
        self.refresh_groups()

    def refresh_groups(self) -> None:
        self.groups = self.desk.journal.notice_groups()
        table = self.query_one("#inbox", DataTable)
        table.clear()
        for number, group in enumerate(self.groups):
            table.add_row(*self._cells(group), key=str(number))
        self._show_head()
        if self.groups:
            self._show_group(0)  # where the cursor starts
        else:
            self.query_one("#inbox-list", Static).update(Text("No notices yet.", style="italic"))

    def _show_head(self) -> None:
        head = Text(f" {self.desk.unread} unread ", style="bold reverse")
        head.append(f" · {sum(group.count for group in self.groups)} notices in {len(self.groups)} groups")
        head.append(" · the group under the cursor is marked read", style="italic")
        self.query_one("#inbox-head", Static).update(head)

    def _about(self, group: NoticeGroup) -> str:
        if group.scenario_id is None:
            return "everything"
        scenario = self.runbooks.find_scenario(group.scenario_id)
        return scenario.title if scenario is not None else group.scenario_id

    def _cells(self, group: NoticeGroup) -> tuple[Text, ...]:
        unread = "bold" if group.unread else "dim"
        return (
            Text(KIND_LABELS.get(group.kind, group.kind), style=unread),
            plain(self._about(group)),
            Text(str(group.count), justify="right"),
            Text(str(group.unread) if group.unread else "—", justify="right", style=unread),
            Text(local_time(group.first_at)),
            Text(local_time(group.last_at)),
            plain(excerpt(group.latest, 200)),
        )

    def on_data_table_row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        if message.row_key.value is not None:
            self._show_group(int(message.row_key.value))

    def _show_group(self, number: int) -> None:
        group = self.groups[number]
        notices = self.desk.journal.notices(group.kind, group.scenario_id, SHOWN)
        listing = Text()
        for notice in notices:
            listing.append(f"{local_time(notice.at)} ", style="dim")
            listing.append_text(plain(notice.title, "bold" if not notice.read else ""))
            listing.append("\n")
            listing.append_text(plain(notice.body, keep_newlines=True))
            listing.append("\n\n")
        if group.count > SHOWN:
            listing.append(f"… and {group.count - SHOWN} older ones", style="italic")
        self.query_one("#inbox-list", Static).update(listing)
        if group.unread:
            self.desk.read(group.kind, group.scenario_id)
            table = self.query_one("#inbox", DataTable)
            table.update_cell(str(number), table.ordered_columns[3].key, Text("—", justify="right"))
            self._show_head()

    def action_read_all(self) -> None:
        self.desk.read()
        self.refresh_groups()
