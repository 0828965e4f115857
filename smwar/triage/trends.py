"""Volume over sliding windows against a baseline learned from the journal: is this a spike,
which way is it going, and is a burst short-lived or sustained?

A spike is a count in the last window that would be unlikely (below the runbook's `alarm`
chance) if mentions kept arriving at the baseline's rate, as a Poisson process. The rate comes
from the `baseline` span before the window, with a quarter of a window at the `quiet` rate
added to the history, so that a stream with hardly any history does not call every mention a
spike.
A burst — the time from a spike until a full window without one — is short-lived when its
latest half window has fallen clearly below half its busiest half window, and sustained once
it has held up for a whole window; the verdict stands until the burst ends. A spike needs a
baseline: one window of history at least, and none is judged in the first window after a
restart, when the sources catch up with what came while smwar was not running (that time is
left out of the history too)."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from smwar.runbooks.definitions import Trends

RISING, FALLING, STEADY = "rising", "falling", "steady"
SHORT_LIVED, SUSTAINED, DEVELOPING = "short-lived", "sustained", "developing"
STEPS = 10  # a burst's busiest half window is looked for in tenths of a window
PRIOR = 0.25  # the weight, in windows, of the `quiet` rate next to the history
TREND_SIGMAS = 1.5  # how far the second half of a window must differ from the first


@dataclass(frozen=True, slots=True)
class Downtime:
    """When smwar last ran before this start (the journal's newest mention then) and when it
    started again: no history between, and what sources catch up with comes all at once."""

    last_seen: float
    started: float


@dataclass(frozen=True, slots=True)
class Trend:
    count: int  # mentions in the last window
    expected: float  # what the baseline rate expects in a window
    chance: float  # of a count this high at that rate (1.0 unless it is a rise)
    spike: bool
    direction: str  # RISING, FALLING or STEADY
    burst: str | None  # DEVELOPING, SHORT_LIVED or SUSTAINED while a burst lasts; None otherwise
    negative_share: float | None  # of the window's mentions whose sentiment is known
    negative_before: float | None = None  # the same in the window before


def rise_chance(count: int, expected: float) -> float:
    """P(X >= count) for X ~ Poisson(expected); 1.0 when `count` is no rise."""
    if count <= expected:
        return 1.0
    log_term = -expected + count * math.log(expected) - math.lgamma(count + 1)
    total, index = 0.0, count
    while True:  # the terms shrink from here on: add them until they no longer matter
        term = math.exp(log_term)
        total += term
        if term < total * 1e-12 or index > count + 10_000:
            return min(1.0, total)
        index += 1
        log_term += math.log(expected) - math.log(index)


class Volume:
    """The arrivals of one stream (a scenario's mentions, or all of them) and its bursts: the
    times of the last two windows, and counts per minute for the baseline span (so memory
    stays small however busy the day was)."""

    def __init__(self, settings: Trends, since: datetime | None, downtime: Downtime | None = None) -> None:
        self.settings = settings
        self.downtime = downtime
        self.window = settings.window.total_seconds()
        self.span = settings.baseline.total_seconds() + self.window
        self.since = since.timestamp() if since else None  # the start of the history known
        self.times: deque[float] = deque()  # of the last two windows
        self.minutes: deque[list[int]] = deque()  # [minute, count], oldest first
        self.moods: deque[tuple[float, bool]] = deque()  # (time, negative) where sentiment is known
        self.burst_start: float | None = None
        self.last_spike: float | None = None
        self.verdict: str | None = None  # the burst's shape, once it shows

    def seed(self, minutes: Iterable[tuple[datetime, int]], times: Iterable[datetime] = ()) -> None:
        """The history from the journal, oldest first: counts per minute, then the arrival
        times from where those minutes end (the last two windows, at least)."""
        for at, count in minutes:
            self.minutes.append([int(at.timestamp() // 60), count])
        for at in times:
            self._count(at.timestamp())

    def observe(self, at: datetime, negative: bool | None = None) -> None:
        stamp = at.timestamp()
        if self.since is None:
            self.since = stamp
        self._count(stamp)
        if negative is not None:
            self.moods.append((stamp, negative))

    def _count(self, stamp: float) -> None:
        self.times.append(stamp)
        minute = int(stamp // 60)
        if self.minutes and self.minutes[-1][0] == minute:
            self.minutes[-1][1] += 1
        else:
            self.minutes.append([minute, 1])

    def trend(self, now: datetime) -> Trend:
        stamp = now.timestamp()
        self._forget(stamp)
        start = stamp - self.window
        times = list(self.times)
        recent = times[bisect_left(times, start) :]
        first_minute = int(start // 60)  # the minute the window starts in counts to neither side
        history = sum(count for minute, count in self.minutes if minute < first_minute)
        lowest = max(self.since if self.since is not None else stamp, stamp - self.span)
        known = max(0.0, first_minute * 60 - lowest)
        settled = True
        if self.downtime is not None:  # the hours smwar did not run are no history, quiet or not
            known -= _overlap(self.downtime.last_seen, self.downtime.started, lowest, first_minute * 60)
            settled = stamp >= self.downtime.started + self.window  # sources catch up at first
        windows = known / self.window
        expected = (history + PRIOR * self.settings.quiet) / (windows + PRIOR)
        count = len(recent)
        chance = rise_chance(count, expected)
        spike = settled and windows >= 1 and count >= self.settings.min_mentions and chance < self.settings.alarm
        share = _share([negative for at, negative in self.moods if at >= start])
        before = _share([negative for at, negative in self.moods if start - self.window <= at < start])
        direction, burst = _direction(recent, start, self.window), self._burst(spike, stamp, times)
        return Trend(count, expected, chance, spike, direction, burst, share, before)

    def _forget(self, stamp: float) -> None:
        while self.times and self.times[0] < stamp - 2 * self.window:
            self.times.popleft()
        while self.minutes and self.minutes[0][0] * 60 < stamp - self.span:
            self.minutes.popleft()
        while self.moods and self.moods[0][0] < stamp - 2 * self.window:
            self.moods.popleft()

    def _burst(self, spike: bool, stamp: float, times: list[float]) -> str | None:
        """The shape of the burst; `times` reach back two windows, enough until the verdict
        (which is given a window after the burst began at the latest)."""
        if spike:
            self.last_spike = stamp
            if self.burst_start is None:
                self.burst_start = stamp
        elif self.last_spike is not None and stamp - self.last_spike >= self.window:
            self.burst_start = self.last_spike = self.verdict = None
        if self.burst_start is None:
            return None
        half, step = self.window / 2, self.window / STEPS

        def count(until: float) -> int:
            return bisect_left(times, until) - bisect_left(times, until - half)

        if self.verdict is None:
            ends = [self.burst_start + number * step for number in range(int((stamp - self.burst_start) // step) + 1)]
            busiest, latest = max(count(end) for end in [*ends, stamp]), count(stamp)
            if stamp - self.burst_start >= half and latest < busiest / 2 and busiest - latest > 2 * math.sqrt(busiest):
                self.verdict = SHORT_LIVED
            elif stamp - self.burst_start >= self.window:
                self.verdict = SUSTAINED
        return self.verdict or DEVELOPING


def _overlap(start: float, end: float, low: float, high: float) -> float:
    return max(0.0, min(end, high) - max(start, low))


def _share(moods: list[bool]) -> float | None:
    return sum(moods) / len(moods) if moods else None


def _direction(recent: list[float], start: float, window: float) -> str:
    """Whether the second half of the window saw clearly more, fewer or about as many."""
    middle = start + window / 2
    second = len(recent) - bisect_left(recent, middle)
    first = len(recent) - second
    noise = math.sqrt(first + second + 1)
    if second - first > TREND_SIGMAS * noise:
        return RISING
    if first - second > TREND_SIGMAS * noise:
        return FALLING
    return STEADY
