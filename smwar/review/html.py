"""The post-mortem as one self-contained HTML file: no script, no font, no link to fetch; the
charts are inline SVG drawn here. Every text from the journal is escaped."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from html import escape as html_escape
from typing import TextIO

from smwar.model import StepStatus
from smwar.plaintext import printable
from smwar.review.figures import (
    REVISED_HEADER,
    metric_rows,
    moment,
    reply_rows,
    revised_note,
    revised_rows,
    step_rows,
    summary_rows,
)
from smwar.review.report import Review
from smwar.timespan import format_duration


def escape(text: str) -> str:
    """Journal text made printable (no control or bidi character in the file), then HTML-escaped."""
    return html_escape(printable(text, keep_newlines=True))


WIDTH, HEIGHT, PAD = 860, 260, 48
COLOURS = ["#c0392b", "#2471a3", "#b7950b", "#1e8449", "#7d3c98", "#ca6f1e", "#566573"]
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; color: #1c2833; max-width: 960px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #d5d8dc; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { border: 1px solid #d5d8dc; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f2f3f4; }
svg { background: #fbfcfc; border: 1px solid #d5d8dc; }
svg text { font: 11px system-ui, sans-serif; fill: #1c2833; }
.late { color: #c0392b; font-weight: bold; }
"""


def write_html(review: Review, out: TextIO) -> None:
    for part in _parts(review):
        out.write(part)
        out.write("\n")


def _table(header: Sequence[str] | None, rows: Sequence[Sequence[str]]) -> str:
    head = "<thead><tr>" + "".join(f"<th>{escape(cell)}</th>" for cell in header) + "</tr></thead>" if header else ""
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table>{head}<tbody>{body}</tbody></table>"


def _parts(review: Review) -> Iterator[str]:
    incident = review.incident
    title = f"Post-mortem: {review.title} (incident #{incident.id})"
    yield f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
    yield f"<style>{STYLE}</style></head><body>"
    yield f"<h1>{escape(title)}</h1>"
    yield _table(None, summary_rows(review))
    yield "<h2>Metrics</h2>" + _table(["Metric", "Value"], metric_rows(review))
    yield "<h2>Goal and outcome</h2>"
    yield f"<p><b>Goal:</b> {escape(incident.goal or '(none stated)')}<br>"
    yield f"<b>Outcome:</b> {escape(incident.outcome or incident.closed_reason or '(still open)')}</p>"
    yield "<h2>Volume over time</h2>" + volume_chart(review)
    yield "<h2>Reaction chain against its deadlines</h2>" + steps_chart(review)
    yield _table(["Step", "Due after opening", "Status", "Took", "On time"], step_rows(review))
    yield "<h2>Replies</h2>"
    if review.replies:
        yield reply_chart(review)
        header = ["Time", "To", "Network", "Took", "Author before → after", "Volume before → after", "Calmer"]
        yield _table(header, reply_rows(review))
        yield _table(["Wording", "Used"], [(text, str(count)) for text, count in review.templates().items()])
    else:
        yield "<p>No replies were recorded.</p>"
    yield "<h2>Timeline</h2>"
    yield _table(["Time", "Who", "What"], [(moment(e.at), e.actor, e.text) for e in review.timeline])
    yield "<h2>Edited and deleted posts</h2>"
    if review.revised:
        yield _table(REVISED_HEADER, revised_rows(review))
    if note := revised_note(review):
        yield f"<p>{escape(note)}</p>"
    yield "<h2>Deviations from the runbook</h2>"
    yield _list(review.deviations, "None: the chain was followed as written.")
    yield "<h2>Lessons learned</h2>"
    yield _list([f"{lesson.text} ({lesson.actor})" for lesson in review.lessons], "None recorded yet.")
    yield "</body></html>"


def _list(items: Sequence[str], empty: str) -> str:
    if not items:
        return f"<p>{escape(empty)}</p>"
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def _svg(body: str, label: str, height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}">{body}</svg>'
    )


def volume_chart(review: Review) -> str:
    """Mentions per bucket for each scenario, with the incident's milestones marked."""
    volume = review.volume
    if not volume.series:
        return "<p>No matching mentions in the incident's window.</p>"
    top = max(max(counts) for counts in volume.series.values()) or 1
    span = max(review.end - volume.start, volume.bucket)
    plot_w, plot_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def x(at: datetime) -> float:
        return PAD + plot_w * min(max((at - volume.start) / span, 0.0), 1.0)

    def y(count: int) -> float:
        return HEIGHT - PAD - plot_h * count / top

    parts = [_axes(plot_h, top, f"mentions per {format_duration(volume.bucket)}")]
    order = sorted(volume.series, key=lambda s: (s != review.incident.scenario_id, s))
    for n, scenario in enumerate(order):
        colour = COLOURS[n % len(COLOURS)]
        points = " ".join(
            f"{x(volume.start + volume.bucket * i):.1f},{y(c):.1f}" for i, c in enumerate(volume.series[scenario])
        )
        parts.append(f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        parts.append(
            f'<text x="{PAD + 8 + 170 * n}" y="{PAD - 24}" fill="{colour}" style="fill:{colour}">'
            f"■ {escape(scenario)}</text>"
        )
    for at, label in review.milestones:
        if volume.start <= at <= volume.start + span:
            px = x(at)
            parts.append(
                f'<line class="milestone" x1="{px:.1f}" y1="{PAD}" x2="{px:.1f}" y2="{HEIGHT - PAD}" '
                'stroke="#566573" stroke-dasharray="4 3"/>'
                f'<text x="{px + 3:.1f}" y="{PAD + 10}" transform="rotate(90 {px + 3:.1f} {PAD + 10})">'
                f"{escape(label)}</text>"
            )
    parts.append(f'<text x="{PAD}" y="{HEIGHT - PAD + 16}">{moment(volume.start)}</text>')
    parts.append(
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - PAD + 16}" text-anchor="end">{moment(volume.start + span)}</text>'
    )
    return _svg("".join(parts), "Volume over time per scenario with the incident's milestones")


def _axes(plot_h: int, top: int, label: str) -> str:
    return (
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{PAD + plot_h}" stroke="#1c2833"/>'
        f'<line x1="{PAD}" y1="{PAD + plot_h}" x2="{WIDTH - PAD}" y2="{PAD + plot_h}" stroke="#1c2833"/>'
        f'<text x="{PAD - 6}" y="{PAD + 4}" text-anchor="end">{top}</text>'
        f'<text x="{PAD - 6}" y="{PAD + plot_h}" text-anchor="end">0</text>'
        f'<text x="{PAD}" y="{PAD - 8}">{escape(label)}</text>'
    )


def steps_chart(review: Review) -> str:
    """One bar per step: from the opening to done (green on time, red late), with its deadline."""
    steps = review.metrics.steps
    opened = review.incident.opened_at
    if not steps or opened is None:
        return "<p>The incident was not opened: no chain to show.</p>"
    now = review.end - opened
    horizon = max([step.deadline for step in steps] + [step.took or now for step in steps] + [timedelta(minutes=1)])
    row, label_w = 22, 230
    height = PAD + row * len(steps) + 20
    plot_w = WIDTH - label_w - PAD

    def x(delta: timedelta) -> float:
        return label_w + plot_w * min(delta / horizon, 1.0)

    parts = [f'<text x="{label_w}" y="{PAD - 14}">time since opening (up to {format_duration(horizon)})</text>']
    for n, step in enumerate(steps):
        top = PAD + n * row
        done = step.status in (StepStatus.DONE, StepStatus.SKIPPED)
        end = step.took if step.took is not None else now
        colour = "#c0392b" if step.missed else "#1e8449" if done else "#aab7b8"
        parts.append(f'<text x="4" y="{top + 14}">{escape(step.step_id)}</text>')
        parts.append(
            f'<rect class="step" x="{label_w}" y="{top + 3}" width="{max(x(end) - label_w, 1):.1f}" height="14" '
            f'fill="{colour}"><title>{escape(step.title)}: {escape(str(step.status))}</title></rect>'
        )
        parts.append(
            f'<line class="deadline" x1="{x(step.deadline):.1f}" y1="{top}" x2="{x(step.deadline):.1f}" '
            f'y2="{top + 20}" stroke="#1c2833" stroke-width="2"/>'
        )
    return _svg("".join(parts), "Each step of the chain against its deadline", height)


def reply_chart(review: Review) -> str:
    """One bar per reply: how long its mention waited for it."""
    waits = [(reply.author, reply.took or timedelta(0)) for reply in review.replies]
    longest = max([wait for _, wait in waits] + [timedelta(minutes=1)])
    row, label_w = 22, 230
    height = PAD + row * len(waits) + 20
    plot_w = WIDTH - label_w - PAD
    parts = [f'<text x="{label_w}" y="{PAD - 14}">time from mention to reply (up to {format_duration(longest)})</text>']
    for n, (author, wait) in enumerate(waits):
        top = PAD + n * row
        width = max(plot_w * (wait / longest), 1)
        parts.append(f'<text x="4" y="{top + 14}">{escape(author[:34])}</text>')
        parts.append(
            f'<rect class="reply" x="{label_w}" y="{top + 3}" width="{width:.1f}" height="14" fill="#2471a3">'
            f"<title>{escape(format_duration(wait))}</title></rect>"
        )
    return _svg("".join(parts), "Reply times", height)
