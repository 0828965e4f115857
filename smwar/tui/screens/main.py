"""The main screen: the feed and the selected mention on the left, the scenario board and the
focused incident's chain on the right, the status bar below.

It lays out the panels and keeps them current (what arrived, once a second, and when a room
says something changed); its rooms (smwar/tui/rooms/) own the keys: the pipeline, the drill,
incidents, replies and notices. `F` filters the feed to the incident shown on the right.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from smwar.clock import DrillClock
from smwar.config import Config
from smwar.engine.follow import Follower
from smwar.engine.session import Session
from smwar.journal.pages import MentionFilter
from smwar.journal.reading import Span
from smwar.journal.schema import JournalError
from smwar.model import IncidentStatus
from smwar.plaintext import printable
from smwar.runbooks.watch import RunbookWatch
from smwar.timespan import format_duration, format_offset
from smwar.triage.signals import OVERALL
from smwar.tui.acting import not_while_typing
from smwar.tui.guard import Guarded
from smwar.tui.messages import Arrived, Changed, RunbooksChanged
from smwar.tui.notices import NoticeDesk
from smwar.tui.rooms.drill import DrillInfo, DrillRoom
from smwar.tui.rooms.incidents import IncidentRoom
from smwar.tui.rooms.notices import NoticeRoom
from smwar.tui.rooms.pipeline import PipelineRoom
from smwar.tui.rooms.replies import ReplyRoom
from smwar.tui.rooms.team import TeamRoom
from smwar.tui.steps import StepNotifier
from smwar.tui.widgets.board import ScenarioBoard, trend_cell
from smwar.tui.widgets.chain import ChainTable
from smwar.tui.widgets.detail import MentionDetail
from smwar.tui.widgets.feed import Feed
from smwar.tui.widgets.feed_rows import FeedRows
from smwar.tui.widgets.feed_search import FeedSearch, unknown_value
from smwar.tui.widgets.keys import KeysLine
from smwar.tui.widgets.sources import sources_text

OPEN_END = datetime(9999, 12, 31, tzinfo=UTC)  # an incident still open keeps its new mentions


# columns (see app.tcss): below NARROW the feed takes the whole width (a phone's browser), the
# board and the chain give way; from WIDE the right column takes a quarter of the screen
NARROW, WIDE = 72, 160


class MainScreen(Guarded, PipelineRoom, DrillRoom, IncidentRoom, ReplyRoom, NoticeRoom, TeamRoom):
    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (NARROW, "-narrow"), (WIDE, "-wide")]
    BINDINGS = [
        Binding(
            "slash",
            "search",
            "Search",
            key_display="/",
            tooltip="Show only mentions with these words, network:, author:, scenario:, action:",
            id="feed.search",
            priority=True,  # the words typed right after it go to the search line (acting.not_while_typing)
        ),
        Binding(
            "F",
            "filter_feed",
            "Filter",
            show=False,
            tooltip="Show only the mentions of the incident shown on the right (again: all)",
            id="feed.filter",
        ),
    ]

    def __init__(
        self,
        session: Session,
        desk: NoticeDesk,
        *,
        drill: DrillInfo | None,
        follower: Follower | None,
        runbook_watch: RunbookWatch | None,
        poll_seconds: float,
        config: Config | None,
        banner: Text,
    ) -> None:
        super().__init__()
        self.session = session
        self.desk = desk
        self.drill = drill
        self.drilling = drill is not None
        self.follower = follower
        self.runbook_watch = runbook_watch
        self.poll_seconds = poll_seconds
        self.config = config
        self.banner = banner
        self.notifier = StepNotifier(self, session, simulated=drill is not None, done=self._notified)
        self.mention_total = 0  # in the journal: counted at the start, then as they arrive
        self._filtered_shape: object = None

    def compose(self) -> ComposeResult:
        yield Static(self.banner, id="drill-banner", classes="banner" if self.drill else "banner -live")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Feed(id="feed")
                yield FeedSearch(id="feed-search")
                yield MentionDetail(self.session.runbooks, self.session.pipeline.assessor, id="detail")
            with Vertical(id="right"):
                yield ScenarioBoard(id="board")
                yield Static(id="chain-title")
                yield ChainTable(id="chain", compact=True)
        yield Static(id="status")
        yield KeysLine()

    def on_mount(self) -> None:
        self.query_one("#detail").border_title = "Mention"
        self.query_one("#board", ScenarioBoard).border_title = "Scenarios"
        feed = self.query_one("#feed", Feed)
        feed.use_tags(self.session.runbooks.tags)
        self.watch(feed, "cursor", self._show_selected, init=False)
        rows = FeedRows(self.session.journal, MentionFilter())
        self.mention_total = rows.total
        feed.show(rows)
        incidents = self.session.desk.incidents()
        active = [i for i in incidents if i.status is IncidentStatus.OPEN]
        proposed = [i for i in incidents if i.status is IncidentStatus.PROPOSED]
        if active or proposed:
            self.focused_incident = (active or proposed)[-1].id
        self.refresh_views()
        feed.focus()
        self.set_interval(1.0, self.refresh_views)
        self.start_pipeline()
        self.start_team()
        if self.drill is not None and self.drill.joined:
            self.notify(
                f"Joined drill run {self.drill.run} as the team plays it: its clock and speed are everyone's.",
                title="Drill joined",
                timeout=8,
                markup=False,
            )
        elif self.drill is not None and self.drill.resumed:
            self.notify(
                f"Resumed drill run {self.drill.run}. Start over with: smwar drill --new",
                title="Drill resumed",
                timeout=8,
                markup=False,
            )

    # -- what arrived and what changed ----------------------------------------------------

    def on_arrived(self, message: Arrived) -> None:
        update = message.update
        self.mention_total += len(update.mentions)
        feed = self.query_one("#feed", Feed)
        feed.add(update.mentions)
        self.query_one("#detail", MentionDetail).border_subtitle = feed.place  # "of" the feed's count now
        for incident in update.proposals:
            focused = self.session.desk.incident(self.focused_incident) if self.focused_incident else None
            if focused is None or focused.status is not IncidentStatus.OPEN:
                self.focused_incident = incident.id
        if update.proposals or update.alerts or update.messages:
            self.post_message(Changed())  # what changes the board now; counts alone wait for the second's refresh

    def on_changed(self, _: Changed) -> None:
        self.refresh_views()

    def _notified(self) -> None:
        """A step's deliveries are in: here, and on the incident's screen if it is in front."""
        self.refresh_views()
        self.app.screen.post_message(Changed())

    def on_runbooks_changed(self, message: RunbooksChanged) -> None:
        runbooks = message.runbooks
        detail = self.query_one("#detail", MentionDetail)
        detail.runbooks, detail.assessor = runbooks, self.session.pipeline.assessor
        self.query_one("#feed", Feed).use_tags(runbooks.tags)
        focused = self.session.desk.incident(self.focused_incident) if self.focused_incident else None
        if focused is not None and runbooks.find_scenario(focused.scenario_id) is None:
            self.focused_incident = None
        self.query_one("#board", ScenarioBoard).keep_only({s.id for s in runbooks.scenarios})

    def refresh_views(self) -> None:
        try:
            self.ring_deadlines()
            self.offer_end()
            if self.feed_incident is not None:
                self._refilter_if_changed()
            self.query_one("#board", ScenarioBoard).show(self.session.pipeline.scenario_stats())
            self._show_chain()
            self.see_team()
            status = self._status_text()
        except JournalError as exc:  # its server down: the screen shows what it had, and says so
            status = Text(f" journal unreachable, trying again: {printable(str(exc))} ", style="reverse bold")
            status.append(f" · {self.session.clock.now().astimezone():%H:%M:%S}")
        self.query_one("#status", Static).update(status, layout=False)  # one line, always

    def _refilter_if_changed(self) -> None:
        assert self.feed_incident is not None
        incident = self.session.desk.incident(self.feed_incident)
        shape = (incident.linked, incident.closed_at, incident.reopened_at)
        if shape != self._filtered_shape:
            self._filtered_shape = shape
            self._filter_feed()

    def _show_chain(self) -> None:
        incident = self.session.desk.incident(self.focused_incident) if self.focused_incident else None
        scenario = self.session.runbooks.find_scenario(incident.scenario_id) if incident else None
        title = Text("No incident yet: the board proposes one when a scenario fires.", style="italic")
        if incident is not None and scenario is not None:
            title = Text(f"#{incident.id} {printable(scenario.title)} — {incident.status.upper()}", style="bold")
            if incident.status is IncidentStatus.PROPOSED:
                title.append("  (o: open · x: dismiss)", style="italic")
        shown = self.query_one("#chain-title", Static)
        if title != shown.content:  # the same title again is no new layout
            shown.update(title)
        self.query_one("#chain", ChainTable).show(incident, scenario, self.session.clock.now())

    def _status_text(self) -> Text:
        """One line: what is wrong first (it must not be cut off), then the clock and counts."""
        now = self.session.clock.now()
        status = Text(end="")
        clock = self.session.clock
        if self.drill is not None:
            status.append(" DRILL ", style="reverse bold")
        if self.pipeline_error is not None:
            status.append(f" feed stalled: {printable(self.pipeline_error)} ", style="reverse bold")
        if self.runbook_error is not None:
            status.append(f" runbook edit not loaded ({self.runbook_error}; m) ", style="reverse bold")
        if self.follower is not None:
            follower = self.follower
            status.append_text(sources_text(follower.health(), follower.backlog(), follower.missing))
        source = self.drill_source()
        for outage in source.player.outages(now) if source is not None else []:
            back = format_offset(outage.at + outage.lasts)
            status.append(f" {printable(outage.network)} down until T+{back} ", style="reverse bold")
        if self.drill is not None:
            status.append(f" T+{format_offset(now - self.drill.start)} of {format_offset(self.drill.length)}")
            if isinstance(clock, DrillClock):
                status.append(f" · {clock.speed:g}× · {'paused' if clock.paused else 'running'}")
            remaining = source.remaining if source is not None else 0
            status.append(
                f" · source: drill script ({remaining} injects to go)"
                if remaining
                else " · source: drill script (all injects played)"
            )

        if self.desk.unread:
            status.append(f" ✉ {self.desk.unread} unread (m) ", style="bold reverse")
        status.append_text(self.team_text())
        status.append(f" · {self.mention_total:,} mentions")
        overall = self.session.pipeline.signals.trends.get(OVERALL)
        if overall is not None:
            status.append(f" ({overall.count} in {format_duration(self.session.runbooks.trends.window)} ")
            status.append_text(trend_cell(overall))
            status.append(")")
        open_count = sum(1 for i in self.session.desk.incidents() if i.status is IncidentStatus.OPEN)
        status.append(f" · {open_count} open incident{'s' if open_count != 1 else ''}")
        status.append(f" · {now.astimezone():%H:%M:%S}")
        return status

    # -- the panels ------------------------------------------------------------------------

    def _show_selected(self) -> None:
        """The mention under the feed's cursor in full: called as the cursor moves, so the
        detail is drawn in the same frame as the cursor (a message would take a frame more)."""
        feed = self.query_one("#feed", Feed)
        item = feed.selected
        detail = self.query_one("#detail", MentionDetail)
        if item is None:
            detail.show_none()
            detail.border_subtitle = ""
            return
        campaign = self.session.pipeline.signals.campaigns.find(item.mention.text)
        revisions = self.session.journal.revisions_of(item.id) if item.revised else ()
        detail.show(item, campaign, revisions)
        detail.border_subtitle = feed.place

    def on_data_table_row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        """The operator moved to a scenario on the board: its incident is shown on the right (a
        board filled or refreshed moves nobody)."""
        board = message.data_table
        if board.id != "board" or message.row_key.value is None or not board.has_focus:
            return
        incident = self.session.desk.latest_incident(str(message.row_key.value))
        if incident is not None:
            self.focused_incident = incident.id
            self._show_chain()

    def action_search(self) -> None:
        not_while_typing(self)
        self.query_one(FeedSearch).open(self.query_one("#feed", Feed).view.label)

    def on_feed_search_wanted(self, message: FeedSearch.Wanted) -> None:
        feed, line = self.query_one("#feed", Feed), self.query_one(FeedSearch)
        if message.text is not None:
            wanted = MentionFilter.parse(message.text)
            refused = unknown_value(wanted, self.session.runbooks)
            if refused:
                line.refuse(refused)
                return
            feed.search(wanted)
        line.showing(feed.view.label)
        if self.focused is None or line in self.focused.ancestors:  # not when left for another panel
            self.set_focus(feed)  # at once: the keys typed next move through the feed

    def action_filter_feed(self) -> None:
        self.feed_incident = None if self.feed_incident is not None else self.focused_incident
        self._filter_feed()

    def _filter_feed(self) -> None:
        """Show the feed-filter incident's mentions (re-applied as links, reopening and the
        incident's end change what belongs to it), or all."""
        feed = self.query_one("#feed", Feed)
        incident_id = self.feed_incident
        scenario = None
        if incident_id is not None:
            scenario = self.session.runbooks.find_scenario(self.session.desk.incident(incident_id).scenario_id)
        if incident_id is None or scenario is None:
            self.feed_incident = None
            feed.show(FeedRows(self.session.journal, replace(feed.view, span=None, incident=None)))
            return
        incident = self.session.desk.incident(incident_id)
        start = incident.proposed_at - scenario.trigger.within
        span = Span(incident.scenario_id, start, incident.closed_at or OPEN_END, frozenset(incident.linked))
        feed.show(FeedRows(self.session.journal, replace(feed.view, span=span, incident=incident_id)))

    def commands(self) -> Iterator[SystemCommand]:
        """The war room's actions for the command palette."""
        yield SystemCommand(
            "Open proposed incident", "State the goal and start the reaction chain", self.action_open_incident
        )
        yield SystemCommand(
            "Dismiss proposed incident", "Record why it is not an incident", self.action_dismiss_incident
        )
        yield SystemCommand(
            "Show incident checklist", "The reaction chain of the current incident", self.action_show_incident
        )
        yield SystemCommand("Answer next", "What to answer next, most urgent first", self.action_answer_queue)
        yield SystemCommand("Inbox", "Every notice, grouped by kind and scenario", self.action_inbox)
        if self.drill is not None:
            yield SystemCommand("Pause or resume drill", "Stop or restart the drill clock", self.action_toggle_pause)
            yield SystemCommand("Drill faster", "Double the drill speed (up to 60×)", lambda: self.action_speed(2))
            yield SystemCommand("Drill slower", "Halve the drill speed", lambda: self.action_speed(0.5))
        yield SystemCommand(
            "Follow the feed",
            "Jump to the newest mention and follow",
            lambda: self.query_one("#feed", Feed).action_follow(),
        )
