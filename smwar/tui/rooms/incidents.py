"""The incident room: proposals opened or dismissed, incidents opened by hand from a mention,
mentions linked, the checklist shown beside the feed, and the steps of the chain worked.

`o` opens the proposed incident (asks for the goal), `x` dismisses it (asks why), `O` opens
one for the highlighted mention, `l` links the mention to the incident shown on the right,
`i` shows its checklist. The highlighted scenario on the board decides which incident an
action is about; without one, the most severe.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker

from smwar.engine.session import Session
from smwar.incidents.chain import severity
from smwar.model import Incident, IncidentStatus
from smwar.tui.acting import ask, attempt
from smwar.tui.screens.prompt import ChoicePrompt, TextPrompt
from smwar.tui.steps import StepNotifier, act_on_step
from smwar.tui.widgets.chain import ChainTable
from smwar.tui.widgets.feed import Feed

GOAL_PLACEHOLDER = "e.g. stop the spread, answer every affected customer within 2 hours"


class IncidentRoom(Screen[None]):
    BINDINGS = [
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
    ]

    session: Session
    notifier: StepNotifier
    focused_incident: int | None = None  # the incident shown on the right
    feed_incident: int | None = None  # the incident the feed is filtered to

    def _target(self, status: IncidentStatus) -> Incident | None:
        """The incident an action is about: the one shown on the right (whose keys it names),
        else the most severe (oldest first)."""
        shown = self.session.desk.incident(self.focused_incident) if self.focused_incident else None
        if shown is not None and shown.status is status:
            return shown
        candidates = [i for i in self.session.desk.incidents() if i.status is status]
        scenario = self.session.runbooks.scenario
        ranked = sorted(candidates, key=lambda i: (-severity(i, scenario(i.scenario_id)).rank, i.id))
        return ranked[0] if ranked else None

    def _show(self, incident_id: int) -> None:
        from smwar.tui.screens.incident import IncidentScreen  # loaded on first use: a quicker start

        self.focused_incident = incident_id
        self.app.push_screen(IncidentScreen(self.session, incident_id, self.notifier))

    def action_open_incident(self) -> None:
        incident = self._target(IncidentStatus.PROPOSED)
        if incident is None:
            self.notify("No proposed incident to open.", severity="warning")
            return
        scenario = self.session.runbooks.scenario(incident.scenario_id)

        def opened(goal: str | None) -> None:
            if goal is None:
                return
            if attempt(self.app, lambda: self.session.desk.open_incident(incident.id, goal), typed=goal):
                self._show(incident.id)

        self.app.push_screen(
            TextPrompt(
                f"Open incident #{incident.id}: {scenario.title}",
                "State the goal for this incident, as the team will be measured against it.",
                placeholder=GOAL_PLACEHOLDER,
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
                attempt(self.app, lambda: self.session.desk.dismiss_incident(incident.id, reason), typed=reason)

        scenario = self.session.runbooks.scenario(incident.scenario_id)
        self.app.push_screen(
            TextPrompt(
                f"Dismiss incident #{incident.id}: {scenario.title}",
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
        best = item.best.scenario_id if item.best else None

        def chosen(scenario_id: str | None) -> None:
            if scenario_id is None or not attempt(self.app, lambda: self.session.desk.check_can_open(scenario_id)):
                return

            def open_it(goal: str) -> None:
                self._show(self.session.desk.open_from_mention(item, scenario_id, goal).id)

            ask(
                self.app,
                f"Open an incident from mention #{item.id}",
                "State the goal for this incident, as the team will be measured against it.",
                open_it,
                placeholder=GOAL_PLACEHOLDER,
            )

        self.app.push_screen(
            ChoicePrompt(
                "Which scenario is this?",
                "The incident follows that scenario's reaction chain.",
                [(scenario.id, scenario.title) for scenario in self.session.runbooks.scenarios],
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
        if attempt(self.app, lambda: self.session.desk.link_mention(incident_id, item.id)):
            self.notify(f"Mention #{item.id} linked to incident #{incident_id}.", markup=False)

    def action_show_incident(self) -> None:
        if self.focused_incident is not None:
            incident: Incident | None = self.session.desk.incident(self.focused_incident)
        else:
            incident = self._target(IncidentStatus.OPEN) or self._target(IncidentStatus.PROPOSED)
        if incident is None:
            self.notify("No incident yet.", severity="warning")
            return
        self._show(incident.id)

    def on_chain_table_act(self, message: ChainTable.Act) -> None:
        act_on_step(self.app, self.session, message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.notifier.failed(event.worker)
