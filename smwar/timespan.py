"""Durations as people write them in runbooks ("90s", "15m", "1h30m") and drill offsets ("00:12:30")."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_OFFSET = re.compile(r"(?:(\d+):)?([0-5]?\d):([0-5]\d)")


def parse_duration(text: str) -> timedelta:
    """Parse "90s", "15m", "2h", "1h30m"; raises ValueError naming the accepted forms."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None or not any(match.groups()):
        raise ValueError(f"bad duration {text!r}: write it like 90s, 15m, 2h or 1h30m")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    try:
        return timedelta(hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:
        raise ValueError(f"duration {text!r} is too long") from None


def parse_offset(text: str) -> timedelta:
    """Parse a drill offset "HH:MM:SS" or "MM:SS"."""
    match = _OFFSET.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"bad offset {text!r}: write it as HH:MM:SS or MM:SS")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


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
