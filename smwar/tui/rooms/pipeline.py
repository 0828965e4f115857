"""The pipeline room: new mentions, off the UI thread.

One worker polls, re-armed after each batch (a slow batch never stacks up): in a drill the
session's pipeline, which matches and journals what the drill plays; live, the journal, for
what the ingest leader's process journaled (and other war rooms did). It posts what arrived as
`Arrived` for the other rooms. A failing batch is shown in the status
bar and retried; a runbook edit is put in force between two batches, or refused with the last
good set kept. `S` pauses or resumes one live source.
"""

from __future__ import annotations

import hashlib
import sys

from textual import work
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from smwar.engine.follow import Follower
from smwar.engine.pipeline import Update
from smwar.engine.session import Session
from smwar.errors import InputError, InputErrors, SmwarError
from smwar.runbooks.watch import RunbookWatch
from smwar.tui.acting import alarm
from smwar.tui.messages import Arrived, Changed, RunbooksChanged
from smwar.tui.notices import RUNBOOKS, NoticeDesk
from smwar.tui.screens.prompt import ChoicePrompt

PIPELINE = "pipeline"  # the worker's group
RETRY_SECONDS = 5.0
SWITCH_SECONDS = 0.001


class PipelineRoom(Screen[None]):
    BINDINGS = [
        Binding(
            "S",
            "toggle_source",
            "Pause source",
            show=False,
            tooltip="Pause or resume one of the live sources",
            id="sources.toggle",
        ),
    ]

    session: Session
    desk: NoticeDesk
    follower: Follower | None  # live: what the ingest leader journaled is read, nothing matched here
    runbook_watch: RunbookWatch | None
    poll_seconds: float
    pipeline_error: str | None = None
    runbook_error: str | None = None  # where the edit not loaded went wrong (its notice says what)

    def start_pipeline(self) -> None:
        # the pipeline thread shares the interpreter: it hands it back to the screen every
        # millisecond (Python's default is 5), so a key is drawn between two of its batches' steps
        sys.setswitchinterval(SWITCH_SECONDS)
        self.set_timer(self.poll_seconds, self._pump)

    @work(thread=True, exclusive=True, group=PIPELINE, exit_on_error=False)
    def _pump(self) -> None:
        try:
            if self.runbook_watch is not None and self.runbook_watch.changed():
                self.app.call_from_thread(self.show_reload, self._reload_runbooks())
            update = self.follower.poll() if self.follower is not None else self.session.pipeline.poll()
        except Exception:
            self.app.call_from_thread(self.set_timer, RETRY_SECONDS, self._pump)
            raise
        if update.mentions or update.messages or update.alerts:
            self.post_message(Arrived(update))
        if self.follower is not None and self.follower.behind:  # the next slice once this one is on screen
            self.app.call_from_thread(self.call_later, self._pump)
        else:
            self.app.call_from_thread(self.set_timer, self.poll_seconds, self._pump)

    def poll_now(self) -> Update:
        """Run the pipeline once on this thread, for callers that move the clock by hand."""
        update = self.session.pipeline.poll()
        self.post_message(Arrived(update))
        return update

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failing pipeline must be seen, never silently stop."""
        if event.worker.group != PIPELINE:
            return
        if event.state is WorkerState.SUCCESS and self.pipeline_error is not None:
            self.pipeline_error = None
            self.post_message(Changed())
        if event.state is WorkerState.ERROR:
            self.pipeline_error = str(event.worker.error)
            self.post_message(Changed())
            alarm(self, f"The feed stalled, retrying in {RETRY_SECONDS:g} s: {event.worker.error}", "Pipeline error")

    def _reload_runbooks(self) -> SmwarError | None:
        """Load the edited set and put it in force; on error the last good set stays."""
        assert self.runbook_watch is not None
        try:
            runbooks = self.runbook_watch.load()
        except InputErrors as exc:
            return exc
        try:
            self.session.reload(runbooks, journaled=self.follower is None)
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
            self.post_message(RunbooksChanged(self.session.runbooks))
            count = len(self.session.runbooks.scenarios)
            self.notify(f"Runbooks reloaded: {count} scenarios in force.", title="Runbooks", markup=False)
        else:
            problems = error.errors if isinstance(error, InputErrors) else [error]
            first = problems[0]
            spot = first.spot if isinstance(first, InputError) else "refused"
            already_shown = self.runbook_error
            self.runbook_error = spot + (f", +{len(problems) - 1} more" if len(problems) > 1 else "")
            if self.runbook_error != already_shown:  # the same set tried again: say it once
                said = f"{error}\nThe last good runbooks stay in force."
                digest = hashlib.sha256(said.encode()).hexdigest()[:16]  # each war room of a team sees it
                self.desk.post(
                    RUNBOOKS,
                    "Runbook edit not loaded",
                    said,
                    at=self.session.clock.now(),
                    urgent=True,
                    severity="error",
                    cause=f"runbooks:{digest}",
                )
        self.post_message(Changed())

    def action_toggle_source(self) -> None:
        feed = self.follower
        if feed is None:
            self.notify("A drill has no live sources.", severity="warning")
            return

        def chosen(source_id: str | None) -> None:
            if source_id is not None:
                paused = feed.toggle_pause(source_id)
                self.session.desk.record("source.paused" if paused else "source.resumed", source=source_id)
                self.notify(f"{source_id} {'paused' if paused else 'resumed'}.", markup=False)

        options = [(h.source_id, f"{h.source_id} ({h.network}): {h.state}") for h in feed.health()]
        self.app.push_screen(ChoicePrompt("Pause or resume a source", "Pick the source.", options), chosen)
