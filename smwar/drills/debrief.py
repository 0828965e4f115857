"""The debrief of a drill run as Markdown: the score, its breakdown and every finding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from smwar.drills.score import Finding, Score, stamp
from smwar.drills.team import Team
from smwar.model import Incident
from smwar.plaintext import markdown_inline as md
from smwar.timespan import took

MARKS = {1.0: "✔", 0.5: "½", 0.0: "✘"}
PEOPLE_COLUMNS = (
    "Operator",
    "Score",
    "Replies",
    "Median reply",
    "Steps (late)",
    "Opened",
    "Left to a teammate",
    "Double answers",
    "Handovers",
)


def mark(finding: Finding) -> str:
    return MARKS.get(finding.credit, "·")


def people_rows(team: Team) -> list[tuple[str, ...]]:
    """Each operator's figures, in the order of `PEOPLE_COLUMNS` (names as journaled: quote them)."""
    return [
        (
            person.name,
            "—" if person.score is None else f"{person.score} / 100",
            str(person.replies) + (f" ({person.wrong_replies} to leave alone)" if person.wrong_replies else ""),
            took(person.median_reply),
            f"{person.steps} ({person.steps_late})",
            str(person.opened),
            str(person.avoided_all),
            str(person.doubles),
            str(person.handovers),
        )
        for person in team.people
    ]


def team_line(team: Team) -> str:
    """The team's figures in one sentence."""
    median = took(team.median_reply)
    return (
        f"{len(team.people)} operator{'s' if len(team.people) != 1 else ''} · {team.replies} replies "
        f"(median {median} after the mention) · {team.doubles} mention{'s' if team.doubles != 1 else ''} "
        f"answered twice · {team.avoided} double answer{'s' if team.avoided != 1 else ''} avoided "
        f"· {team.handovers} handover{'s' if team.handovers != 1 else ''}"
    )


@dataclass(frozen=True, slots=True)
class Debrief:
    """A scored drill run: what the debrief screen and `smwar drill debrief` show."""

    title: str
    drill_id: str
    run: str
    start: datetime
    end: datetime
    ended: bool  # False: scored as it stands, the operator has not ended it
    incidents: Sequence[Incident]
    score: Score
    team: Team

    @property
    def operators(self) -> list[str]:
        """Who acted in the run: the team's people."""
        return [person.name for person in self.team.people]


def to_markdown(facts: Debrief) -> str:
    score = facts.score
    played = stamp(facts.end, facts.start)
    how = "ended by the operator" if facts.ended else "not ended yet: scored as it stands"
    operators = ", ".join(md(name) for name in facts.operators) or "nobody acted"
    lines = [
        f"# Drill debrief: {md(facts.title)}",
        "",
        f"- Run: `{facts.run}` (drill `{facts.drill_id}`)",
        f"- Started: {facts.start:%Y-%m-%d %H:%M} UTC; played until {played} ({how})",
        f"- Operators: {operators}",
        "",
        f"## Score: {score.total} / 100",
        "",
        "| Part | Weight | Result | Points |",
        "|---|---:|---|---:|",
    ]
    for part in score.parts:
        points = f"{score.points(part):.1f}" if part.judged else "—"
        lines.append(f"| {part.title} | {part.weight} | {part.result} | {points} |")
    lines += ["", "## Findings"]
    for part in score.parts:
        if not part.judged:
            continue
        lines += ["", f"### {part.title}", ""]
        lines += [f"- {mark(finding)} {md(finding.text)}" for finding in part.findings]
    lines += ["", "## Team", "", f"Team score: {score.total} / 100 · {team_line(facts.team)}", ""]
    if facts.team.people:
        lines += ["| " + " | ".join(PEOPLE_COLUMNS) + " |", "|---|" + "---:|" * (len(PEOPLE_COLUMNS) - 1)]
        lines += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in people_rows(facts.team)]
    else:
        lines.append("Nobody acted.")
    lines += ["", "## Incidents", ""]
    if not facts.incidents:
        lines.append("No incident was proposed or opened.")
    else:
        lines += ["| # | Scenario | Status | Proposed | Opened | Goal | Outcome |", "|---:|---|---|---|---|---|---|"]
        for incident in facts.incidents:
            opened = stamp(incident.opened_at, facts.start) if incident.opened_at else "—"
            lines.append(
                f"| {incident.id} | {md(incident.scenario_id)} | {incident.status} "
                f"| {stamp(incident.proposed_at, facts.start)} | {opened} "
                f"| {md(incident.goal or '—')} | {md(incident.outcome or incident.closed_reason or '—')} |"
            )
    return "\n".join(lines) + "\n"
