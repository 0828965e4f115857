"""The post-mortem of one incident on screen: its figures, volume, chain against deadlines,
timeline (filterable), a search over its mentions, deviations and lessons learned."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Input, Sparkline, Static

from smwar.engine.export import default_output, export
from smwar.engine.review import add_lesson, build_review, span_of
from smwar.engine.session import Session
from smwar.errors import SmwarError
from smwar.journal.pages import MentionFilter
from smwar.paths import exports_dir
from smwar.plaintext import printable
from smwar.review.figures import metric_rows, moment, reply_rows, step_rows, summary_rows
from smwar.review.formats import FORMAT_HELP
from smwar.review.report import Review
from smwar.tui.acting import ask, not_while_typing
from smwar.tui.guard import Guarded
from smwar.tui.screens.prompt import ChoicePrompt
from smwar.tui.text import plain
from smwar.tui.widgets.feed_search import unknown_value
from smwar.tui.widgets.keys import KeysLine

VOLUME_ROWS = 5  # scenarios with a sparkline
TIMELINE_HELP = "filter the timeline: words, or a kind such as step, reply, note, lesson, opened"
SEARCH_HELP = "search the incident's mentions: words, network:mastodon, author:jana, scenario:…, action:respond"


class ReviewScreen(Guarded, Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the incident", id="review.back"),
        Binding("L", "lesson", "Lesson", tooltip="Keep a lesson learned with this incident", id="review.lesson"),
        Binding("e", "export", "Export", tooltip="Write the post-mortem as md, html, csv or json", id="review.export"),
        Binding(
            "slash",
            "search",
            "Search",
            key_display="/",
            tooltip="Search the incident's mentions",
            id="review.search",
            priority=True,  # the words typed right after it go to the search (acting.not_while_typing)
        ),
        Binding("f", "filter", "Filter", tooltip="Filter the timeline", id="review.filter", priority=True),
    ]

    def __init__(self, session: Session, incident_id: int) -> None:
        super().__init__()
        self.session = session
        self.incident_id = incident_id
        self.review: Review = build_review(session, incident_id)

    def compose(self) -> ComposeResult:
        yield Static(id="drill-banner", classes="banner")
        with VerticalScroll(id="review-body"):
            yield Static(id="review-head")
            yield Vertical(id="review-volume")
            yield DataTable(id="review-steps", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="review-replies", cursor_type="row", zebra_stripes=True)
            yield Input(placeholder=TIMELINE_HELP, id="review-filter")
            yield DataTable(id="review-timeline", cursor_type="row", zebra_stripes=True)
            yield Input(placeholder=SEARCH_HELP, id="review-search")
            yield DataTable(id="review-mentions", cursor_type="row", zebra_stripes=True)
            yield Static(id="review-notes")
        yield KeysLine()

    def on_mount(self) -> None:
        self.query_one("#drill-banner", Static).update(self.app.banner_text())  # type: ignore[attr-defined]
        self.query_one("#review-steps", DataTable).add_columns("Step", "Due", "Status", "Took", "On time")
        self.query_one("#review-replies", DataTable).add_columns(
            "Time", "To", "Network", "Took", "Author before → after", "Volume before → after", "Calmer"
        )
        self.query_one("#review-replies").border_title = "Replies and what followed"
        self.query_one("#review-timeline", DataTable).add_columns("Time", "Who", "What")
        self.query_one("#review-mentions", DataTable).add_columns("Time", "Network", "Author", "Text")
        self.query_one("#review-steps").border_title = "Reaction chain against its deadlines"
        self.query_one("#review-timeline").border_title = "Timeline"
        self.query_one("#review-mentions").border_title = "Mentions (search above)"
        self.show()
        self.query_one("#review-timeline", DataTable).focus(scroll_visible=False)  # open at the top

    def show(self) -> None:
        review = self.review
        head = Text()
        head.append(f"Post-mortem: {printable(review.title)} — incident #{review.incident.id}\n", style="bold")
        for label, value in [*summary_rows(review), *metric_rows(review)]:
            head.append(f"{label}: ", style="bold")
            head.append(printable(value) + "\n")
        head.append("Goal: ", style="bold")
        head.append(printable(review.incident.goal or "(none stated)") + "\n")
        head.append("Outcome: ", style="bold")
        head.append(printable(review.incident.outcome or review.incident.closed_reason or "(still open)"))
        self.query_one("#review-head", Static).update(head)
        self._show_volume()
        replies = self.query_one("#review-replies", DataTable)
        replies.clear()
        for row in reply_rows(review):
            replies.add_row(*(Text(printable(cell)) for cell in row))
        steps = self.query_one("#review-steps", DataTable)
        steps.clear()
        for row in step_rows(review):
            steps.add_row(*(Text(printable(cell)) for cell in row))
        self.filter_timeline(self.query_one("#review-filter", Input).value)
        notes = Text()
        notes.append("Deviations from the runbook\n", style="bold underline")
        for line in review.deviations or ["None: the chain was followed as written."]:
            notes.append(f" • {printable(line)}\n")
        notes.append("\nLessons learned (L adds one)\n", style="bold underline")
        for lesson in review.lessons or []:
            notes.append(f" • {printable(lesson.text)} ({printable(lesson.actor)}, {moment(lesson.at)})\n")
        if not review.lessons:
            notes.append(" None recorded yet.\n")
        self.query_one("#review-notes", Static).update(notes)

    def _show_volume(self) -> None:
        """A sparkline per scenario, the incident's first, with its peak per bucket."""
        volume = self.review.volume
        box = self.query_one("#review-volume", Vertical)
        box.remove_children()
        minutes = f"{volume.bucket.total_seconds() / 60:g} min"
        order = sorted(volume.series, key=lambda s: (s != self.review.incident.scenario_id, s))
        for scenario in order[:VOLUME_ROWS]:
            counts = volume.series[scenario]
            label = Static(
                Text(f"{printable(scenario)[:24]:<24} peak {max(counts):>4}/{minutes} "), classes="volume-label"
            )
            box.mount(Horizontal(label, Sparkline(counts, classes="volume-line"), classes="volume-row"))
        if not order:
            box.mount(Static(Text("No matching mentions in the incident's window.")))

    def filter_timeline(self, text: str) -> None:
        needles = [word.casefold() for word in text.split()]
        table = self.query_one("#review-timeline", DataTable)
        table.clear()
        for entry in self.review.timeline:
            haystack = f"{entry.kind} {entry.actor} {entry.text}".casefold()
            if all(needle in haystack for needle in needles):
                table.add_row(Text(moment(entry.at)), Text(printable(entry.actor)), Text(printable(entry.text)))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "review-filter":
            self.filter_timeline(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "review-search":
            self.search(event.value)

    def search(self, text: str) -> None:
        query = MentionFilter.parse(text)
        refused = unknown_value(query, self.session.runbooks)
        table = self.query_one("#review-mentions", DataTable)
        if refused:
            table.border_title = plain(f"Mentions: not searched: {refused}")  # the search's words, never markup
            return
        span = span_of(self.session.desk.incident(self.incident_id), self.session)
        with self.session.journal.reader() as reader:
            found = reader.search(span, query)
        table.clear()
        for row in found:
            table.add_row(
                Text(row.received_at[11:19]),
                Text(printable(row.network)),
                Text(printable(row.author)),
                Text(printable(row.text)),
            )
        table.border_title = f"Mentions: {len(found)} found" + (" (the newest 200)" if len(found) >= 200 else "")

    def action_search(self) -> None:
        not_while_typing(self)
        self.set_focus(self.query_one("#review-search", Input))  # at once: the keys typed next go there

    def action_filter(self) -> None:
        not_while_typing(self)
        self.set_focus(self.query_one("#review-filter", Input))

    def action_lesson(self) -> None:
        def keep(text: str) -> None:
            add_lesson(self.session, self.incident_id, text)
            self.review = build_review(self.session, self.incident_id)
            self.show()

        ask(
            self.app,
            "Lesson learned",
            "What should the team do differently next time? It is shown when this scenario fires again.",
            keep,
            placeholder="e.g. put the hotline number on the status page at once",
        )

    def action_export(self) -> None:
        options = [(fmt, f"{fmt}: {what}") for fmt, what in FORMAT_HELP.items()]
        options += [(f"{fmt}-shared", f"{fmt}, pseudonymised to share outside the team") for fmt in FORMAT_HELP]

        def chosen(choice: str | None) -> None:
            if choice is not None:
                fmt, _, shared = choice.partition("-")
                target = exports_dir() / default_output(self.incident_id, fmt, bool(shared)).name
                self.notify(f"Writing {target.name}…", markup=False)
                self._export(fmt, target, bool(shared))

        self.app.push_screen(ChoicePrompt("Export the post-mortem", "Which format?", options), chosen)

    @work(thread=True, group="export", exit_on_error=False)
    def _export(self, fmt: str, target: Path, shared: bool) -> None:
        try:
            written = export(self.session, self.incident_id, fmt, target, pseudonymise=shared)
        except (OSError, SmwarError) as exc:
            self.app.call_from_thread(
                self.notify, f"{target}: {exc}", title="Export failed", severity="error", markup=False, timeout=30
            )
            return
        self.app.call_from_thread(self.notify, f"Written: {written}", title="Exported", markup=False, timeout=20)
