"""What the journal says about how an incident went: time to detect, to open, to each step,
and the deadlines missed. The review and the drill score are built on these figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from smwar.incidents.chain import chain_steps, step_state
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
    """The figures for `incident` as of `now`; `first_match` is when the first mention that
    matched its scenario arrived (since the scenario's previous incident ended)."""
    opened = incident.opened_at
    timings = []
    for step in chain_steps(incident, scenario):
        state = step_state(incident, step.id)
        finished = state.at if state.status in (StepStatus.DONE, StepStatus.SKIPPED) else None
        took = finished - opened if finished is not None and opened is not None else None
        late = opened is not None and ((finished or now) - opened > step.deadline)
        timings.append(StepTiming(step.id, step.title, step.deadline, state.status, took, late))
    return IncidentMetrics(
        time_to_detect=incident.proposed_at - first_match
        if first_match and first_match <= incident.proposed_at
        else None,
        time_to_open=opened - incident.proposed_at if opened is not None else None,
        steps=tuple(timings),
    )
