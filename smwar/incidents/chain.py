"""An incident's state is a fold over its events; this module is that fold and its rules.

Every operator action is checked here and becomes one event; nothing is ever changed in
place. Undo is an event too: the state is the fold over the incident's events without the
ones undone, so history stays as it happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from smwar.clock import from_iso, to_iso
from smwar.errors import SmwarError
from smwar.model import (
    AdHocStep,
    Delivery,
    Event,
    Incident,
    IncidentStatus,
    Note,
    StepState,
    StepStatus,
)
from smwar.runbooks.definitions import Scenario, Severity, Step
from smwar.timespan import parse_duration

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
MAX_DUE_IN = timedelta(days=7)
DEFAULT_DUE_IN = timedelta(minutes=30)
DEFAULT_ROLE = "lead"


class ChainError(SmwarError):
    """An operator action the chain does not allow right now."""


@dataclass(frozen=True, slots=True)
class AddedStep:
    """What the operator asks for when adding a step."""

    title: str
    role: str
    due_in: timedelta


# -- the fold ----------------------------------------------------------------------------


def replay(events: Iterable[Event]) -> Incident:
    """An incident from all its events, leaving out those an `action.undone` took back."""
    ordered = list(events)
    undone_ids = undone(ordered)
    incident: Incident | None = None
    for event in ordered:
        if event.kind != UNDONE and event.id not in undone_ids:
            incident = apply(incident, event)
    if incident is None:
        raise ValueError("an incident needs at least its proposal")
    return incident


def apply(incident: Incident | None, event: Event) -> Incident:
    """The incident after `event`. The first event of an incident must be its proposal."""
    if incident is None:
        if event.kind != PROPOSED or event.incident_id is None:
            raise ValueError(f"an incident starts with {PROPOSED}, not {event.kind}")
        first_seen = event.payload.get("first_seen")
        return Incident(
            id=event.incident_id,
            scenario_id=str(event.payload["scenario_id"]),
            status=IncidentStatus.PROPOSED,
            proposed_at=event.at,
            trigger=str(event.payload["trigger"]),
            first_seen=from_iso(str(first_seen)) if first_seen else None,
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
        return replace(
            incident,
            status=IncidentStatus.OPEN,
            opened_at=incident.opened_at or event.at,
            reopened_at=event.at,
            goal=str(payload.get("goal") or incident.goal or ""),
            closed_at=None,
            closed_reason=None,
            outcome=None,
            alerts=frozenset(),
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
            timedelta(seconds=float(str(payload["due_in"]))),
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
    return [gate for gate in step.after if not step_state(incident, gate).finished]


def clock_start(incident: Incident) -> datetime | None:
    """Where the deadlines of the steps still to do count from: the opening or latest reopening."""
    return incident.reopened_at or incident.opened_at


def due_at(incident: Incident, step: Step) -> datetime | None:
    start = clock_start(incident)
    return start + step.deadline if start is not None else None


def overdue(incident: Incident, step: Step, at: datetime) -> bool:
    """An unfinished step past its deadline at `at`."""
    due = due_at(incident, step)
    return due is not None and not step_state(incident, step.id).finished and at >= due


def due_soon_window(incident: Incident, step: Step) -> timedelta:
    """How long before its deadline a step counts as due soon: the last fifth of the time it
    was given (an added step: since it was added), at most ten minutes."""
    added = next((a for a in incident.added_steps if a.id == step.id), None)
    given = added.due_in if added is not None else step.deadline
    return min(given * DUE_SOON_SHARE, DUE_SOON_MAX)


def deadline_alert(incident: Incident, step: Step, now: datetime) -> str | None:
    """`missed` or `due-soon` if the open step has crossed into that state and was not rung for
    it yet; None otherwise."""
    due = due_at(incident, step)
    if due is None or incident.status is not IncidentStatus.OPEN or step_state(incident, step.id).finished:
        return None
    if overdue(incident, step, now):
        return None if (step.id, MISSED) in incident.alerts else MISSED
    if due - now <= due_soon_window(incident, step):
        rung = (step.id, DUE_SOON) in incident.alerts or (step.id, MISSED) in incident.alerts
        return None if rung else DUE_SOON
    return None


def last_undoable(events: Iterable[Event]) -> Event | None:
    """The newest action of an incident that can still be undone; undo never reaches back past
    the incident's latest opening, reopening or closing."""
    ordered = list(events)
    undone_ids = undone(ordered)
    for event in reversed(ordered):
        if event.kind in (OPENED, REOPENED, RESOLVED, DISMISSED):
            return None
        if event.kind in UNDOABLE and event.id not in undone_ids:
            return event
    return None


def undone(events: Iterable[Event]) -> set[int]:
    """The ids of the events that were undone among `events`."""
    return {int(str(event.payload["event_id"])) for event in events if event.kind == UNDONE}


# -- the rules: each operator action as one event ------------------------------------------


def propose(scenario: Scenario, at: datetime, trigger: str, actor: str, first_seen: datetime | None = None) -> Event:
    """The proposal of a new incident; the journal gives it its id. `first_seen`: for one
    opened by hand, when the mention it was opened from arrived."""
    payload: dict[str, object] = {"scenario_id": scenario.id, "trigger": trigger}
    if first_seen is not None:
        payload["first_seen"] = to_iso(first_seen)
    return Event(PROPOSED, at, actor, payload=payload)


def open_incident(incident: Incident, goal: str, at: datetime, actor: str) -> Event:
    if incident.status is not IncidentStatus.PROPOSED:
        raise ChainError(f"incident #{incident.id} is {incident.status}, it cannot be opened")
    return Event(OPENED, at, actor, incident.id, payload={"goal": text(goal, "state the goal for this incident")})


def dismiss(incident: Incident, reason: str, at: datetime, actor: str) -> Event:
    if incident.status is not IncidentStatus.PROPOSED:
        raise ChainError(f"incident #{incident.id} is {incident.status}, only a proposal can be dismissed")
    return Event(DISMISSED, at, actor, incident.id, payload={"reason": _reason(reason, "dismissing")})


def resolve(incident: Incident, outcome: str, at: datetime, actor: str) -> Event:
    _require_open(incident)
    return Event(RESOLVED, at, actor, incident.id, payload={"outcome": text(outcome, "say how it ended")})


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
        payload["goal"] = text(goal, "state the goal for this incident")
    return Event(REOPENED, at, actor, incident.id, payload=payload)


def change_severity(incident: Incident, scenario: Scenario, steps: int, at: datetime, actor: str) -> Event:
    """Raise (steps > 0) or lower (steps < 0) the severity by that many levels."""
    require_active(incident)
    levels = list(Severity)
    current = levels.index(severity(incident, scenario))
    wanted = min(max(current + steps, 0), len(levels) - 1)
    if wanted == current:
        raise ChainError(f"severity is already {levels[current]}")
    return Event(SEVERITY, at, actor, incident.id, payload={"severity": levels[wanted].value})


def link(incident: Incident, mention_id: int, at: datetime, actor: str) -> Event:
    require_active(incident)
    if mention_id in incident.linked:
        raise ChainError(f"mention #{mention_id} is already linked to incident #{incident.id}")
    return Event(LINKED, at, actor, incident.id, payload={"mention_id": mention_id})


def start(incident: Incident, step: Step, at: datetime, actor: str) -> Event:
    check_actionable(incident, step, StepStatus.PENDING)
    return Event(STEP_STARTED, at, actor, incident.id, step.id)


def complete(incident: Incident, step: Step, at: datetime, actor: str, override: str = "") -> Event:
    """Mark a step done. A locked step needs `override`: the reason to pass its gates."""
    check_actionable(incident, step)
    waiting = missing_gates(incident, step)
    if waiting and not override.strip():
        raise ChainError(f"step {step.id!r} is locked until {', '.join(waiting)} is done; override it with a reason")
    payload: dict[str, object] = {"override": override.strip(), "gates": waiting} if waiting else {}
    return Event(STEP_DONE, at, actor, incident.id, step.id, payload)


def skip(incident: Incident, step: Step, reason: str, at: datetime, actor: str) -> Event:
    check_actionable(incident, step)
    return Event(STEP_SKIPPED, at, actor, incident.id, step.id, {"reason": _reason(reason, "skipping")})


def note(incident: Incident, step_id: str | None, body: str, at: datetime, actor: str) -> Event:
    return Event(NOTE, at, actor, incident.id, step_id, {"text": text(body, "a note needs some text")})


def add_step(incident: Incident, added: AddedStep, events: Iterable[Event], at: datetime, actor: str) -> Event:
    """An ad-hoc step, due `added.due_in` from now. Its id is never used twice, not even for
    a step added after an earlier one was undone."""
    _require_open(incident)
    if not timedelta(0) < added.due_in <= MAX_DUE_IN:
        raise ChainError(f"an added step is due within {MAX_DUE_IN.days} days, and not at once")
    start = clock_start(incident)
    assert start is not None
    number = sum(1 for event in events if event.kind == STEP_ADDED) + 1
    payload = {
        "title": text(added.title, "an added step needs a title"),
        "role": added.role,
        "deadline": (at - start + added.due_in).total_seconds(),
        "due_in": added.due_in.total_seconds(),
    }
    return Event(STEP_ADDED, at, actor, incident.id, f"added-{number}", payload)


def assign_role(incident: Incident, role: str, person: str, at: datetime, actor: str) -> Event:
    """Give `role` to `person`; if someone had it, this is a handover and says from whom."""
    require_active(incident)
    role, person = text(role, "name the role"), text(person, "name the person")
    previous = incident.roles.get(role)
    if previous == person:
        raise ChainError(f"{person} already has the role {role}")
    payload = {"role": role, "person": person} | ({"handover_from": previous} if previous else {})
    return Event(ROLE, at, actor, incident.id, payload=payload)


def undo(incident: Incident, events: Iterable[Event], at: datetime, actor: str) -> Event:
    """Take back the incident's newest undoable action, as a new event."""
    require_active(incident)
    target = last_undoable(events)
    if target is None or target.id is None:
        raise ChainError(f"incident #{incident.id} has nothing to undo since it was last opened")
    return Event(UNDONE, at, actor, incident.id, target.step_id, {"event_id": target.id, "undid": described(target)})


def described(event: Event) -> str:
    """An undoable action in the words the checklist uses."""
    payload = event.payload
    return {
        STEP_STARTED: f"step {event.step_id} in progress",
        STEP_DONE: f"step {event.step_id} done",
        STEP_SKIPPED: f"step {event.step_id} skipped",
        STEP_ADDED: f"added step “{payload.get('title')}”",
        NOTE: f"note “{payload.get('text')}”",
        ROLE: f"role {payload.get('role')} for {payload.get('person')}",
        SEVERITY: f"severity {payload.get('severity')}",
        LINKED: f"link of mention #{payload.get('mention_id')}",
    }.get(event.kind, event.kind)


def alert(incident: Incident, step: Step, kind: str, at: datetime, actor: str) -> Event:
    return Event(DEADLINE, at, actor, incident.id, step.id, {"alert": kind})


def delivered(incident: Incident, step: Step, delivery: Delivery, actor: str, target: str) -> Event:
    """The result of one notification (`target`: where it went, with any secret masked)."""
    _require_open(incident)
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


def require_active(incident: Incident) -> None:
    """Roles, severity, links and undo belong to a proposed or open incident."""
    if incident.status not in (IncidentStatus.PROPOSED, IncidentStatus.OPEN):
        raise ChainError(f"incident #{incident.id} is {incident.status}: reopen it first")


def check_actionable(incident: Incident, step: Step, *allowed: StepStatus) -> None:
    """Whether `step` can be worked on now (default: it is pending or in progress)."""
    _require_open(incident)
    state = step_state(incident, step.id)
    if state.status not in (allowed or (StepStatus.PENDING, StepStatus.IN_PROGRESS)):
        raise ChainError(f"step {step.id!r} is already {state.status}")


def parse_added_step(written: str) -> AddedStep:
    """ "Call back the journalist @pr-liaison +20m" -> the title, its role and when it is due."""
    role, due_in, words = DEFAULT_ROLE, DEFAULT_DUE_IN, []
    for word in written.split():
        if word.startswith("@") and len(word) > 1:
            role = word[1:]
        elif word.startswith("+") and word[1:2].isdigit():
            try:
                due_in = parse_duration(word[1:])
            except ValueError:
                raise ChainError(f"{word}: write when it is due like +15m, +1h or +1h30m") from None
        else:
            words.append(word)
    return AddedStep(text(" ".join(words), "an added step needs a title"), role, due_in)


def text(given: str, missing: str) -> str:
    """`given` stripped; a ChainError saying `missing` if there is nothing."""
    if not given.strip():
        raise ChainError(missing)
    return given.strip()


def _reason(reason: str, doing: str) -> str:
    return text(reason, f"{doing} needs a reason")
