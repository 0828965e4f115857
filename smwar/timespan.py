"""Durations as people write them in runbooks ("90s", "15m", "1h30m") and drill offsets ("00:12:30")."""

from __future__ import annotations

import re
from datetime import time, timedelta

_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_OFFSET = re.compile(r"(?:(\d+):)?([0-5]?\d):([0-5]\d)")
# the longest duration or offset read: a year ahead still fits in a datetime, where "99999999h"
# would overflow the first time a deadline is worked out
LONGEST = timedelta(days=365)


def parse_duration(text: str) -> timedelta:
    """Parse "90s", "15m", "2h", "1h30m"; raises ValueError naming the accepted forms."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None or not any(match.groups()):
        raise ValueError(f"bad duration {text!r}: write it like 90s, 15m, 2h or 1h30m")
    return _at_most_a_year(text, *match.groups())


def parse_offset(text: str) -> timedelta:
    """Parse a drill offset "HH:MM:SS" or "MM:SS"."""
    match = _OFFSET.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"bad offset {text!r}: write it as HH:MM:SS or MM:SS")
    return _at_most_a_year(text, *match.groups())


def _at_most_a_year(text: str, *parts: str | None) -> timedelta:
    hours, minutes, seconds = (int(part or 0) for part in parts)
    try:
        delta = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:  # more days than a timedelta holds
        delta = timedelta.max
    if delta > LONGEST:
        raise ValueError(f"{text!r} is too long: at most a year")
    return delta


def read_duration(value: object) -> object:
    """A runbook's duration as pydantic gets it from the file: "15m" is parsed and must be more
    than zero, since a deadline due at once or a trigger window of no time is a slip, never a
    plan. A timedelta smwar made itself (the deadline of a step added by hand) passes as it is."""
    return positive(parse_duration(value)) if isinstance(value, str) else _not_text(value, "15m")


def read_offset(value: object) -> object:
    """A drill offset as pydantic gets it from the file: "12:30" is parsed; a timedelta passes."""
    return parse_offset(value) if isinstance(value, str) else _not_text(value, "12:30")


def positive(delta: timedelta) -> timedelta:
    """`delta`, if it is more than zero (a pydantic validator: the message follows the key)."""
    if delta <= timedelta(0):
        raise ValueError("must be more than zero")
    return delta


def _not_text(value: object, example: str) -> object:
    """A bare number, or a time of day TOML read from `00:15:00` without quotes, is refused
    rather than guessed at: is `deadline = 15` seconds or minutes? Anything else (a timedelta,
    or a value pydantic refuses itself) goes on to pydantic."""
    if isinstance(value, int | float | time):
        raise ValueError(f'write it in quotes, like "{example}"')
    return value


def format_offset(delta: timedelta) -> str:
    """T+ style offset: "12:05" below an hour, "1:02:05" above; negative gets a minus sign."""
    total = int(delta.total_seconds())
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"
    return f"{sign}{minutes:02d}:{seconds:02d}"


def format_duration(delta: timedelta) -> str:
    """Compact human duration for labels: "45s", "15m", "1h30m"."""
    total = int(delta.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{seconds}s" if seconds else ""]
    return "".join(parts) or "0s"


def took(delta: timedelta | None) -> str:
    """`format_duration`, or "—" for what never happened."""
    return format_duration(delta) if delta is not None else "—"
