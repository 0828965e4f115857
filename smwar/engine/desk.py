"""The incident desk: the incidents of a journal, their reaction chains, and the operator's
actions on them, replies and other records.

Operator actions run on the UI thread, notification results arrive from a worker, proposals
from the pipeline. The desk's state (the incidents and their events) is guarded by one lock,
held only for short in-memory updates and the commits. Every action is committed to the
journal before the new state is returned, so nothing the screen shows as done can be lost.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from smwar.clock import Clock
from smwar.errors import SmwarError
from smwar.incidents import chain
from smwar.incidents.chain import DUE_SOON, MISSED
from smwar.incidents.metrics import IncidentMetrics, measure
from smwar.journal.interface import JournalStore
from smwar.model import SYSTEM_ACTOR, Delivery, Event, Incident, IncidentStatus, JournaledMention
from smwar.review.report import FAILED, REPLIED
from smwar.runbooks.definitions import RunbookSet, Scenario, Step

ACTIVE = (IncidentStatus.PROPOSED, IncidentStatus.OPEN)


class IncidentDesk:
    def __init__(self, journal: JournalStore, runbooks: RunbookSet, clock: Clock, operator: str) -> None:
        self.journal = journal
        self.clock = clock
        self.operator = operator
        self._lock = threading.RLock()
        self._events: dict[int, list[Event]] = {}
        self._caught_up = 0  # the last event read from the journal
        self._mine: set[int] = set()  # events this desk journaled after that one: already folded in
        for event in journal.events():
            self._caught_up = event.id or 0
            if event.incident_id is not None:
                self._events.setdefault(event.incident_id, []).append(event)
        self._incidents = {incident_id: chain.replay(events) for incident_id, events in self._events.items()}
        # the deadlines rung before this desk was opened: not rung again
        self._rung = {(i.id, step_id, kind) for i in self._incidents.values() for step_id, kind in i.alerts}
        self.adopt(runbooks)

    def adopt(self, runbooks: RunbookSet) -> None:
        """Run the incidents by `runbooks` from now on; refused (the old set stays) if it drops
        a scenario with an active incident, or a step of one that has been worked (started,
        done, skipped, noted): its chain would lose what was done."""
        with self._lock:
            missing = sorted(self.active_scenarios() - {scenario.id for scenario in runbooks.scenarios})
            if missing:
                raise SmwarError(
                    f"scenario {', '.join(map(repr, missing))} has an active incident in this journal "
                    "but is missing from the runbooks; put it back or close the incident first"
                )
            for incident in (i for i in self._incidents.values() if i.status in ACTIVE):
                steps = chain.chain_steps(incident, runbooks.scenario(incident.scenario_id))
                kept = {"", *(step.id for step in steps)}  # "": the notes on the incident as a whole
                if worked := sorted(set(incident.steps) - kept):
                    raise SmwarError(
                        f"scenario {incident.scenario_id!r}: step {', '.join(map(repr, worked))} has been worked "
                        f"in active incident #{incident.id} but is missing from the runbooks; put it back "
                        "or close the incident first"
                    )
            self.runbooks = runbooks

    # -- what the screen shows ---------------------------------------------------------

    def incidents(self) -> list[Incident]:
        with self._lock:
            return sorted(self._incidents.values(), key=lambda incident: incident.id)

    def incident(self, incident_id: int) -> Incident:
        with self._lock:
            return self._incidents[incident_id]

    def active_incident(self, scenario_id: str) -> Incident | None:
        """The scenario's incident that is proposed or open, if any (there is at most one)."""
        latest = self.latest_incident(scenario_id)
        return latest if latest is not None and latest.status in ACTIVE else None

    def active_scenarios(self) -> set[str]:
        """The scenarios with an incident that is proposed or open."""
        with self._lock:
            return {i.scenario_id for i in self._incidents.values() if i.status in ACTIVE}

    def latest_incident(self, scenario_id: str) -> Incident | None:
        """The scenario's newest incident, whatever its status."""
        with self._lock:
            mine = [i for i in self._incidents.values() if i.scenario_id == scenario_id]
            return max(mine, key=lambda incident: incident.id, default=None)

    # -- the system's and the operator's actions: each committed durably before it returns

    def propose(self, scenario: Scenario, now: datetime, why: str) -> Incident | None:
        """Propose an incident of `scenario` because its trigger fired (`why`), unless one is active."""
        with self._lock:
            if self.active_incident(scenario.id) is not None:
                return None
            return self._record(chain.propose(scenario, now, why, SYSTEM_ACTOR), new_incident=scenario.id)

    def open_incident(self, incident_id: int, goal: str) -> Incident:
        with self._lock:
            event = chain.open_incident(self.incident(incident_id), goal, self.clock.now(), self.operator)
            return self._record(event, status=IncidentStatus.OPEN)

    def open_from_mention(self, item: JournaledMention, scenario_id: str, goal: str) -> Incident:
        """Open an incident by hand for a mention the triggers did not (yet) act on: proposal,
        opening and link are committed together."""
        with self._lock:
            scenario = self.runbooks.scenario(scenario_id)
            self.check_can_open(scenario_id)
            now = self.clock.now()
            trigger = f"opened by hand from mention #{item.id}"
            proposal = chain.propose(scenario, now, trigger, self.operator, first_seen=item.received_at)
            goal_event = Event(chain.OPENED, now, self.operator, payload={"goal": chain.text(goal, "state the goal")})
            link_event = Event(chain.LINKED, now, self.operator, payload={"mention_id": item.id})
            stored = self.journal.append_new_incident(
                [proposal, goal_event, link_event], scenario_id, IncidentStatus.OPEN
            )
            for event in stored:
                self._remember(event)
            return self.incident(stored[0].incident_id or 0)

    def check_can_open(self, scenario_id: str) -> None:
        """Refuse opening a second active incident of one scenario."""
        active = self.active_incident(scenario_id)
        if active is not None:
            title = self.runbooks.scenario(scenario_id).title
            raise chain.ChainError(f"{title} already has incident #{active.id}; link the mention to it instead")

    def dismiss_incident(self, incident_id: int, reason: str) -> Incident:
        with self._lock:
            event = chain.dismiss(self.incident(incident_id), reason, self.clock.now(), self.operator)
            return self._record(event, status=IncidentStatus.DISMISSED)

    def resolve_incident(self, incident_id: int, outcome: str) -> Incident:
        with self._lock:
            event = chain.resolve(self.incident(incident_id), outcome, self.clock.now(), self.operator)
            return self._record(event, status=IncidentStatus.RESOLVED)

    def review_incident(self, incident_id: int, note: str) -> Incident:
        with self._lock:
            event = chain.review(self.incident(incident_id), note, self.clock.now(), self.operator)
            return self._record(event, status=IncidentStatus.REVIEWED)

    def reopen_incident(self, incident_id: int, reason: str, goal: str = "") -> Incident:
        with self._lock:
            incident = self.incident(incident_id)
            active = self.active_incident(incident.scenario_id)
            if active is not None and active.id != incident_id:
                raise chain.ChainError(f"incident #{active.id} of the same scenario is still active")
            event = chain.reopen(incident, reason, self.clock.now(), self.operator, goal)
            return self._record(event, status=IncidentStatus.OPEN)

    def change_severity(self, incident_id: int, steps: int) -> Incident:
        with self._lock:
            incident = self.incident(incident_id)
            scenario = self.runbooks.scenario(incident.scenario_id)
            return self._record(chain.change_severity(incident, scenario, steps, self.clock.now(), self.operator))

    def link_mention(self, incident_id: int, mention_id: int) -> Incident:
        with self._lock:
            return self._record(chain.link(self.incident(incident_id), mention_id, self.clock.now(), self.operator))

    def start_step(self, incident_id: int, step_id: str) -> Incident:
        with self._lock:
            incident, step = self._step(incident_id, step_id)
            return self._record(chain.start(incident, step, self.clock.now(), self.operator))

    def complete_step(self, incident_id: int, step_id: str, override: str = "") -> Incident:
        with self._lock:
            incident, step = self._step(incident_id, step_id)
            return self._record(chain.complete(incident, step, self.clock.now(), self.operator, override))

    def skip_step(self, incident_id: int, step_id: str, reason: str) -> Incident:
        with self._lock:
            incident, step = self._step(incident_id, step_id)
            return self._record(chain.skip(incident, step, reason, self.clock.now(), self.operator))

    def add_step(self, incident_id: int, added: chain.AddedStep) -> Incident:
        with self._lock:
            incident = self.incident(incident_id)
            event = chain.add_step(incident, added, self._events[incident_id], self.clock.now(), self.operator)
            return self._record(event)

    def add_note(self, incident_id: int, step_id: str | None, text: str) -> Incident:
        with self._lock:
            if step_id:
                self._step(incident_id, step_id)  # a note belongs to a step of this chain
            event = chain.note(self.incident(incident_id), step_id, text, self.clock.now(), self.operator)
            return self._record(event)

    def assign_role(self, incident_id: int, role: str, person: str) -> Incident:
        with self._lock:
            event = chain.assign_role(self.incident(incident_id), role, person, self.clock.now(), self.operator)
            return self._record(event)

    def undo(self, incident_id: int) -> tuple[Incident, str]:
        """Take back the incident's newest undoable action; returns the incident and what was undone."""
        with self._lock:
            event = chain.undo(self.incident(incident_id), self._events[incident_id], self.clock.now(), self.operator)
            return self._record(event), str(event.payload["undid"])

    def record_delivery(self, incident_id: int, step_id: str, delivery: Delivery, target: str) -> Incident:
        """Journal the result of one notification of a step."""
        with self._lock:
            incident, step = self._step(incident_id, step_id)
            return self._record(chain.delivered(incident, step, delivery, SYSTEM_ACTOR, target))

    def due_alerts(self) -> list[tuple[Incident, Step, str]]:
        """Steps of open incidents that just became due soon or overdue, each to ring once in
        this war room: those it journals now (so that it rings once, also across restarts) and
        those another war room of the team journaled since it last looked."""
        with self._lock:
            now = self.clock.now()
            found: list[tuple[Incident, Step, str]] = []
            for incident in self.incidents():
                scenario = self.runbooks.find_scenario(incident.scenario_id)
                if incident.status is not IncidentStatus.OPEN or scenario is None:
                    continue
                for step in chain.chain_steps(incident, scenario):
                    kind = chain.deadline_alert(self.incident(incident.id), step, now)
                    if kind is not None:
                        self._record(chain.alert(incident, step, kind, now, SYSTEM_ACTOR))
                    rung = self.incident(incident.id)
                    for alerted in (DUE_SOON, MISSED):
                        if (step.id, alerted) in rung.alerts and (rung.id, step.id, alerted) not in self._rung:
                            self._rung.add((rung.id, step.id, alerted))
                            found.append((rung, step, alerted))
            return found

    def metrics(self, incident_id: int) -> IncidentMetrics:
        with self._lock:
            incident = self.incident(incident_id)
            earlier = [
                i.closed_at
                for i in self._incidents.values()
                if i.scenario_id == incident.scenario_id and i.id < incident.id and i.closed_at is not None
            ]
            scenario = self.runbooks.scenario(incident.scenario_id)
            after = max([*earlier, incident.proposed_at - scenario.trigger.within])
            first = self.journal.first_match(incident.scenario_id, after, incident.proposed_at)
            return measure(incident, scenario, first, self.clock.now())

    def events_of(self, incident_id: int) -> list[Event]:
        with self._lock:
            return list(self._events[incident_id])

    def record_reply(self, item: JournaledMention, text: str, *, simulated: bool, **details: object) -> Event:
        """Journal a reply to a mention: simulated in a drill, else how it went out (`details`:
        how, template, override, url, detail)."""
        body = chain.text(text, "write the reply")
        with self._lock:
            return self.journal.append(
                Event(
                    REPLIED,
                    self.clock.now(),
                    self.operator,
                    payload={
                        "mention_id": item.id,
                        "network": item.mention.network,
                        "author": item.mention.author,
                        "text": body,
                        "simulated": simulated,
                        **details,
                    },
                )
            )

    def replies(self) -> list[Event]:
        """The replies that went out (or were simulated); failed posts are not replies."""
        with self._lock:
            return [event for event in self.journal.events(kind=REPLIED) if event.payload.get("how") != FAILED]

    def record_for(self, incident_id: int, kind: str, **payload: object) -> Incident:
        """Journal an operator action about an incident that its chain does not track (a
        lesson learned, say); it shows in the incident's history."""
        with self._lock:
            self.incident(incident_id)  # an unknown incident fails here
            return self._record(Event(kind, self.clock.now(), self.operator, incident_id, payload=payload))

    def record(self, kind: str, **payload: object) -> None:
        """Journal an operator action that belongs to no incident (pausing a drill, say)."""
        with self._lock:
            self.journal.append(Event(kind, self.clock.now(), self.operator, payload=payload))

    def _step(self, incident_id: int, step_id: str) -> tuple[Incident, Step]:
        incident = self.incident(incident_id)
        return incident, chain.find_step(incident, self.runbooks.scenario(incident.scenario_id), step_id)

    def _record(self, event: Event, *, status: str | None = None, new_incident: str | None = None) -> Incident:
        return self._remember(self.journal.append(event, status=status, new_incident=new_incident))

    def catch_up(self, events: Sequence[Event] | None = None) -> list[Incident]:
        """Fold in what other processes journaled since the last catch-up (`events`, or read
        from the journal when not given): incidents proposed, opened and worked elsewhere.
        Returns the incidents proposed elsewhere, as they stand now."""
        with self._lock:
            if events is None:
                events = list(self.journal.events(after_id=self._caught_up))
            proposed: list[int] = []
            for event in events:
                if event.id is None or event.id <= self._caught_up:
                    continue
                self._caught_up = event.id
                if event.id in self._mine or event.incident_id is None:
                    continue
                self._fold(event)
                if event.kind == chain.PROPOSED:
                    proposed.append(event.incident_id)
            self._mine = {mine for mine in self._mine if mine > self._caught_up}
            return [self._incidents[incident_id] for incident_id in proposed]

    def _remember(self, stored: Event) -> Incident:
        """Fold an event this desk committed into its incident."""
        assert stored.id is not None
        self._mine.add(stored.id)
        return self._fold(stored)

    def _fold(self, stored: Event) -> Incident:
        assert stored.incident_id is not None
        events = self._events.setdefault(stored.incident_id, [])
        events.append(stored)
        if stored.kind == chain.UNDONE:
            incident = chain.replay(events)
        else:
            incident = chain.apply(self._incidents.get(stored.incident_id), stored)
        self._incidents[incident.id] = incident
        return incident
