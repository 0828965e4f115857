"""Who did what in a drill run, read from its journal: each operator's replies, how fast they
came, the chain steps and incidents they took on, the double answers their claims prevented
and the handovers they were part of; a score for each person, and the team's figures.

A person's score is the share of their own actions that were right, each worth one:

* a reply — within `REPLY_GOAL` of the mention's arrival earns all, later half; a reply to an
  author the plan says to leave alone, or to a mention a teammate had already answered (a
  double answer), earns nothing;
* a chain step finished — done within its deadline all, done late or skipped half;
* an incident opened — an expected scenario by its `open_by` all, late half, any other nothing;
* a double answer avoided — leaving a reply to the teammate already writing it earns all.

A reply the stale-send guard stopped (a teammate had taken it over, replied or was sending)
earns nothing, but counts among the team's double answers avoided.

Someone who did none of these (who only ended the drill, say) is on the team with no score. The
team's score is the drill's own (`score.py`).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from smwar.drills.script import Expected
from smwar.incidents.chain import OPENED, ROLE, STEP_DONE, STEP_SKIPPED, undone
from smwar.incidents.metrics import IncidentMetrics
from smwar.journal.team import HANDED
from smwar.model import FAILED, GUARDED, LEFT_TO_CLAIM, REPLIED, SYSTEM_ACTOR, TAKEN_OVER, Event, Incident, StepStatus

REPLY_GOAL = timedelta(minutes=10)  # drill time from a mention's arrival to its reply
HALF = 0.5

PersonOf = Callable[[str], "Person"]  # a person by name, made on first mention


@dataclass(slots=True)
class Person:
    """One operator's part in the run."""

    name: str
    replies: int = 0
    reply_times: list[timedelta] = field(default_factory=list)  # mention's arrival → reply
    wrong_replies: int = 0  # to an author to be left alone
    doubles: int = 0  # replies to a mention a teammate had already answered
    steps: int = 0  # chain steps finished (done or skipped)
    steps_late: int = 0  # of them, late or skipped
    opened: int = 0  # incidents opened
    avoided: int = 0  # replies left to the teammate already writing them
    guarded: set[int] = field(default_factory=set)  # mentions whose reply the stale-send guard stopped
    handovers: int = 0  # roles or replies handed over, given or taken
    credits: list[float] = field(default_factory=list)

    @property
    def score(self) -> int | None:
        return round(100 * sum(self.credits) / len(self.credits)) if self.credits else None

    @property
    def avoided_all(self) -> int:
        """Double answers this person did not give: left to a teammate, or stopped by the guard."""
        return self.avoided + len(self.guarded)

    @property
    def median_reply(self) -> timedelta | None:
        return statistics.median(self.reply_times) if self.reply_times else None

    def summary(self) -> dict[str, object]:
        """What the journal keeps of this person at the run's end (for `smwar drill history`)."""
        return {"score": self.score, "replies": self.replies, "steps": self.steps, "avoided": self.avoided_all}


@dataclass(frozen=True, slots=True)
class Team:
    """The people of a run, by name, and what they did together."""

    people: tuple[Person, ...]
    replies: int
    doubles: int  # mentions answered more than once, by different people
    avoided: int  # replies left to a teammate, and those the stale-send guard stopped
    handovers: int
    median_reply: timedelta | None


def team(
    events: Sequence[Event],
    arrivals: Mapping[int, datetime],
    expected: Expected,
    incidents: Sequence[Incident],
    metrics: Mapping[int, IncidentMetrics],
    start: datetime,
) -> Team:
    """The team of a run from its journal's `events` (up to its end), the `arrivals` of its
    mentions by id, and its incidents with their `metrics`."""
    taken_back = undone(events)
    acts = [event for event in events if event.id not in taken_back and event.actor != SYSTEM_ACTOR]
    people: dict[str, Person] = {}

    def person(name: str) -> Person:
        return people.setdefault(name.casefold(), Person(name))

    for event in acts:
        person(event.actor)  # whoever acted is on the team, scored or not

    leave_alone = {author.casefold() for author in expected.leave_alone}
    answered: dict[int, str] = {}  # mention id -> who answered it first
    doubles: set[int] = set()
    for event in (event for event in acts if event.kind == REPLIED and event.payload.get("how") != FAILED):
        who = person(event.actor)
        mention_id = int(str(event.payload.get("mention_id", 0)))
        who.replies += 1
        first = answered.setdefault(mention_id, event.actor)
        arrived = arrivals.get(mention_id)
        took = event.at - arrived if arrived is not None else None
        if took is not None:
            who.reply_times.append(took)
        if str(event.payload.get("author", "")).casefold() in leave_alone:
            who.wrong_replies += 1
            who.credits.append(0)
        elif first.casefold() != event.actor.casefold():
            who.doubles += 1
            doubles.add(mention_id)
            who.credits.append(0)
        else:
            who.credits.append(1 if took is not None and took <= REPLY_GOAL else HALF)
    _steps(acts, metrics, person)
    _openings(acts, expected, incidents, start, person)
    handovers = 0
    handed: set[tuple[str, ...]] = set()  # roles handed over in one action, (from, to, role)
    for event in acts:
        if event.kind == LEFT_TO_CLAIM:
            person(event.actor).avoided += 1
            person(event.actor).credits.append(1)
        elif event.kind == GUARDED:
            person(event.actor).guarded.add(int(str(event.payload.get("mention_id", 0))))
        involved = _handed_over(event)
        key = tuple(part.casefold() for part in (*involved, str(event.payload.get("role", ""))))
        if event.kind == HANDED:
            handed.add(key)
        elif event.kind == ROLE and key in handed:
            continue  # that handover's own change in an incident's roles: counted once
        handovers += bool(involved)
        for name in involved:
            person(name).handovers += 1
    everyone = sorted(people.values(), key=lambda p: p.name.casefold())
    times = [took for p in everyone for took in p.reply_times]
    return Team(
        people=tuple(everyone),
        replies=sum(p.replies for p in everyone),
        doubles=len(doubles),
        avoided=sum(p.avoided_all for p in everyone),
        handovers=handovers,
        median_reply=statistics.median(times) if times else None,
    )


def _steps(acts: Iterable[Event], metrics: Mapping[int, IncidentMetrics], person: PersonOf) -> None:
    """Credit each finished step to whoever last marked it done or skipped."""
    finisher: dict[tuple[int, str], str] = {}
    for event in acts:
        if event.kind in (STEP_DONE, STEP_SKIPPED) and event.incident_id is not None and event.step_id:
            finisher[(event.incident_id, event.step_id)] = event.actor
    for incident_id, figures in metrics.items():
        for step in figures.steps:
            name = finisher.get((incident_id, step.step_id))
            if name is None or step.status not in (StepStatus.DONE, StepStatus.SKIPPED):
                continue
            who = person(name)
            who.steps += 1
            late = step.missed or step.status is StepStatus.SKIPPED
            who.steps_late += late
            who.credits.append(HALF if late else 1)


def _openings(
    acts: Iterable[Event], expected: Expected, incidents: Sequence[Incident], start: datetime, person: PersonOf
) -> None:
    due = {wanted.scenario: start + wanted.open_by for wanted in expected.incident}
    scenario_of = {incident.id: incident.scenario_id for incident in incidents}
    for event in acts:
        if event.kind != OPENED or event.incident_id not in scenario_of:
            continue
        who = person(event.actor)
        who.opened += 1
        by = due.get(scenario_of[event.incident_id])
        who.credits.append(0 if by is None else 1 if event.at <= by else HALF)


def _handed_over(event: Event) -> tuple[str, ...]:
    """The people a handover event involves, giver first (none if it is not one): a role
    handed over, or given in an incident to someone else while another held it, or a reply
    taken over from the teammate writing it."""
    if event.kind == HANDED:
        return (event.actor, str(event.payload.get("to", "")))
    if event.kind == ROLE and event.payload.get("handover_from"):
        return (str(event.payload["handover_from"]), str(event.payload.get("person", "")))
    if event.kind == TAKEN_OVER:
        return (event.actor, str(event.payload.get("holder", "")))
    return ()
