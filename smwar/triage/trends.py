"""Volume over sliding windows against a baseline learned from the journal: is this a spike,
which way is it going, and is a burst short-lived or sustained?

The usual rate of a stream is learned from the `baseline` span before the last window,
starting from a prior: the plan's expected volume (the runbook's `expected`, which counts as an
hour of history), else the `quiet` rate (a quarter of a window). A spike is a count in the last
window that would be unlikely (below the runbook's `alarm` chance) at that rate, allowing for
how little history there may be (the rate is known from the prior and the history as a gamma
distribution, so a count is judged by the negative binomial), and at least `min_rise` mentions
above it. A spike starts a burst only while volume is rising: not when the second half of the
window holds clearly fewer than the first, nor fewer than the window before (an alarm is for a
rise); once a burst runs, it goes on while the count stays above the usual (a chance below
`HOLD`), falling or not, so that one burst is one alarm.

A burst — the time from a spike until a full window without one — is short-lived when its
latest half window has fallen clearly below half its busiest half window, and sustained once
it has held up for a whole window; the verdict stands until the burst ends. A spike needs a
window's worth of knowledge (the plan's prior is that at once; `quiet` needs history). What
sources catch up with after a start is neither judged nor learned: after a restart, for a
window at most, as long as smwar was away (the time it did not run is no history either); on
an empty journal, for the first `COLD_CATCH_UP` seconds, while each source takes its first
page."""

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
QUIET_WEIGHT = 0.25  # the weight, in windows, of the `quiet` rate next to the history
PLAN_WEIGHT = 3600.0  # the weight, in seconds of history, of the plan's expected volume
TREND_SIGMAS = 1.5  # how far the second half of a window must differ from the first
COLD_CATCH_UP = 120.0  # seconds after a start on an empty journal that sources catch up
HOLD = 0.01  # a burst lasts while the window's count is this unlikely at the usual rate


@dataclass(frozen=True, slots=True)
class Downtime:
    """When smwar last ran before this start (the journal's newest mention then) and when it
    started again: no history between, and what sources catch up with for `catch_up` seconds
    after the start (None: a window) comes all at once."""

    last_seen: float
    started: float
    catch_up: float | None = None

    @classmethod
    def cold(cls, started: float) -> Downtime:
        """A start on an empty journal: nothing missed, only the sources' first pages."""
        return cls(started, started, COLD_CATCH_UP)

    @classmethod
    def after(cls, last_seen: float, started: float, window: float) -> Downtime:
        """A start after the journal's newest mention came at `last_seen`: the sources catch up
        for as long as they were away, at least their first pages' time and at most a window (a
        leader that took over from one that died seconds ago judges again within minutes)."""
        return cls(last_seen, started, min(window, max(COLD_CATCH_UP, started - last_seen)))


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


def rise_chance(count: int, expected: float, windows: float = math.inf) -> float:
    """P(X >= count) for the next window's count X when the rate per window is `expected`,
    learned from `windows` windows' worth of counts: X is negative binomial (gamma-Poisson),
    Poisson when the rate is known exactly (`windows` infinite); 1.0 when `count` is no rise."""
    if count <= expected:
        return 1.0
    if math.isinf(windows):
        log_term = -expected + count * math.log(expected) - math.lgamma(count + 1)
        shape, odds = math.inf, expected
    else:
        shape, odds = expected * windows, 1 / (windows + 1)  # gamma(shape, windows), P(one more)
        log_term = (
            math.lgamma(count + shape) - math.lgamma(shape) - math.lgamma(count + 1)
            + shape * math.log1p(-odds) + count * math.log(odds)
        )  # fmt: skip
    total, index = 0.0, count
    while True:  # the terms shrink from here on: add them until they no longer matter
        term = math.exp(log_term)
        total += term
        if term <= total * 1e-12 or index > count + 10_000:  # (0 <= 0: the first has underflowed)
            return min(1.0, total)
        log_term += math.log(odds) - math.log(index + 1) + (0.0 if math.isinf(shape) else math.log(index + shape))
        index += 1


class Volume:
    """The arrivals of one stream (a scenario's mentions, or all of them) and its bursts: the
    times of the last two windows, and counts per minute for the baseline span (so memory
    stays small however busy the day was). `expected`: the plan's usual mentions an hour."""

    def __init__(
        self,
        settings: Trends,
        since: datetime | None,
        downtime: Downtime | None = None,
        expected: float | None = None,
    ) -> None:
        self.settings = settings
        self.downtime = downtime
        self.window = settings.window.total_seconds()
        self.span = settings.baseline.total_seconds() + self.window
        self.since = since.timestamp() if since else None  # the start of the history known
        self.settled = -math.inf  # before this, arrivals are what sources catch up with
        if downtime is not None:
            self.settled = downtime.started + (self.window if downtime.catch_up is None else downtime.catch_up)
        if expected is None:  # (mentions, windows) the prior is worth
            self.prior = (QUIET_WEIGHT * settings.quiet, QUIET_WEIGHT)
        else:
            self.prior = (expected * PLAN_WEIGHT / 3600, PLAN_WEIGHT / self.window)
        self.times: deque[float] = deque()  # of the last two windows, caught up with or not
        self.minutes: deque[list[int]] = deque()  # [minute, count] of the history, oldest first
        self.total = 0  # of `minutes`
        self.moods: deque[tuple[float, bool]] = deque()  # (time, negative) where sentiment is known
        self.burst_start: float | None = None
        self.last_spike: float | None = None
        self.verdict: str | None = None  # the burst's shape, once it shows

    def seed(self, minutes: Iterable[tuple[datetime, int]], times: Iterable[datetime] = ()) -> None:
        """The history from the journal, oldest first: counts per minute, then the arrival
        times from where those minutes end (the last two windows, at least)."""
        for at, count in minutes:
            if not self._catching_up(at.timestamp()):
                self.minutes.append([int(at.timestamp() // 60), count])
                self.total += count
        for at in times:
            self._count(at.timestamp())

    def observe(self, at: datetime, negative: bool | None = None) -> None:
        stamp = at.timestamp()
        if self.since is None:
            self.since = stamp
        self._count(stamp)
        if negative is not None:
            self.moods.append((stamp, negative))

    def _catching_up(self, stamp: float) -> bool:
        return self.downtime is not None and self.downtime.started <= stamp < self.settled

    def _count(self, stamp: float) -> None:
        self.times.append(stamp)
        if self._catching_up(stamp):
            return
        minute = int(stamp // 60)
        if self.minutes and self.minutes[-1][0] == minute:
            self.minutes[-1][1] += 1
        else:
            self.minutes.append([minute, 1])
        self.total += 1

    def trend(self, now: datetime) -> Trend:
        stamp = now.timestamp()
        self._forget(stamp)
        start = stamp - self.window
        times = list(self.times)
        recent = times[bisect_left(times, start) :]
        first_minute = int(start // 60)  # the minute the window starts in counts to neither side
        history = self.total - sum(count for _, count in self._minutes_from(first_minute))
        lowest = max(self.since if self.since is not None else stamp, stamp - self.span)
        end = first_minute * 60
        known = max(0.0, end - lowest)
        if self.downtime is not None:  # the hours smwar did not run and the catching up are no history
            known -= _overlap(self.downtime.last_seen, self.settled, lowest, end)
        prior_count, prior_windows = self.prior
        windows = known / self.window + prior_windows
        expected = (history + prior_count) / windows
        judged = len(times) - bisect_left(times, max(start, self.settled))  # what came live
        before = bisect_left(times, start) - bisect_left(times, max(start - self.window, self.settled))
        chance = rise_chance(judged, expected, windows)
        settings = self.settings
        direction = _direction(times[len(times) - judged :], start, self.window)
        if self.burst_start is None:  # a burst starts on a clear rise
            big = judged >= max(settings.min_mentions, expected + settings.min_rise)
            rising = direction != FALLING and judged >= before
            spike = windows >= 1 and big and rising and chance < settings.alarm
        else:  # and lasts while volume stays above the usual
            spike = chance < HOLD
        share = _share([negative for at, negative in self.moods if at >= start])
        previous = _share([negative for at, negative in self.moods if start - self.window <= at < start])
        burst = self._burst(spike, stamp, times)
        return Trend(len(recent), expected, chance, spike, direction, burst, share, previous)

    def _minutes_from(self, first: int) -> Iterable[list[int]]:
        """The history's minutes from `first` on, newest first."""
        for entry in reversed(self.minutes):
            if entry[0] < first:
                return
            yield entry

    def _forget(self, stamp: float) -> None:
        while self.times and self.times[0] < stamp - 2 * self.window:
            self.times.popleft()
        while self.minutes and self.minutes[0][0] * 60 < stamp - self.span:
            self.total -= self.minutes.popleft()[1]
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
