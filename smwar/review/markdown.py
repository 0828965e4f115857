"""The post-mortem as Markdown, ready to present: summary, metrics, chain, timeline, replies,
deviations and lessons learned. The figures come from `figures`, shared with the HTML."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from smwar.plaintext import markdown_inline as md
from smwar.review.figures import (
    REVISED_HEADER,
    busiest,
    metric_rows,
    moment,
    reply_rows,
    revised_note,
    revised_rows,
    step_rows,
    summary_rows,
)
from smwar.review.report import Review


def write_markdown(review: Review, out: TextIO) -> None:
    for line in _lines(review):
        out.write(line + "\n")


def _table(header: list[str], rows: list[list[str]]) -> Iterator[str]:
    yield "| " + " | ".join(header) + " |"
    yield "|" + "---|" * len(header)
    for row in rows:
        yield "| " + " | ".join(md(cell) for cell in row) + " |"


def _lines(review: Review) -> Iterator[str]:
    incident = review.incident
    yield f"# Post-mortem: {md(review.title)} (incident #{incident.id})"
    yield ""
    for label, value in summary_rows(review):
        yield f"- **{label}:** {md(value)}"
    yield ""
    yield "## Metrics"
    yield ""
    yield from _table(["Metric", "Value"], [list(row) for row in metric_rows(review)])
    yield ""
    yield "## Goal and outcome"
    yield ""
    yield f"- **Goal:** {md(incident.goal or '(none stated)')}"
    yield f"- **Outcome:** {md(incident.outcome or incident.closed_reason or '(still open)')}"
    yield ""
    yield "## Reaction chain"
    yield ""
    yield from _table(["Step", "Due after opening", "Status", "Took", "On time"], step_rows(review))
    yield ""
    yield "## Volume"
    yield ""
    peaks = busiest(review)
    if peaks:
        yield from _table(
            ["From", *peaks[0][1].keys()], [[start, *map(str, counts.values())] for start, counts in peaks]
        )
    else:
        yield "No matching mentions in the incident's window."
    yield ""
    yield "## Timeline"
    yield ""
    yield from _table(["Time", "Who", "What"], [[moment(e.at), e.actor, e.text] for e in review.timeline])
    yield ""
    yield "## Replies"
    yield ""
    if review.replies:
        header = ["Time", "To", "Network", "Took", "Author before → after", "Volume before → after", "Calmer"]
        yield from _table(header, reply_rows(review))
        yield ""
        yield "Wordings used:"
        yield ""
        yield from (f"- {count}× {md(text)}" for text, count in review.templates().items())
    else:
        yield "No replies were recorded."
    yield ""
    yield "## Edited and deleted posts"
    yield ""
    if review.revised:
        yield from _table(REVISED_HEADER, revised_rows(review))
    if note := revised_note(review):
        yield ""
        yield md(note)
    yield ""
    yield "## Deviations from the runbook"
    yield ""
    yield from ([f"- {md(text)}" for text in review.deviations] or ["None: the chain was followed as written."])
    yield ""
    yield "## Lessons learned"
    yield ""
    yield from ([f"- {md(lesson.text)} ({md(lesson.actor)})" for lesson in review.lessons] or ["None recorded yet."])
