"""What the journal says about how an incident went: time to detect, to open, to each step,
and the deadlines missed. The review and the drill score are built on these figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from smwar.incidents.chain import chain_steps, overdue, step_state
from smwar.model import Incident, StepStatus
from smwar.runbooks.definitions import Scenario


@dataclass(frozen=True, slots=True)
class StepTiming:
    step_id: str
    title: str
    deadline: timedelta  # counted from opening
    status: StepStatus
    took: timedelta | None  # from opening until done or skipped
    missed: bool  # finished after its deadline, or still open past it


@dataclass(frozen=True, slots=True)
class IncidentMetrics:
    time_to_detect: timedelta | None  # first matching mention -> proposal
    time_to_open: timedelta | None  # proposal -> opening
    steps: tuple[StepTiming, ...]

    @property
    def missed(self) -> list[StepTiming]:
        return [step for step in self.steps if step.missed]


def measure(incident: Incident, scenario: Scenario, first_match: datetime | None, now: datetime) -> IncidentMetrics:
    """The figures for `incident` as of `now` (or as of its closing); `first_match` is when the
    first mention that matched its scenario arrived in the trigger window before the proposal.
    For an incident opened by hand, its mention's arrival counts instead."""
    opened = incident.opened_at
    end = incident.closed_at or now
    timings = []
    for step in chain_steps(incident, scenario):
        state = step_state(incident, step.id)
        finished = state.at if state.finished else None
        took = finished - opened if finished is not None and opened is not None else None
        if finished is None:
            late = overdue(incident, step, end)
        else:
            # against the clock that ran when it was finished: a reopening restarts it
            reopened = incident.reopened_at
            start = reopened if reopened is not None and finished >= reopened else opened
            late = start is not None and finished > start + step.deadline
        timings.append(StepTiming(step.id, step.title, step.deadline, state.status, took, late))
    detected_from = incident.first_seen or first_match
    return IncidentMetrics(
        time_to_detect=incident.proposed_at - detected_from if detected_from else None,
        time_to_open=opened - incident.proposed_at if opened is not None else None,
        steps=tuple(timings),
    )
