"""Every "now" in smwar comes from a Clock.

The real clock serves live work, the drill clock replays a crisis faster than real time
(and pauses), and the manual clock lets tests move time by hand.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

MIN_SPEED = 1.0
MAX_SPEED = 60.0


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class RealClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """Time stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        self._now = _aware(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("a clock never runs backwards")
        self._now += delta


class DrillClock:
    """Drill time: starts at `start`, runs `speed` times faster than real time, can pause.

    `ticks` is the monotonic source of real seconds, replaceable so tests stay exact.
    """

    def __init__(
        self,
        start: datetime,
        speed: float = 10.0,
        *,
        paused: bool = False,
        ticks: Clock | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._ticks = ticks
        self._anchor_drill = _aware(start)
        self._anchor_real = self._real()
        self._speed = check_speed(speed)
        self._paused = paused

    def _real(self) -> float:
        return self._ticks.now().timestamp() if self._ticks else time.monotonic()

    def now(self) -> datetime:
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> datetime:
        if self._paused:
            return self._anchor_drill
        elapsed = self._real() - self._anchor_real
        return self._anchor_drill + timedelta(seconds=elapsed * self._speed)

    def _rebase(self) -> None:
        self._anchor_drill = self._now_locked()
        self._anchor_real = self._real()

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    def set_speed(self, speed: float) -> None:
        with self._lock:
            self._rebase()
            self._speed = check_speed(speed)

    def pause(self) -> None:
        with self._lock:
            self._rebase()
            self._paused = True

    def resume(self) -> None:
        with self._lock:
            self._rebase()
            self._paused = False

    def toggle_pause(self) -> bool:
        """Pause or resume; returns True when the clock is now paused."""
        if self._paused:
            self.resume()
        else:
            self.pause()
        return self._paused

    def jump(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("a drill clock only jumps forwards")
        with self._lock:
            self._rebase()
            self._anchor_drill += delta


def check_speed(speed: float) -> float:
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(f"drill speed must be between {MIN_SPEED:g}x and {MAX_SPEED:g}x, not {speed:g}x")
    return float(speed)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("clock times must be timezone-aware")
    return moment.astimezone(UTC)


def to_iso(moment: datetime) -> str:
    """The journal's one timestamp format: sortable, UTC, always with microseconds."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)
