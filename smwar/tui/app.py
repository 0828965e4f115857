"""The war room: feed, detail, scenario board, the active chain, and the status bar."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import monotonic
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.containers import Horizontal, Vertical
from textual.notifications import Notify, SeverityLevel
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState

from smwar.clock import MAX_SPEED, MIN_SPEED, DrillClock
from smwar.config import Config
from smwar.drills.debrief import to_markdown
from smwar.drills.script import DrillScript
from smwar.engine.drill import DrillRun, DrillSource, end_drill
from smwar.engine.live import LiveFeed
from smwar.engine.notifications import notify_step
from smwar.engine.review import lessons
from smwar.engine.session import TRAINER_MESSAGE, Session, Update
from smwar.errors import InputError, InputErrors, SmwarError
from smwar.incidents.chain import MISSED, check_actionable, find_step, missing_gates, severity
from smwar.journal.pages import MentionFilter
from smwar.journal.reading import Span
from smwar.model import Delivery, Incident, IncidentStatus
from smwar.plaintext import printable
from smwar.runbooks.watch import RunbookWatch
from smwar.timespan import format_duration, format_offset
from smwar.triage.signals import CAMPAIGN, OVERALL, Alert
from smwar.tui.acting import ask, attempt
from smwar.tui.guard import FailureNotices, Guarded
from smwar.tui.notices import DEADLINE, INCIDENT, LESSON, TRAINER, NoticeDesk
from smwar.tui.screens.debrief import DebriefScreen
from smwar.tui.screens.inbox import InboxScreen
from smwar.tui.screens.incident import IncidentScreen
from smwar.tui.screens.palette import Palette
from smwar.tui.screens.prompt import ChoicePrompt, TextPrompt
from smwar.tui.screens.queue import QueueScreen
from smwar.tui.screens.reply import ReplyScreen
from smwar.tui.widgets.board import ScenarioBoard, trend_cell
from smwar.tui.widgets.chain import ChainTable
from smwar.tui.widgets.detail import MentionDetail
from smwar.tui.widgets.feed import Feed
from smwar.tui.widgets.feed_rows import FeedRows
from smwar.tui.widgets.sources import sources_text

POLL_SECONDS = 0.25
SWITCH_SECONDS = 0.001
OPEN_END = datetime(9999, 12, 31, tzinfo=UTC)  # an incident still open keeps its new mentions
RETRY_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class DrillInfo:
    """What the face shows about the drill being played."""

    title: str
    run: str
    start: datetime
    length: timedelta
    resumed: bool
    script: DrillScript
    debrief_path: Path  # where ending the drill writes its Markdown debrief

    @classmethod
    def of(cls, run: DrillRun) -> DrillInfo:
        return cls(
            run.script.drill.title,
            run.name,
            run.clock_start,
            run.script.length,
            run.resumed,
            run.script,
            run.journal.path.with_suffix(".md"),
        )


DRILL_ACTIONS = {"toggle_pause", "speed", "next_inject", "trainer_message", "end_drill"}


class WarRoomApp(Guarded, App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "smwar"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", tooltip="Quit smwar (everything is already in the journal)", id="app.quit"),
        Binding(
            "question_mark", "toggle_keys", "Keys", key_display="?", tooltip="Show or hide all keys", id="app.keys"
        ),
        Binding("space", "toggle_pause", "Pause", tooltip="Pause or resume the drill clock", id="drill.pause"),
        Binding("plus", "speed(2)", "Faster", key_display="+", show=False, id="drill.faster"),
        Binding("minus", "speed(0.5)", "Slower", key_display="-", show=False, id="drill.slower"),
        Binding(
            "J",
            "next_inject",
            "Jump ahead",
            show=False,
            tooltip="Jump the drill clock to what comes next",
            id="drill.next",
        ),
        Binding(
            "t",
            "trainer_message",
            "Trainer",
            show=False,
            tooltip="Pause the drill and give the trainee a message",
            id="drill.message",
        ),
        Binding("E", "end_drill", "End drill", tooltip="End the drill and see the score", id="drill.end"),
        Binding(
            "r",
            "reply",
            "Reply",
            tooltip="Reply to the highlighted mention (a drill only records it)",
            id="mention.reply",
        ),
        Binding(
            "o",
            "open_incident",
            "Open incident",
            tooltip="Open the proposed incident (asks for the goal)",
            id="incident.open",
        ),
        Binding(
            "x",
            "dismiss_incident",
            "Dismiss",
            tooltip="Dismiss the proposed incident (asks for a reason)",
            id="incident.dismiss",
        ),
        Binding("i", "show_incident", "Incident", tooltip="Show the incident's checklist", id="incident.show"),
        Binding("n", "answer_queue", "Answer next", tooltip="What to answer next, most urgent first", id="queue.show"),
        Binding("m", "inbox", "Inbox", tooltip="Every notice, grouped by kind and scenario", id="inbox.show"),
        Binding(
            "O",
            "open_by_hand",
            "Open from mention",
            show=False,
            tooltip="Open an incident by hand for the highlighted mention",
            id="incident.open_by_hand",
        ),
        Binding(
            "l",
            "link_mention",
            "Link",
            show=False,
            tooltip="Link the highlighted mention to the incident shown on the right",
            id="incident.link",
        ),
        Binding(
            "F",
            "filter_feed",
            "Filter",
            show=False,
            tooltip="Show only the mentions of the incident shown on the right (again: all)",
            id="feed.filter",
        ),
        Binding("tab", "focus_next", "Next pane", show=False, id="app.focus_next"),
        Binding(
            "S",
            "toggle_source",
            "Pause source",
            show=False,
            tooltip="Pause or resume one of the live sources",
            id="sources.toggle",
        ),
    ]

    def __init__(
        self,
        session: Session,
        *,
        drill: DrillInfo | None = None,
        live_feed: LiveFeed | None = None,
        runbook_watch: RunbookWatch | None = None,
        poll_seconds: float = POLL_SECONDS,
        config: Config | None = None,
    ) -> None:
        super().__init__()
        self.failures = FailureNotices()  # the guard's: what failed and was shown, never fatal
        self.desk = NoticeDesk(self, session.journal)
        self._toast: tuple[str, str, int, float] | None = None  # the one on screen: title, message, times, until
        self.config = config  # live mode: where replies are posted from
        self.session = session
        self.drill = drill
        self.live_feed = live_feed
        self.runbook_watch = runbook_watch
        self.poll_seconds = poll_seconds
        self.focused_incident: int | None = None
        self.pipeline_error: str | None = None
        self.runbook_error: str | None = None
        self.sending: set[tuple[int, str]] = set()  # (incident, step) whose notifications are on their way
        self.feed_incident: int | None = None  # the incident the feed is filtered to
        self.mention_total = 0  # in the journal: counted at the start, then as they arrive
        self._filtered_shape: object = None
        self.trainer_message: str | None = None
        self.offered_end = False  # said once that every inject has been played
        self.title = f"smwar — DRILL — {drill.title}" if drill is not None else "smwar — LIVE"

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

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(self.banner_text(), id="drill-banner", classes="banner" if self.drill else "banner -live")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Feed(id="feed")
                yield MentionDetail(self.session.runbooks, id="detail")
            with Vertical(id="right"):
                yield ScenarioBoard(id="board")
                yield Static(id="chain-title")
                yield ChainTable(id="chain", compact=True)
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        # the pipeline thread shares the interpreter: it hands it back to the screen every
        # millisecond (Python's default is 5), so a key is drawn between two of its batches' steps
        sys.setswitchinterval(SWITCH_SECONDS)
        self.query_one("#detail").border_title = "Mention"
        self.query_one("#board", ScenarioBoard).border_title = "Scenarios"
        feed = self.query_one("#feed", Feed)
        feed.use_tags(self.session.runbooks.tags)
        rows = FeedRows(self.session.journal, MentionFilter())
        self.mention_total = rows.total
        feed.show(rows)
        active = [i for i in self.session.incidents() if i.status is IncidentStatus.OPEN]
        proposed = [i for i in self.session.incidents() if i.status is IncidentStatus.PROPOSED]
        if active or proposed:
            self.focused_incident = (active or proposed)[-1].id
        self.refresh_views()
        self.query_one("#feed", Feed).focus()
        # the main screen's timer: it stops with the screen, so a refresh never finds its
        # widgets half removed while the app shuts down
        self.screen.set_interval(1.0, self.refresh_views)
        self.set_timer(self.poll_seconds, self._pump)
        if self.drill is not None and self.drill.resumed:
            self.notify(
                f"Resumed drill run {self.drill.run}. Start over with: smwar drill --new",
                title="Drill resumed",
                timeout=8,
                markup=False,
            )

    def banner_text(self) -> Text:
        if self.drill is None:
            sources = len(self.live_feed.health()) if self.live_feed else 0
            return Text(f" LIVE · {sources} sources · notifications go out for real ", style="bold")
        if self.trainer_message is not None:  # the message matters more than the run's name
            banner = Text(f" DRILL · {printable(self.drill.title)} · nothing is sent ", style="bold")
            banner.append(f" Trainer: {printable(self.trainer_message)} ", style="bold reverse")
            return banner
        return Text(
            f" DRILL · {printable(self.drill.title)} · run {printable(self.drill.run)} · nothing is sent ", style="bold"
        )

    # -- the pipeline, off the UI thread -----------------------------------------------

    @work(thread=True, exclusive=True, group="pipeline", exit_on_error=False)
    def _pump(self) -> None:
        try:
            if self.runbook_watch is not None and self.runbook_watch.changed():
                self.call_from_thread(self.show_reload, self._reload_runbooks())
            update = self.session.poll()
        except Exception:
            self.call_from_thread(self.set_timer, RETRY_SECONDS, self._pump)
            raise
        self.call_from_thread(self.set_timer, self.poll_seconds, self._pump)
        if update.mentions or update.messages or update.alerts:
            self.call_from_thread(self.apply_update, update)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failing pipeline or notification must be seen, never silently stop."""
        if event.worker.group == "notifications" and event.state is WorkerState.ERROR:
            self.sending.clear()
            self.alarm(f"Notifying stopped: {event.worker.error}", "Notification failed")
            self.refresh_views()
            return
        if event.worker.group != "pipeline":
            return
        if event.state is WorkerState.SUCCESS and self.pipeline_error is not None:
            self.pipeline_error = None
            self.refresh_views()
        if event.state is WorkerState.ERROR:
            self.pipeline_error = str(event.worker.error)
            self.refresh_views()
            self.alarm(f"The feed stalled, retrying in {RETRY_SECONDS:g} s: {event.worker.error}", "Pipeline error")

    def _reload_runbooks(self) -> SmwarError | None:
        """Load the edited set and put it in force; on error the last good set stays."""
        assert self.runbook_watch is not None
        try:
            runbooks = self.runbook_watch.load()
        except InputErrors as exc:
            return exc
        try:
            self.session.reload(runbooks)
        except SmwarError as exc:
            self.runbook_watch.refused()
            return exc
        return None

    def check_runbooks_now(self) -> None:
        """Look for runbook edits on this thread, for callers that drive the app by hand."""
        if self.runbook_watch is not None and self.runbook_watch.changed():
            self.show_reload(self._reload_runbooks())

    def show_reload(self, error: SmwarError | None) -> None:
        if error is None:
            self.runbook_error = None
            runbooks = self.session.runbooks
            self.query_one("#detail", MentionDetail).runbooks = runbooks
            self.query_one("#feed", Feed).use_tags(runbooks.tags)
            focused = self.session.incident(self.focused_incident) if self.focused_incident else None
            if focused is not None and runbooks.find_scenario(focused.scenario_id) is None:
                self.focused_incident = None
            self.query_one("#board", ScenarioBoard).keep_only({s.id for s in self.session.runbooks.scenarios})
            count = len(self.session.runbooks.scenarios)
            self.notify(f"Runbooks reloaded: {count} scenarios in force.", title="Runbooks", markup=False)
        else:
            problems = error.errors if isinstance(error, InputErrors) else [error]
            first = problems[0]
            brief = first.brief if isinstance(first, InputError) else str(first)
            already_shown = self.runbook_error
            self.runbook_error = brief + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else "")
            if self.runbook_error == already_shown:  # the same set tried again: say it once
                self.refresh_views()
                return
            self.alarm(f"{error}\nThe last good runbooks stay in force.", "Runbook edit not loaded")
        self.refresh_views()

    def alarm(self, message: str, title: str) -> None:
        """A problem the operator must see: an error notice that stays for half a minute."""
        self.notify(message, title=title, severity="error", timeout=30, markup=False)

    def show_alert(self, alert: Alert) -> None:
        """A spike, an early-warning sign or a campaign: a notice the operator will see."""
        if alert.kind != CAMPAIGN:
            self.bell()
        scenario = self.session.runbooks.find_scenario(alert.scenario_id) if alert.scenario_id else None
        title = f"{alert.title} ({scenario.title})" if scenario else alert.title
        detail = f"{alert.author} — {alert.detail}" if alert.author else alert.detail
        self.desk.post(alert.kind, title, detail, at=self.session.clock.now(), scenario_id=alert.scenario_id)

    def poll_now(self) -> Update:
        """Run the pipeline once on this thread, for callers that move the clock by hand."""
        update = self.session.poll()
        self.apply_update(update)
        return update

    def apply_update(self, update: Update) -> None:
        self.mention_total += len(update.mentions)
        self.query_one("#feed", Feed).add(update.mentions)
        for message in update.messages:
            self.show_trainer_message(message)
        for alert in update.alerts:
            self.show_alert(alert)
        for incident in update.proposals:
            self.bell()
            scenario = self.session.runbooks.scenario(incident.scenario_id)
            now = self.session.clock.now()
            self.desk.post(
                INCIDENT,
                f"Incident #{incident.id} proposed",
                f"{scenario.title}: {incident.trigger}. Press o to open it, x to dismiss.",
                at=now,
                scenario_id=scenario.id,
                incident_id=incident.id,
                urgent=True,
            )
            learned = [x for x in lessons(self.session.journal, incident.scenario_id) if x.incident_id < incident.id]
            if learned:
                self.desk.post(
                    LESSON,
                    f"Lessons learned from earlier {scenario.title} incidents",
                    "\n".join(f"• {lesson.text} (#{lesson.incident_id})" for lesson in learned[-5:]),
                    at=now,
                    scenario_id=scenario.id,
                    incident_id=incident.id,
                )
            if (
                self.focused_incident is None
                or self.session.incident(self.focused_incident).status is not IncidentStatus.OPEN
            ):
                self.focused_incident = incident.id
        if update.proposals or update.alerts or update.messages:
            self.refresh_views()  # what changes the board now; counts alone wait for the second's refresh

    # -- views -------------------------------------------------------------------------

    def refresh_views(self) -> None:
        self._ring_deadlines()
        self._offer_end(self.session.clock.now())
        if self.feed_incident is not None:
            self._refilter_if_changed()
        self.query_one("#board", ScenarioBoard).show(self.session.scenario_stats())
        self._show_chain()
        self.query_one("#status", Static).update(self._status_text())
        if isinstance(self.screen, IncidentScreen) and self.screen.ready:
            self.screen.refresh_view()

    def _refilter_if_changed(self) -> None:
        assert self.feed_incident is not None
        incident = self.session.incident(self.feed_incident)
        shape = (incident.linked, incident.closed_at, incident.reopened_at)
        if shape != self._filtered_shape:
            self._filtered_shape = shape
            self._filter_feed()

    def _ring_deadlines(self) -> None:
        """Due-soon and overdue steps ring once each (the session journals that they did)."""
        for incident, step, kind in self.session.due_alerts():
            self.bell()
            due = "is overdue" if kind == MISSED else "is due soon"
            self.desk.post(
                DEADLINE,
                "Deadline",
                f"Incident #{incident.id}: “{step.title}” {due}.",
                at=self.session.clock.now(),
                scenario_id=incident.scenario_id,
                incident_id=incident.id,
                urgent=True,
                severity="error" if kind == MISSED else "warning",
            )

    def _show_chain(self) -> None:
        incident = self.session.incident(self.focused_incident) if self.focused_incident else None
        scenario = self.session.runbooks.find_scenario(incident.scenario_id) if incident else None
        title = Text("No incident yet: the board proposes one when a scenario fires.", style="italic")
        if incident is not None and scenario is not None:
            title = Text(f"#{incident.id} {printable(scenario.title)} — {incident.status.upper()}", style="bold")
            if incident.status is IncidentStatus.PROPOSED:
                title.append("  (o: open · x: dismiss)", style="italic")
        self.query_one("#chain-title", Static).update(title)
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
            status.append(
                f" runbook edit not loaded, last good set in force: {self.runbook_error} ", style="reverse bold"
            )
        if self.live_feed is not None:
            status.append_text(sources_text(self.live_feed.health()))
        source = self._drill_source()
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
        status.append(f" · {self.mention_total:,} mentions")
        overall = self.session.signals.trends.get(OVERALL)
        if overall is not None:
            status.append(f" ({overall.count} in {format_duration(self.session.runbooks.trends.window)} ")
            status.append_text(trend_cell(overall))
            status.append(")")
        open_count = sum(1 for i in self.session.incidents() if i.status is IncidentStatus.OPEN)
        status.append(f" · {open_count} open incident{'s' if open_count != 1 else ''}")
        status.append(f" · {now.astimezone():%H:%M:%S}")
        return status

    def on_feed_selected(self, message: Feed.Selected) -> None:
        campaign = self.session.signals.campaigns.find(message.item.mention.text)
        self.query_one("#detail", MentionDetail).show(message.item, campaign)

    def on_data_table_row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        if message.data_table.id != "board" or message.row_key.value is None:
            return
        incident = self.session.latest_incident(str(message.row_key.value))
        if incident is not None:
            self.focused_incident = incident.id
            self._show_chain()

    # -- operator actions --------------------------------------------------------------

    def _target(self, status: IncidentStatus) -> Incident | None:
        """The incident an action is about: the highlighted scenario's, else the most severe (oldest first)."""
        selected = self.query_one("#board", ScenarioBoard).selected_scenario
        candidates = [i for i in self.session.incidents() if i.status is status]
        for incident in candidates:
            if incident.scenario_id == selected:
                return incident
        scenario = self.session.runbooks.scenario
        ranked = sorted(candidates, key=lambda i: (-severity(i, scenario(i.scenario_id)).rank, i.id))
        return ranked[0] if ranked else None

    def action_open_incident(self) -> None:
        incident = self._target(IncidentStatus.PROPOSED)
        if incident is None:
            self.notify("No proposed incident to open.", severity="warning")
            return
        scenario = self.session.runbooks.scenario(incident.scenario_id)

        def opened(goal: str | None) -> None:
            if goal is None:
                return
            if attempt(self, lambda: self.session.open_incident(incident.id, goal)):
                self.focused_incident = incident.id
                self.push_screen(IncidentScreen(self.session, incident.id))

        self.push_screen(
            TextPrompt(
                f"Open incident #{incident.id}: {scenario.title}",
                "State the goal for this incident, as the team will be measured against it.",
                placeholder="e.g. stop the spread, answer every affected customer within 2 hours",
            ),
            opened,
        )

    def action_dismiss_incident(self) -> None:
        incident = self._target(IncidentStatus.PROPOSED)
        if incident is None:
            self.notify("No proposed incident to dismiss.", severity="warning")
            return

        def dismissed(reason: str | None) -> None:
            if reason is not None:
                attempt(self, lambda: self.session.dismiss_incident(incident.id, reason))

        self.push_screen(
            TextPrompt(
                f"Dismiss incident #{incident.id}",
                "Why is this not an incident?",
                placeholder="e.g. false alarm: posts are about another brand",
            ),
            dismissed,
        )

    def action_open_by_hand(self) -> None:
        item = self.query_one("#feed", Feed).selected
        if item is None:
            self.notify("Highlight a mention in the feed first.", severity="warning")
            return
        scenarios = self.session.runbooks.scenarios
        best = item.best.scenario_id if item.best else None

        def chosen(scenario_id: str | None) -> None:
            if scenario_id is None or not attempt(self, lambda: self.session.check_can_open(scenario_id)):
                return

            def open_it(goal: str) -> None:
                incident = self.session.open_from_mention(item, scenario_id, goal)
                self.focused_incident = incident.id
                self.push_screen(IncidentScreen(self.session, incident.id))

            ask(
                self,
                f"Open an incident from mention #{item.id}",
                "State the goal for this incident, as the team will be measured against it.",
                open_it,
                placeholder="e.g. stop the spread, answer every affected customer within 2 hours",
            )

        self.push_screen(
            ChoicePrompt(
                "Which scenario is this?",
                "The incident follows that scenario's reaction chain.",
                [(scenario.id, scenario.title) for scenario in scenarios],
                selected=best,
            ),
            chosen,
        )

    def action_link_mention(self) -> None:
        item = self.query_one("#feed", Feed).selected
        incident_id = self.feed_incident or self.focused_incident
        if item is None or incident_id is None:
            self.notify("Highlight a mention, and show an incident on the right.", severity="warning")
            return
        if attempt(self, lambda: self.session.link_mention(incident_id, item.id)):
            self.notify(f"Mention #{item.id} linked to incident #{incident_id}.", markup=False)

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
            scenario = self.session.runbooks.find_scenario(self.session.incident(incident_id).scenario_id)
        if incident_id is None or scenario is None:
            self.feed_incident = None
            feed.show(FeedRows(self.session.journal, replace(feed.view, span=None, incident=None)))
            return
        incident = self.session.incident(incident_id)
        start = incident.proposed_at - scenario.trigger.within
        span = Span(incident.scenario_id, start, incident.closed_at or OPEN_END, frozenset(incident.linked))
        feed.show(FeedRows(self.session.journal, replace(feed.view, span=span, incident=incident_id)))

    def send_notifications(self, incident_id: int, step_id: str) -> None:
        """Notify a step's contacts off the UI thread; results arrive as toasts and in the step."""
        if (incident_id, step_id) in self.sending:
            self.notify("These notifications are on their way already.", markup=False)
            return
        incident = self.session.incident(incident_id)
        if incident.status is not IncidentStatus.OPEN:
            self.alarm(f"Incident #{incident_id} is {incident.status}: only an open incident notifies.", "Not sent")
            return
        self.sending.add((incident_id, step_id))
        self.notify(f"Notifying for step {step_id!r}…", markup=False)
        self._notify_worker(incident_id, step_id)

    @work(thread=True, group="notifications", exit_on_error=False)
    def _notify_worker(self, incident_id: int, step_id: str) -> None:
        deliveries = notify_step(self.session, incident_id, step_id, simulated=self.drill is not None)
        self.call_from_thread(self._show_deliveries, (incident_id, step_id), deliveries)

    def _show_deliveries(self, sent: tuple[int, str], deliveries: list[Delivery]) -> None:
        self.sending.discard(sent)
        if not deliveries:
            self.notify("Everyone on this step has been reached already.", markup=False)
        reached = [d.contact_id for d in deliveries if d.ok]
        failed = [d for d in deliveries if not d.ok]
        if reached:
            how = "Simulated (a drill sends nothing)" if deliveries[0].simulated else "Sent"
            self.notify(f"{how}: {', '.join(reached)}", title="Notified", markup=False)
        if failed:
            self.bell()
            lines = "\n".join(f"{d.contact_id}: {d.detail}" for d in failed)
            self.alarm(f"{lines}\nPress m on the step to try again.", "Notification failed")
        self.refresh_views()

    def action_toggle_source(self) -> None:
        feed = self.live_feed
        if feed is None:
            self.notify("A drill has no live sources.", severity="warning")
            return

        def chosen(source_id: str | None) -> None:
            if source_id is not None:
                paused = feed.toggle_pause(source_id)
                self.session.record("source.paused" if paused else "source.resumed", source=source_id)
                self.notify(f"{source_id} {'paused' if paused else 'resumed'}.", markup=False)

        options = [(h.source_id, f"{h.source_id} ({h.network}): {h.state}") for h in feed.health()]
        self.push_screen(ChoicePrompt("Pause or resume a source", "Pick the source.", options), chosen)

    def action_show_incident(self) -> None:
        if self.focused_incident is not None:
            incident: Incident | None = self.session.incident(self.focused_incident)
        else:
            incident = self._target(IncidentStatus.OPEN) or self._target(IncidentStatus.PROPOSED)
        if incident is None:
            self.notify("No incident yet.", severity="warning")
            return
        self.push_screen(IncidentScreen(self.session, incident.id))

    def on_chain_table_act(self, message: ChainTable.Act) -> None:
        incident_id, step_id = message.incident_id, message.step_id
        session = self.session
        if message.action == "done":
            incident = session.incident(incident_id)
            scenario = session.runbooks.scenario(incident.scenario_id)
            step = find_step(incident, scenario, step_id)
            waiting = missing_gates(incident, step)
            if not waiting:
                attempt(self, lambda: session.complete_step(incident_id, step_id))
                return
            if not attempt(self, lambda: check_actionable(incident, step)):
                return
            ask(
                self,
                f"Override the gate of step {step_id!r}?",
                f"It waits for {', '.join(waiting)}. Doing it anyway is recorded with your reason.",
                lambda reason: session.complete_step(incident_id, step_id, override=reason),
                placeholder="e.g. the PR advisor approved by phone",
            )
        elif message.action == "start":
            attempt(self, lambda: session.start_step(incident_id, step_id))
        elif message.action == "skip":
            ask(
                self,
                f"Skip step {step_id!r}",
                "Why is this step skipped?",
                lambda reason: session.skip_step(incident_id, step_id, reason),
                placeholder="e.g. no media coverage yet",
            )
        elif message.action == "note":
            self.ask_note(incident_id, step_id)

    def ask_note(self, incident_id: int, step_id: str | None) -> None:
        about = f"step {step_id!r}" if step_id else f"incident #{incident_id}"
        ask(
            self,
            f"Note on {about}",
            "What should the record say?",
            lambda text: self.session.add_note(incident_id, step_id, text),
        )

    # -- drill controls ----------------------------------------------------------------

    def _drill_source(self) -> DrillSource | None:
        source = self.session.source
        return source if self.drill is not None and isinstance(source, DrillSource) else None

    def show_trainer_message(self, message: str) -> None:
        self.trainer_message = message
        self.bell()
        self.desk.post(TRAINER, "Trainer", message, at=self.session.clock.now())
        for banner in self.screen.query("#drill-banner").results(Static):
            banner.update(self.banner_text())

    def action_trainer_message(self) -> None:
        clock = self.session.clock
        if self.drill is None or not isinstance(clock, DrillClock):
            self.notify("Trainer messages belong to drills.", severity="warning")
            return
        if not clock.paused:
            self.action_toggle_pause()

        def give(text: str) -> None:
            self.session.record(TRAINER_MESSAGE, text=text, trainer=True)
            self.show_trainer_message(text)

        ask(
            self,
            "Trainer message",
            "The drill is paused. What should the trainee hear? (space resumes the drill)",
            give,
            placeholder="e.g. The PR advisor is not answering the phone. What now?",
        )

    def action_next_inject(self) -> None:
        clock, source = self.session.clock, self._drill_source()
        if source is None or not isinstance(clock, DrillClock):
            self.notify("Only a drill can jump ahead.", severity="warning")
            return
        ahead = source.player.next_at(clock.now())
        if ahead is None:
            self.notify("Nothing more is coming in this drill: press E to end it.", markup=False)
            return
        clock.jump(ahead)
        self.session.record("drill.jumped", seconds=ahead.total_seconds())
        self.notify(f"Jumped {format_offset(ahead)} ahead.", markup=False)
        self.refresh_views()

    def action_end_drill(self) -> None:
        drill, clock = self.drill, self.session.clock
        if drill is None:
            self.notify("Only a drill can be ended; live work goes on.", severity="warning")
            return

        def chosen(answer: str | None) -> None:
            if answer != "end":
                return
            if isinstance(clock, DrillClock) and not clock.paused:
                self.action_toggle_pause()
            debrief = end_drill(self.session, drill.script, drill.start, drill.run)
            written: Path | None = drill.debrief_path
            try:
                drill.debrief_path.write_text(to_markdown(debrief), encoding="utf-8")
            except OSError as exc:
                written = None
                self.alarm(f"The debrief could not be written: {exc}", "Debrief not saved")
            self.clear_notifications()  # the score, not the toasts of the last minutes
            self.push_screen(DebriefScreen(debrief, written))

        self.push_screen(
            ChoicePrompt(
                "End the drill?",
                "It is scored against the response the drill expects; the clock stops.",
                [("end", "End it and show the score"), ("keep", "Keep playing")],
            ),
            chosen,
        )

    def _offer_end(self, now: datetime) -> None:
        """Say once, when the last inject is played and the drill's time is up, how to end it."""
        source = self._drill_source()
        if self.drill is None or source is None or self.offered_end:
            return
        if source.remaining == 0 and now - self.drill.start >= self.drill.length:
            self.offered_end = True
            self.notify("Every inject has been played. Press E to end the drill and see your score.", timeout=20)

    # -- replies -----------------------------------------------------------------------

    def action_reply(self) -> None:
        item = self.query_one("#feed", Feed).selected
        if item is None:
            self.notify("Highlight a mention in the feed first.", severity="warning")
            return
        self.push_screen(ReplyScreen(self.session, item, drill=self.drill is not None, config=self.config))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The drill's keys are for drills: in live mode they are neither shown nor run."""
        return self.drill is not None or action not in DRILL_ACTIONS

    def action_answer_queue(self) -> None:
        self.push_screen(QueueScreen(self.session, drill=self.drill is not None))

    def action_inbox(self) -> None:
        self.push_screen(InboxScreen(self.desk, self.session.runbooks), lambda _: self.refresh_views())

    def action_toggle_pause(self) -> None:
        clock = self.session.clock
        if isinstance(clock, DrillClock):
            paused = clock.toggle_pause()
            self.session.record("drill.paused" if paused else "drill.resumed")
            self.refresh_views()

    def action_speed(self, factor: float) -> None:
        clock = self.session.clock
        if isinstance(clock, DrillClock):
            clock.set_speed(max(MIN_SPEED, min(clock.speed * factor, MAX_SPEED)))
            self.session.record("drill.speed", speed=clock.speed)
            self.refresh_views()

    def action_toggle_keys(self) -> None:
        if self.screen.query("KeyPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(Palette())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
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
        yield SystemCommand("Pause or resume drill", "Stop or restart the drill clock", self.action_toggle_pause)
        yield SystemCommand("Drill faster", "Double the drill speed (up to 60×)", lambda: self.action_speed(2))
        yield SystemCommand("Drill slower", "Halve the drill speed", lambda: self.action_speed(0.5))
        yield SystemCommand(
            "Follow the feed",
            "Jump to the newest mention and follow",
            lambda: self.query_one("#feed", Feed).action_follow(),
        )
