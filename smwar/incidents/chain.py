"""An incident's state is a fold over its events; this module is that fold and its rules.

Every operator action is checked here and becomes one event; nothing is ever changed in
place. Undo is an event too: the state is the fold over the incident's events without the
ones undone, so history stays as it happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from smwar.errors import SmwarError
from smwar.model import (
    AdHocStep,
    Delivery,
    Event,
    Incident,
    IncidentStatus,
    JournaledMention,
    Note,
    StepState,
    StepStatus,
)
from smwar.runbooks.definitions import Scenario, Severity, Step

PROPOSED = "incident.proposed"
OPENED = "incident.opened"
DISMISSED = "incident.dismissed"
RESOLVED = "incident.resolved"
REVIEWED = "incident.reviewed"
REOPENED = "incident.reopened"
SEVERITY = "incident.severity"
LINKED = "mention.linked"
STEP_STARTED = "step.started"
STEP_DONE = "step.done"
STEP_SKIPPED = "step.skipped"
STEP_ADDED = "step.added"
NOTE = "note.added"
ROLE = "role.assigned"
UNDONE = "action.undone"
DEADLINE = "deadline.alerted"
NOTIFIED = "notification.delivered"

UNDOABLE = frozenset({STEP_STARTED, STEP_DONE, STEP_SKIPPED, STEP_ADDED, NOTE, ROLE, SEVERITY, LINKED})
DUE_SOON = "due-soon"
MISSED = "missed"
DUE_SOON_SHARE = 0.2  # a step is due soon in the last fifth of its time…
DUE_SOON_MAX = timedelta(minutes=10)  # …but at most its last ten minutes


class ChainError(SmwarError):
    """An operator action the chain does not allow right now."""


# -- the fold ----------------------------------------------------------------------------


def replay(events: Iterable[Event]) -> Incident:
    """An incident from all its events, leaving out those an `action.undone` took back."""
    ordered = list(events)
    undone = {int(str(event.payload["event_id"])) for event in ordered if event.kind == UNDONE}
    incident: Incident | None = None
    for event in ordered:
        if event.kind != UNDONE and event.id not in undone:
            incident = apply(incident, event)
    if incident is None:
        raise ValueError("an incident needs at least its proposal")
    return incident


def apply(incident: Incident | None, event: Event) -> Incident:
    """The incident after `event`. The first event of an incident must be its proposal."""
    if incident is None:
        if event.kind != PROPOSED or event.incident_id is None:
            raise ValueError(f"an incident starts with {PROPOSED}, not {event.kind}")
        return Incident(
            id=event.incident_id,
            scenario_id=str(event.payload["scenario_id"]),
            status=IncidentStatus.PROPOSED,
            proposed_at=event.at,
            trigger=str(event.payload["trigger"]),
        )
    payload = event.payload
    kind = event.kind
    if kind == OPENED:
        return replace(incident, status=IncidentStatus.OPEN, opened_at=event.at, goal=str(payload["goal"]))
    if kind == DISMISSED:
        return replace(
            incident, status=IncidentStatus.DISMISSED, closed_reason=str(payload["reason"]), closed_at=event.at
        )
    if kind == RESOLVED:
        return replace(incident, status=IncidentStatus.RESOLVED, outcome=str(payload["outcome"]), closed_at=event.at)
    if kind == REVIEWED:
        return replace(incident, status=IncidentStatus.REVIEWED)
    if kind == REOPENED:
        goal = str(payload.get("goal") or incident.goal or "")
        return replace(
            incident,
            status=IncidentStatus.OPEN,
            opened_at=incident.opened_at or event.at,
            goal=goal,
            closed_at=None,
            closed_reason=None,
        )
    if kind == SEVERITY:
        return replace(incident, severity=str(payload["severity"]))
    if kind == LINKED:
        return replace(incident, linked=incident.linked | {int(str(payload["mention_id"]))})
    if kind == ROLE:
        return replace(incident, roles={**incident.roles, str(payload["role"]): str(payload["person"])})
    if kind == STEP_ADDED and event.step_id:
        added = AdHocStep(
            event.step_id,
            str(payload["title"]),
            str(payload["role"]),
            timedelta(seconds=float(str(payload["deadline"]))),
        )
        return replace(incident, added_steps=(*incident.added_steps, added))
    if kind == DEADLINE and event.step_id:
        return replace(incident, alerts=incident.alerts | {(event.step_id, str(payload["alert"]))})
    if kind in (STEP_STARTED, STEP_DONE, STEP_SKIPPED, NOTE, NOTIFIED):
        key = event.step_id or ""
        return replace(incident, steps={**incident.steps, key: _step_after(step_state(incident, key), event)})
    return incident


def _step_after(state: StepState, event: Event) -> StepState:
    payload = event.payload
    if event.kind == NOTE:
        return replace(state, notes=(*state.notes, Note(event.at, event.actor, str(payload["text"]))))
    if event.kind == NOTIFIED:
        delivery = Delivery(
            str(payload["contact"]), bool(payload["ok"]), str(payload["detail"]), event.at, bool(payload["simulated"])
        )
        return replace(state, deliveries=(*state.deliveries, delivery))
    status = {STEP_STARTED: StepStatus.IN_PROGRESS, STEP_DONE: StepStatus.DONE, STEP_SKIPPED: StepStatus.SKIPPED}
    reason = payload.get("reason")
    override = payload.get("override")
    return replace(
        state,
        status=status[event.kind],
        by=event.actor,
        at=event.at,
        reason=str(reason) if reason else None,
        override=str(override) if override else None,
    )


# -- reading the state -------------------------------------------------------------------


def step_state(incident: Incident, step_id: str) -> StepState:
    """A step's state; a step nobody touched yet is pending. Step id "" holds incident-wide notes."""
    return incident.steps.get(step_id) or StepState(step_id)


def incident_notes(incident: Incident) -> tuple[Note, ...]:
    """Notes on the incident as a whole (not on one step)."""
    return step_state(incident, "").notes


def chain_steps(incident: Incident, scenario: Scenario) -> list[Step]:
    """The runbook's steps and those added by hand, in the order they are worked."""
    added = [
        Step(id=step.id, title=step.title, role=step.role, deadline=step.deadline, help="added during the incident")
        for step in incident.added_steps
    ]
    return [*scenario.step, *added]


def find_step(incident: Incident, scenario: Scenario, step_id: str) -> Step:
    for step in chain_steps(incident, scenario):
        if step.id == step_id:
            return step
    raise ChainError(f"incident #{incident.id} has no step {step_id!r}")


def severity(incident: Incident, scenario: Scenario) -> Severity:
    return Severity(incident.severity) if incident.severity else scenario.severity


def missing_gates(incident: Incident, step: Step) -> list[str]:
    """Prerequisites of `step` that are neither done nor skipped."""
    return [
        gate for gate in step.after if step_state(incident, gate).status not in (StepStatus.DONE, StepStatus.SKIPPED)
    ]


def due_at(incident: Incident, step: Step) -> datetime | None:
    return incident.opened_at + step.deadline if incident.opened_at else None


def due_soon_window(step: Step) -> timedelta:
    """How long before its deadline a step counts as due soon."""
    return min(step.deadline * DUE_SOON_SHARE, DUE_SOON_MAX)


def deadline_alert(incident: Incident, step: Step, now: datetime) -> str | None:
    """`missed` or `due-soon` if the open step has crossed into that state and was not rung for
    it yet; None otherwise."""
    due = due_at(incident, step)
    state = step_state(incident, step.id)
    if (
        due is None
        or incident.status is not IncidentStatus.OPEN
        or state.status in (StepStatus.DONE, StepStatus.SKIPPED)
    ):
        return None
    if now >= due:
        return None if (step.id, MISSED) in incident.alerts else MISSED
    if due - now <= due_soon_window(step):
        rung = (step.id, DUE_SOON) in incident.alerts or (step.id, MISSED) in incident.alerts
        return None if rung else DUE_SOON
    return None


def concerns(incident: Incident, scenario: Scenario, item: JournaledMention) -> bool:
    """Whether a mention belongs to the incident: linked by hand, or matching its scenario from
    the trigger window before the proposal until the incident closed."""
    if item.id in incident.linked:
        return True
    if not any(match.scenario_id == incident.scenario_id for match in item.matches):
        return False
    start = incident.proposed_at - scenario.trigger.within
    return item.received_at >= start and (incident.closed_at is None or item.received_at <= incident.closed_at)


def last_undoable(events: Iterable[Event]) -> Event | None:
    """The newest action of an incident that can still be undone."""
    ordered = list(events)
    undone = {int(str(event.payload["event_id"])) for event in ordered if event.kind == UNDONE}
    return next((e for e in reversed(ordered) if e.kind in UNDOABLE and e.id not in undone), None)


# -- the rules: each operator action as one event ------------------------------------------


def propose(scenario: Scenario, at: datetime, trigger: str, actor: str) -> Event:
    """The proposal of a new incident; the journal gives it its id."""
    return Event(PROPOSED, at, actor, payload={"scenario_id": scenario.id, "trigger": trigger})


def open_incident(incident: Incident, goal: str, at: datetime, actor: str) -> Event:
    if incident.status is not IncidentStatus.PROPOSED:
        raise ChainError(f"incident #{incident.id} is {incident.status}, it cannot be opened")
    return Event(OPENED, at, actor, incident.id, payload={"goal": _text(goal, "state the goal for this incident")})


def dismiss(incident: Incident, reason: str, at: datetime, actor: str) -> Event:
    if incident.status is not IncidentStatus.PROPOSED:
        raise ChainError(f"incident #{incident.id} is {incident.status}, only a proposal can be dismissed")
    return Event(DISMISSED, at, actor, incident.id, payload={"reason": _reason(reason, "dismissing")})


def resolve(incident: Incident, outcome: str, at: datetime, actor: str) -> Event:
    _require_open(incident)
    return Event(RESOLVED, at, actor, incident.id, payload={"outcome": _text(outcome, "say how it ended")})


def review(incident: Incident, note: str, at: datetime, actor: str) -> Event:
    if incident.status is not IncidentStatus.RESOLVED:
        raise ChainError(f"incident #{incident.id} is {incident.status}: only a resolved incident is reviewed")
    return Event(REVIEWED, at, actor, incident.id, payload={"note": note.strip()})


def reopen(incident: Incident, reason: str, at: datetime, actor: str, goal: str = "") -> Event:
    closed = (IncidentStatus.RESOLVED, IncidentStatus.REVIEWED, IncidentStatus.DISMISSED)
    if incident.status not in closed:
        raise ChainError(f"incident #{incident.id} is {incident.status}, there is nothing to reopen")
    payload: dict[str, object] = {"reason": _reason(reason, "reopening")}
    if incident.goal is None:
        payload["goal"] = _text(goal, "state the goal for this incident")
    return Event(REOPENED, at, actor, incident.id, payload=payload)


def change_severity(incident: Incident, scenario: Scenario, steps: int, at: datetime, actor: str) -> Event:
    """Raise (steps > 0) or lower (steps < 0) the severity by that many levels."""
    levels = list(Severity)
    current = levels.index(severity(incident, scenario))
    wanted = min(max(current + steps, 0), len(levels) - 1)
    if wanted == current:
        raise ChainError(f"severity is already {levels[current]}")
    return Event(SEVERITY, at, actor, incident.id, payload={"severity": levels[wanted].value})


def link(incident: Incident, mention_id: int, at: datetime, actor: str) -> Event:
    if mention_id in incident.linked:
        raise ChainError(f"mention #{mention_id} is already linked to incident #{incident.id}")
    return Event(LINKED, at, actor, incident.id, payload={"mention_id": mention_id})


def start(incident: Incident, step: Step, at: datetime, actor: str) -> Event:
    _check_actionable(incident, step, StepStatus.PENDING)
    return Event(STEP_STARTED, at, actor, incident.id, step.id)


def complete(incident: Incident, step: Step, at: datetime, actor: str, override: str = "") -> Event:
    """Mark a step done. A locked step needs `override`: the reason to pass its gates."""
    _check_actionable(incident, step, StepStatus.PENDING, StepStatus.IN_PROGRESS)
    waiting = missing_gates(incident, step)
    if waiting and not override.strip():
        raise ChainError(f"step {step.id!r} is locked until {', '.join(waiting)} is done; override it with a reason")
    payload: dict[str, object] = {"override": override.strip(), "gates": waiting} if waiting else {}
    return Event(STEP_DONE, at, actor, incident.id, step.id, payload)


def skip(incident: Incident, step: Step, reason: str, at: datetime, actor: str) -> Event:
    _check_actionable(incident, step, StepStatus.PENDING, StepStatus.IN_PROGRESS)
    return Event(STEP_SKIPPED, at, actor, incident.id, step.id, {"reason": _reason(reason, "skipping")})


def note(incident: Incident, step_id: str | None, text: str, at: datetime, actor: str) -> Event:
    return Event(NOTE, at, actor, incident.id, step_id, {"text": _text(text, "a note needs some text")})


def add_step(
    incident: Incident, scenario: Scenario, title: str, role: str, due_in: timedelta, at: datetime, actor: str
) -> Event:
    """An ad-hoc step, due `due_in` from now (its deadline is kept relative to opening)."""
    _require_open(incident)
    assert incident.opened_at is not None
    taken = {step.id for step in chain_steps(incident, scenario)}
    number = len(incident.added_steps) + 1
    while f"added-{number}" in taken:
        number += 1
    deadline = at - incident.opened_at + due_in
    payload = {"title": _text(title, "an added step needs a title"), "role": role.strip() or "lead"}
    return Event(
        STEP_ADDED, at, actor, incident.id, f"added-{number}", {**payload, "deadline": deadline.total_seconds()}
    )


def assign_role(incident: Incident, role: str, person: str, at: datetime, actor: str) -> Event:
    """Give `role` to `person`; if someone had it, this is a handover and says from whom."""
    role, person = _text(role, "name the role"), _text(person, "name the person")
    previous = incident.roles.get(role)
    if previous == person:
        raise ChainError(f"{person} already has the role {role}")
    payload = {"role": role, "person": person} | ({"handover_from": previous} if previous else {})
    return Event(ROLE, at, actor, incident.id, payload=payload)


def undo(incident: Incident, events: Iterable[Event], at: datetime, actor: str) -> Event:
    """Take back the incident's newest undoable action, as a new event."""
    target = last_undoable(events)
    if target is None or target.id is None:
        raise ChainError(f"incident #{incident.id} has nothing to undo")
    what = target.kind + (f" {target.step_id}" if target.step_id else "")
    return Event(UNDONE, at, actor, incident.id, target.step_id, {"event_id": target.id, "undid": what})


def alert(incident: Incident, step: Step, kind: str, at: datetime, actor: str) -> Event:
    return Event(DEADLINE, at, actor, incident.id, step.id, {"alert": kind})


def delivered(incident: Incident, step: Step, delivery: Delivery, actor: str, target: str) -> Event:
    """The result of one notification (`target`: where it went, with any secret masked)."""
    payload = {
        "contact": delivery.contact_id,
        "ok": delivery.ok,
        "detail": delivery.detail,
        "simulated": delivery.simulated,
        "to": target,
    }
    return Event(NOTIFIED, delivery.at, actor, incident.id, step.id, payload)


def _require_open(incident: Incident) -> None:
    if incident.status is not IncidentStatus.OPEN:
        raise ChainError(f"incident #{incident.id} is {incident.status}: open it first")


def _check_actionable(incident: Incident, step: Step, *allowed: StepStatus) -> None:
    _require_open(incident)
    state = step_state(incident, step.id)
    if state.status not in allowed:
        raise ChainError(f"step {step.id!r} is already {state.status}")


def _text(text: str, missing: str) -> str:
    if not text.strip():
        raise ChainError(missing)
    return text.strip()


def _reason(reason: str, doing: str) -> str:
    return _text(reason, f"{doing} needs a reason")
