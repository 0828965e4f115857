"""Score a drill run against the response its script expects.

Six parts, each worth a share of 100 points; a part with nothing to judge (a drill that names
no author to answer, say) is left out and the others are scaled up to 100:

* detect (10) — each expected scenario was on the board (proposed by its trigger, or opened
  by hand) by its `open_by` (one not yet due when the drill ended, and not opened, is not
  judged);
* open (20) — and opened by then; opened late earns half;
* steps (30) — the chain steps that fell due during the drill: done by their deadline earns
  all, done late or skipped (with a reason) half, left undone nothing; an expected incident
  never opened has its steps counted from its `open_by`, all undone;
* answer (15) — each author to be answered got a reply (one none of whose posts was played by
  the end of the drill is not judged);
* leave alone (10) — each author to be left alone got none;
* scenarios (15) — every expected scenario opened, no look-alike opened, nothing else opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from smwar.drills.script import Expected
from smwar.incidents.metrics import IncidentMetrics
from smwar.model import Incident, StepStatus
from smwar.runbooks.definitions import RunbookSet
from smwar.timespan import format_duration, format_offset

WEIGHTS = {"detect": 10, "open": 20, "steps": 30, "answer": 15, "leave_alone": 10, "scenarios": 15}
TITLES = {
    "detect": "Time to detect",
    "open": "Time to open",
    "steps": "Steps within their deadline",
    "answer": "Must-answer authors answered",
    "leave_alone": "Must-ignore authors left alone",
    "scenarios": "Right scenarios opened",
}
HALF = 0.5


@dataclass(frozen=True, slots=True)
class Finding:
    """One judged item: how much of its share it earned, and why."""

    credit: float  # 0, 0.5 or 1
    text: str


@dataclass(frozen=True, slots=True)
class Part:
    key: str
    weight: int
    findings: tuple[Finding, ...]

    @property
    def title(self) -> str:
        return TITLES[self.key]

    @property
    def judged(self) -> bool:
        return bool(self.findings)

    @property
    def result(self) -> str:
        """How many of its items earned their share: "2.5 of 4"."""
        if not self.findings:
            return "nothing to judge in this drill"
        return f"{sum(f.credit for f in self.findings):g} of {len(self.findings)}"

    @property
    def fraction(self) -> float:
        return sum(f.credit for f in self.findings) / len(self.findings) if self.findings else 0.0


@dataclass(frozen=True, slots=True)
class Score:
    parts: tuple[Part, ...]

    @property
    def total(self) -> int:
        judged = [part for part in self.parts if part.judged]
        possible = sum(part.weight for part in judged)
        if not possible:
            return 0
        return round(100 * sum(part.weight * part.fraction for part in judged) / possible)

    def points(self, part: Part) -> float:
        """What `part` contributes to the total, on the 0–100 scale."""
        possible = sum(p.weight for p in self.parts if p.judged)
        return 100 * part.weight * part.fraction / possible if part.judged and possible else 0.0

    def summary(self) -> dict[str, object]:
        """The score as the journal keeps it (for `smwar drill history`)."""
        return {
            "total": self.total,
            "parts": {part.key: round(part.fraction, 3) for part in self.parts if part.judged},
        }


@dataclass(frozen=True, slots=True)
class Reply:
    """A reply the operator recorded during the drill."""

    author: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Post:
    """A mention the drill played: who wrote it, and when it arrived."""

    author: str
    at: datetime


@dataclass(frozen=True, slots=True)
class RunRecord:
    """What a drill run did, read from its journal."""

    start: datetime
    end: datetime
    incidents: Sequence[Incident]
    metrics: dict[int, IncidentMetrics]
    posts: Sequence[Post]
    replies: Sequence[Reply]


def score(expected: Expected, runbooks: RunbookSet, run: RunRecord) -> Score:
    detect: list[Finding] = []
    opening: list[Finding] = []
    steps: list[Finding] = []
    for wanted in expected.incident:
        due = run.start + wanted.open_by
        ours = [i for i in run.incidents if i.scenario_id == wanted.scenario and i.proposed_at <= run.end]
        first = ours[0] if ours else None
        label = wanted.scenario
        opened = next((i for i in ours if i.opened_at is not None and i.opened_at <= run.end), None)
        if opened is None and run.end < due:
            continue  # the drill ended before it was due: nothing to judge yet
        if first is None:
            detect.append(Finding(0, f"{label}: never on the board (due by {stamp(due, run.start)})"))
        else:
            took = run.metrics[first.id].time_to_detect
            how = f", {format_duration(took)} after its first mention" if took is not None else ""
            credit = 1 if first.proposed_at <= due else 0
            late = "" if credit else f", after {stamp(due, run.start)}"
            detect.append(Finding(credit, f"{label}: on the board at {stamp(first.proposed_at, run.start)}{how}{late}"))
        if opened is None or opened.opened_at is None:
            opening.append(Finding(0, f"{label}: not opened (due by {stamp(due, run.start)})"))
            steps += _never_opened_steps(runbooks, wanted.scenario, due, run)
            continue
        if opened.opened_at <= due:
            opening.append(
                Finding(1, f"{label}: opened at {stamp(opened.opened_at, run.start)}, due by {stamp(due, run.start)}")
            )
        else:
            opening.append(
                Finding(
                    HALF,
                    f"{label}: opened late at {stamp(opened.opened_at, run.start)}, due by {stamp(due, run.start)}",
                )
            )
        steps += _steps(opened, run)
    replied = {reply.author.casefold() for reply in run.replies if reply.at <= run.end}
    posted = {post.author.casefold() for post in run.posts if post.at <= run.end}
    answer = [
        Finding(1, f"{author}: answered") if author.casefold() in replied else Finding(0, f"{author}: not answered")
        for author in expected.answer
        if author.casefold() in posted  # one who had posted nothing when the drill ended: nothing to judge yet
    ]
    leave_alone = [
        Finding(0, f"{author}: answered, though the plan says to leave them alone")
        if author.casefold() in replied
        else Finding(1, f"{author}: left alone")
        for author in expected.leave_alone
    ]
    parts = {
        "detect": detect,
        "open": opening,
        "steps": steps,
        "answer": answer,
        "leave_alone": leave_alone,
        "scenarios": _scenarios(expected, run),
    }
    return Score(tuple(Part(key, WEIGHTS[key], tuple(parts[key])) for key in WEIGHTS))


def _steps(incident: Incident, run: RunRecord) -> list[Finding]:
    assert incident.opened_at is not None
    findings: list[Finding] = []
    for step in run.metrics[incident.id].steps:
        due = incident.opened_at + step.deadline
        finished = step.status in (StepStatus.DONE, StepStatus.SKIPPED)
        if not finished and due > run.end:
            continue  # not yet due when the drill ended
        name = f"{incident.scenario_id}/{step.step_id}"
        if not finished:
            findings.append(Finding(0, f"{name}: not done, was due at {stamp(due, run.start)}"))
            continue
        assert step.took is not None
        when = stamp(incident.opened_at + step.took, run.start)
        if step.status is StepStatus.SKIPPED:
            findings.append(Finding(HALF, f"{name}: skipped at {when}"))
        elif step.missed:
            findings.append(Finding(HALF, f"{name}: done late at {when}, was due at {stamp(due, run.start)}"))
        else:
            findings.append(Finding(1, f"{name}: done at {when}, within its deadline"))
    return findings


def _never_opened_steps(runbooks: RunbookSet, scenario_id: str, due: datetime, run: RunRecord) -> list[Finding]:
    scenario = runbooks.find_scenario(scenario_id)
    if scenario is None:
        return []
    return [
        Finding(
            0,
            f"{scenario_id}/{step.id}: not done (never opened), was due at {stamp(due + step.deadline, run.start)}",
        )
        for step in scenario.step
        if due + step.deadline <= run.end
    ]


def _scenarios(expected: Expected, run: RunRecord) -> list[Finding]:
    opened = {i.scenario_id for i in run.incidents if i.opened_at is not None and i.opened_at <= run.end}
    wanted = [incident.scenario for incident in expected.incident]
    due = {incident.scenario: run.start + incident.open_by for incident in expected.incident}
    findings = [
        Finding(1, f"{s}: opened, as expected") if s in opened else Finding(0, f"{s}: missed")
        for s in wanted
        if s in opened or run.end >= due[s]  # one not yet due when the drill ended is not judged
    ]
    findings += [
        Finding(0, f"{s}: opened, but it is a look-alike here")
        if s in opened
        else Finding(1, f"{s}: rightly not opened")
        for s in expected.not_opened
    ]
    findings += [
        Finding(0, f"{s}: opened, but not expected in this drill")
        for s in sorted(opened - set(wanted) - set(expected.not_opened))
    ]
    return findings


def stamp(moment: datetime, start: datetime) -> str:
    """A moment of the drill as its offset from the start: T+12:30."""
    return "T+" + format_offset(moment - start)
