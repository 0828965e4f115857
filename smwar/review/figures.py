"""The review's figures as rows of text, the same for the screen, Markdown and HTML."""

from __future__ import annotations

from datetime import datetime

from smwar.model import DELETED, StepStatus
from smwar.review.report import REVISED_ROWS, Review
from smwar.timespan import format_duration, took

PEAK_ROWS = 12  # the busiest buckets a table shows


def moment(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S} UTC"


def summary_rows(review: Review) -> list[tuple[str, str]]:
    incident = review.incident
    networks = ", ".join(f"{network} {count}" for network, count in review.networks.items()) or "none"
    rows = [
        ("Status", f"{incident.status} · severity {review.severity}"),
        ("Trigger", incident.trigger),
        ("Proposed", moment(incident.proposed_at)),
        ("Opened", moment(incident.opened_at) if incident.opened_at else "not opened"),
        ("Closed", moment(incident.closed_at) if incident.closed_at else "still active"),
        ("Mentions", f"{review.mentions} ({networks})"),
    ]
    if incident.roles:
        rows.append(("Roles", ", ".join(f"{role}: {person}" for role, person in incident.roles.items())))
    return rows


def metric_rows(review: Review) -> list[tuple[str, str]]:
    metrics = review.metrics
    on_time = [s for s in metrics.steps if s.status is StepStatus.DONE and not s.missed]
    due = [s for s in metrics.steps if s.status in (StepStatus.DONE, StepStatus.SKIPPED) or s.missed]
    rest = len(metrics.steps) - len(due)  # neither finished nor due (by its close): nothing to judge yet
    later = f"; {rest} not due {'by its close' if review.incident.closed_at else 'yet'}" if rest else ""
    share = review.answered_share
    answered = (
        f"{review.answered} of {review.must_answer} ({share:.0%})" if share is not None else "none were due an answer"
    )
    ahead = review.warned_ahead
    return [
        ("Early warning ahead of the proposal", took(ahead) if ahead is not None else "none raised"),
        ("Time to detect", took(metrics.time_to_detect)),
        ("Time to open", took(metrics.time_to_open)),
        ("Time to first reply", took(review.first_reply)),
        ("Steps done on time", f"{len(on_time)} of {len(due)} due{later}"),
        ("Deadlines missed", str(len(metrics.missed))),
        ("Must-answer mentions answered", answered),
        ("Replies", str(len(review.replies))),
    ]


def step_rows(review: Review) -> list[list[str]]:
    return [
        [
            f"{step.step_id}: {step.title}",
            format_duration(step.deadline),
            str(step.status),
            took(step.took),
            "✘ missed" if step.missed else ("✔" if step.status is StepStatus.DONE else "—"),
        ]
        for step in review.metrics.steps
    ]


def reply_rows(review: Review) -> list[list[str]]:
    return [
        [
            moment(reply.at),
            reply.author,
            reply.network + (" (simulated)" if reply.simulated else ""),
            took(reply.took),
            f"{reply.author_before} → {reply.author_after}",
            f"{reply.volume_before} → {reply.volume_after}",
            "yes" if reply.calmed else "no",
        ]
        for reply in review.replies
    ]


REVISED_HEADER = ["Author", "Network", "First seen", "Became"]


def revised_rows(review: Review) -> list[list[str]]:
    """The incident's mentions edited or deleted since: the text first seen, and what it became."""
    return [
        [
            post.author,
            post.network,
            post.text,
            "deleted" if post.kind == DELETED else f"edited: {post.revised_text or ''}",
        ]
        for post in review.revised
    ]


def revised_note(review: Review) -> str:
    """What the list of edited and deleted mentions holds."""
    if not review.revised:
        return "None of the incident's mentions was edited or deleted on its network."
    more = len(review.revised) >= REVISED_ROWS
    return f"The first {REVISED_ROWS}; the CSV and JSON exports list them all." if more else ""


def busiest(review: Review) -> list[tuple[str, dict[str, int]]]:
    """The busiest buckets of the volume, in time order: (start, count per scenario)."""
    volume = review.volume
    scenarios = sorted(volume.series, key=lambda s: (s != review.incident.scenario_id, s))
    if not scenarios:
        return []
    length = len(next(iter(volume.series.values())))
    totals = [(sum(volume.series[s][i] for s in scenarios), i) for i in range(length)]
    peaks = sorted(i for total, i in sorted(totals, reverse=True)[:PEAK_ROWS] if total)
    return [
        (
            f"{volume.start + volume.bucket * i:%Y-%m-%d %H:%M} (+{format_duration(volume.bucket)})",
            {s: volume.series[s][i] for s in scenarios},
        )
        for i in peaks
    ]
