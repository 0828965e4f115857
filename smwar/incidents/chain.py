"""An incident's state is a fold over its events; this module is that fold and its rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from smwar.errors import SmwarError
from smwar.model import Event, Incident, IncidentStatus, Note, StepState, StepStatus
from smwar.runbooks.definitions import Scenario, Step

PROPOSED = "incident.proposed"
OPENED = "incident.opened"
DISMISSED = "incident.dismissed"
STEP_DONE = "step.done"
STEP_SKIPPED = "step.skipped"
NOTE = "note.added"


class ChainError(SmwarError):
    """An operator action the chain does not allow right now."""


def propose(scenario: Scenario, at: datetime, trigger: str, actor: str) -> Event:
    """The proposal of a new incident; the journal gives it its id."""
    return Event(PROPOSED, at, actor, payload={"scenario_id": scenario.id, "trigger": trigger})


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
    if event.kind == OPENED:
        return replace(incident, status=IncidentStatus.OPEN, opened_at=event.at, goal=str(event.payload["goal"]))
    if event.kind == DISMISSED:
        return replace(incident, status=IncidentStatus.DISMISSED, closed_reason=str(event.payload["reason"]))
    if event.kind in (STEP_DONE, STEP_SKIPPED) and event.step_id:
        status = StepStatus.DONE if event.kind == STEP_DONE else StepStatus.SKIPPED
        reason = event.payload.get("reason")
        step = step_state(incident, event.step_id)
        updated = replace(step, status=status, by=event.actor, at=event.at, reason=str(reason) if reason else None)
        return replace(incident, steps={**incident.steps, event.step_id: updated})
    if event.kind == NOTE:
        note = Note(event.at, event.actor, str(event.payload["text"]))
        key = event.step_id or ""
        step = step_state(incident, key)
        return replace(incident, steps={**incident.steps, key: replace(step, notes=(*step.notes, note))})
    return incident


def step_state(incident: Incident, step_id: str) -> StepState:
    """A step's state; a step nobody touched yet is pending. Step id "" holds incident-wide notes."""
    return incident.steps.get(step_id) or StepState(step_id)


def incident_notes(incident: Incident) -> tuple[Note, ...]:
    """Notes on the incident as a whole (not on one step)."""
    return step_state(incident, "").notes


def missing_gates(incident: Incident, step: Step) -> list[str]:
    """Prerequisites of `step` that are neither done nor skipped."""
    return [gate for gate in step.after if step_state(incident, gate).status is StepStatus.PENDING]


def open_incident(incident: Incident, goal: str, at: datetime, actor: str) -> Event:
    if incident.status is not IncidentStatus.PROPOSED:
        raise ChainError(f"incident #{incident.id} is {incident.status}, it cannot be opened")
    if not goal.strip():
        raise ChainError("state the goal for this incident before opening it")
    return Event(OPENED, at, actor, incident.id, payload={"goal": goal.strip()})


def dismiss(incident: Incident, reason: str, at: datetime, actor: str) -> Event:
    if incident.status is not IncidentStatus.PROPOSED:
        raise ChainError(f"incident #{incident.id} is {incident.status}, only a proposal can be dismissed")
    return Event(DISMISSED, at, actor, incident.id, payload={"reason": _reason(reason, "dismissing")})


def complete(incident: Incident, step: Step, at: datetime, actor: str) -> Event:
    _check_actionable(incident, step)
    waiting = missing_gates(incident, step)
    if waiting:
        raise ChainError(f"step {step.id!r} is locked until {', '.join(waiting)} is done")
    return Event(STEP_DONE, at, actor, incident.id, step.id)


def skip(incident: Incident, step: Step, reason: str, at: datetime, actor: str) -> Event:
    _check_actionable(incident, step)
    return Event(STEP_SKIPPED, at, actor, incident.id, step.id, {"reason": _reason(reason, "skipping")})


def note(incident: Incident, step_id: str | None, text: str, at: datetime, actor: str) -> Event:
    if not text.strip():
        raise ChainError("a note needs some text")
    return Event(NOTE, at, actor, incident.id, step_id, {"text": text.strip()})


def _check_actionable(incident: Incident, step: Step) -> None:
    if incident.status is not IncidentStatus.OPEN:
        raise ChainError(f"incident #{incident.id} is {incident.status}: open it first")
    state = step_state(incident, step.id)
    if state.status is not StepStatus.PENDING:
        raise ChainError(f"step {step.id!r} is already {state.status}")


def _reason(reason: str, doing: str) -> str:
    if not reason.strip():
        raise ChainError(f"{doing} needs a reason")
    return reason.strip()
