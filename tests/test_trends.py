"""Volume trends on synthetic series with known change points: a real rise is flagged soon
after it starts, a steady stream never; a burst that dies down is short-lived, one that holds
is sustained; the baseline comes from the journal; and the chance is Poisson's."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from smwar.runbooks.definitions import Trends
from smwar.triage.trends import FALLING, RISING, SHORT_LIVED, SUSTAINED, Trend, Volume, rise_chance

T0 = datetime(2026, 11, 1, tzinfo=UTC)
SETTINGS = Trends()  # 10-minute window, a day's baseline, alarm below 1e-4, 5 mentions at least


def arrivals(rng: random.Random, rates: list[tuple[float, float]]) -> list[float]:
    """Poisson arrivals (seconds after T0) at `rate` per minute until each `until` minute."""
    times, at, start = [], 0.0, 0.0
    for rate, until in rates:
        at = start
        while True:
            at += rng.expovariate(rate / 60)
            if at >= until * 60:
                break
            times.append(at)
        start = until * 60
    return times


def play(times: list[float], minutes: int, volume: Volume | None = None) -> list[Trend]:
    """Feed the arrivals in and judge the volume once a minute, as the session does."""
    volume = volume or Volume(SETTINGS, T0)
    trends, index = [], 0
    for minute in range(minutes + 1):
        while index < len(times) and times[index] <= minute * 60:
            volume.observe(T0 + timedelta(seconds=times[index]))
            index += 1
        trends.append(volume.trend(T0 + timedelta(minutes=minute)))
    return trends


def test_a_rise_is_flagged_within_minutes_and_a_steady_stream_almost_never() -> None:
    delays, false_alarms = [], 0
    for seed in range(12):
        rng = random.Random(seed)
        # six steady hours at 1 a minute, then a storm at 4 a minute from minute 360
        trends = play(arrivals(rng, [(1.0, 360), (4.0, 400)]), 400)
        false_alarms += sum(1 for minute in range(11, 360) if trends[minute].spike and not trends[minute - 1].spike)
        flagged = next(minute for minute in range(360, 401) if trends[minute].spike)
        delays.append(flagged - 360)
        assert RISING in {trend.direction for trend in trends[360:371]}
    assert max(delays) <= 12, f"flagged after {delays} minutes"
    assert false_alarms <= 2, f"{false_alarms} false alarms in 72 steady hours"


def test_a_burst_that_dies_down_is_short_lived_and_one_that_holds_is_sustained() -> None:
    rng = random.Random(7)
    flare = play(arrivals(rng, [(1.0, 240), (12.0, 244), (1.0, 280)]), 280)
    storm = play(arrivals(rng, [(1.0, 240), (6.0, 280)]), 280)
    assert {trend.burst for trend in flare[250:]} >= {SHORT_LIVED}
    assert SUSTAINED not in {trend.burst for trend in flare}
    assert storm[255].burst == SUSTAINED and SHORT_LIVED not in {trend.burst for trend in storm[240:]}
    assert flare[-1].burst is None, "the burst ended a window after its last spike"
    assert FALLING in {trend.direction for trend in flare[244:256]}


def test_the_baseline_is_what_the_history_shows() -> None:
    """The same ten mentions in ten minutes: a spike for a quiet stream, normal for a busy one."""
    burst = [T0 + timedelta(hours=6, seconds=30 * n) for n in range(10)]
    quiet, busy = Volume(SETTINGS, T0), Volume(SETTINGS, T0)
    quiet.seed((), (T0 + timedelta(minutes=30 * n) for n in range(12)))  # two an hour, as times
    busy.seed((T0 + timedelta(minutes=n), 3 if n % 2 else 0) for n in range(360))  # 1.5 a minute, as counts
    for at in burst:
        quiet.observe(at)
        busy.observe(at)
    now = burst[-1] + timedelta(seconds=1)
    assert quiet.trend(now).spike and not busy.trend(now).spike
    assert busy.trend(now).expected == pytest.approx(15, rel=0.2)


def test_no_history_is_no_baseline_and_the_runbook_thresholds_apply() -> None:
    fresh = Volume(SETTINGS, T0)
    for second in range(0, 300, 10):
        fresh.observe(T0 + timedelta(seconds=second))
    assert not fresh.trend(T0 + timedelta(minutes=5)).spike, "a spike needs a window of history"
    strict = Volume(Trends(min_mentions=40), T0)
    lax = Volume(Trends(min_mentions=5), T0)
    for volume in (strict, lax):
        for second in range(0, 600, 20):
            volume.observe(T0 + timedelta(hours=1, seconds=second))
    now = T0 + timedelta(hours=1, minutes=10)
    assert lax.trend(now).spike and not strict.trend(now).spike


def test_negative_share_is_of_the_window() -> None:
    volume = Volume(SETTINGS, T0)
    volume.observe(T0, negative=True)  # out of both windows by then
    volume.observe(T0 + timedelta(minutes=5), negative=False)
    for n, negative in enumerate([True, True, False, None]):
        volume.observe(T0 + timedelta(minutes=20, seconds=n), negative=negative)
    trend = volume.trend(T0 + timedelta(minutes=21))
    assert trend.count == 4 and trend.negative_share == pytest.approx(2 / 3)
    assert trend.negative_before == 0.0, "the window before held one calm mention (the angry one is older)"


@pytest.mark.parametrize(("count", "expected"), [(3, 1.0), (8, 2.5), (20, 9.7), (120, 40.0)])
def test_the_chance_of_a_rise_is_poissons(count: int, expected: float) -> None:
    below = sum(math.exp(-expected) * expected**k / math.factorial(k) for k in range(count))
    assert rise_chance(count, expected) == pytest.approx(1 - below, rel=1e-6, abs=1e-15)
    assert rise_chance(2, 3.0) == 1.0, "no rise: nothing to judge"
