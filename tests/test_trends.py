"""Volume trends on series with known change points, as the operator meets them: a real rise is
alarmed soon after it starts, on an empty journal too, a steady stream hardly ever; one alarm
a burst, none while volume falls, none for a handful of mentions; a burst that dies down is
short-lived, one that holds is sustained; the baseline comes from the journal; and the chance
is Poisson's once the rate is known, wider while it is not."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smwar.model import JournaledMention, Match, Mention
from smwar.runbooks.definitions import RunbookSet, Trends
from smwar.runbooks.loader import load_runbook_set
from smwar.triage.signals import OVERALL, SPIKE, Signals
from smwar.triage.trends import FALLING, RISING, SHORT_LIVED, SUSTAINED, Downtime, Trend, Volume, rise_chance

from .test_runbooks import MINIMAL_PLAN, errors_of, scenario, write_set

T0 = datetime(2026, 11, 1, tzinfo=UTC)
SETTINGS = Trends()  # 10-minute window, a day's baseline, alarm below 1e-4, 6 above the usual at least
Rate = Callable[[float], float]  # mentions a minute, by minute


def arrivals(rng: random.Random, rate: Rate, minutes: int) -> list[float]:
    """Poisson arrivals (seconds after T0) at `rate(minute)` a minute."""
    times = []
    for minute in range(minutes):
        at, expected = 0.0, rate(minute)
        while expected > 0 and (at := at + rng.expovariate(expected)) < 1:
            times.append((minute + at) * 60)
    return times


def steps(*phases: tuple[float, float]) -> Rate:
    """(rate a minute, until minute) per phase."""
    return lambda minute: next((rate for rate, until in phases if minute < until), 0.0)


def play(times: list[float], minutes: int, volume: Volume | None = None) -> list[Trend]:
    """Feed the arrivals in and judge the volume once a minute, as the session does (once a second)."""
    volume = volume or Volume(SETTINGS, T0)
    trends, index = [], 0
    for minute in range(minutes + 1):
        while index < len(times) and times[index] <= minute * 60:
            volume.observe(T0 + timedelta(seconds=times[index]))
            index += 1
        trends.append(volume.trend(T0 + timedelta(minutes=minute)))
    return trends


def alarms(trends: list[Trend]) -> list[int]:
    """The minutes an alert is raised: a spike where no burst ran (as `Signals.review` alerts)."""
    return [minute for minute, trend in enumerate(trends) if trend.spike and not (minute and trends[minute - 1].burst)]


def cold(expected: float | None = None) -> Volume:
    """A volume on an empty journal started at T0, with the plan's expected mentions an hour."""
    return Volume(SETTINGS, T0, Downtime.cold(T0.timestamp()), expected)


def test_a_rise_is_alarmed_within_minutes_and_a_steady_stream_almost_never() -> None:
    delays, false_alarms = [], 0
    for seed in range(12):
        rng = random.Random(seed)
        # six steady hours at 1 a minute, then a storm at 4 a minute from minute 360
        trends = play(arrivals(rng, steps((1.0, 360), (4.0, 400)), 400), 400)
        found = alarms(trends)
        false_alarms += sum(1 for minute in found if minute < 360)
        delays.append(next(minute for minute in found if minute >= 360) - 360)
        assert RISING in {trend.direction for trend in trends[360:371]}
    assert max(delays) <= 10, f"alarmed after {delays} minutes"
    assert false_alarms <= 2, f"{false_alarms} false alarms in 72 steady hours"


@pytest.mark.parametrize("expected", [12.0, None])
def test_on_an_empty_journal_a_burst_is_alarmed_as_it_starts(expected: float | None) -> None:
    """The plan expects 12 an hour (or says nothing): 0.2 a minute from the start, and a storm
    of 3 a minute from minute 30. Without the plan's figure the first window is learned first."""
    for seed in range(12):
        rng = random.Random(seed)
        trends = play(arrivals(rng, steps((0.2, 30), (3.0, 90)), 90), 90, cold(expected))
        assert alarms(trends), f"seed {seed}: no alarm"
        assert 30 <= alarms(trends)[0] <= 38, f"seed {seed}: first alarm at minute {alarms(trends)[0]}"


def test_with_the_plans_figure_a_storm_under_way_at_the_start_is_alarmed() -> None:
    """The war room is opened in a storm: what the sources catch up with at the start is no
    alarm, the storm's next minutes are."""
    rng = random.Random(3)
    backlog = [0.0] * 60  # the sources' first pages, all at the start
    trends = play(backlog + arrivals(rng, steps((3.0, 30)), 30), 30, cold(expected=6.0))
    assert alarms(trends) and 2 < alarms(trends)[0] <= 6, alarms(trends)


def test_no_alarm_while_volume_falls_after_a_peak() -> None:
    """A storm of 6 a minute for 20 minutes after four quiet hours, then fewer and fewer (half
    every quarter hour): one alarm as it starts, none on the way down."""
    storm = steps((0.5, 240), (6.0, 260))

    def rate(minute: float) -> float:
        return storm(minute) or 0.5 + 6.0 * 0.5 ** ((minute - 260) / 15)

    for seed in range(12):
        trends = play(arrivals(random.Random(seed), rate, 480), 480)
        assert len(alarms(trends)) == 1 and 240 <= alarms(trends)[0] < 250, f"seed {seed}: {alarms(trends)}"


def test_a_burst_seen_first_while_falling_is_no_alarm() -> None:
    """Back after a restart, the sources catch up for a window; what is left of a flare by
    then is falling, and no rise to alert."""
    history = [T0 - timedelta(hours=6) + timedelta(minutes=n) for n in range(0, 355, 2)]  # 0.5 a minute
    away = Downtime((T0 - timedelta(minutes=5)).timestamp(), T0.timestamp())
    volume = Volume(SETTINGS, T0 - timedelta(hours=6), away)
    volume.seed((), history)
    rng = random.Random(1)
    flare = arrivals(rng, lambda m: 20.0 * 0.5 ** (m / 3) + 0.5, 40)  # at its top at the start
    assert alarms(play(flare, 40, volume)) == []


def test_a_leader_that_took_over_seconds_after_the_last_judges_again_within_minutes() -> None:
    """The leading process died; another took over five seconds later, in the middle of a
    storm's rise. What the sources catch up with is five seconds' worth: the new leader judges
    again after their first pages, not after a whole window."""
    history = [T0 - timedelta(hours=6) + timedelta(minutes=n) for n in range(0, 360, 2)]  # 0.5 a minute
    volume = Volume(SETTINGS, T0 - timedelta(hours=6), Downtime.after(T0.timestamp() - 5, T0.timestamp(), 600))
    volume.seed((), history)
    rising = arrivals(random.Random(3), lambda minute: 0.5 if minute < 3 else 10.0, 12)
    first = alarms(play(rising, 12, volume))[0]
    assert 3 <= first <= 5, f"minute {first}: within two minutes of the rise, not after the window (10)"


@pytest.mark.parametrize("every", [1, 30, 60])
def test_five_mentions_are_no_alarm(every: int) -> None:
    """A quiet scenario (one mention every two hours for a day), then five mentions, `every`
    seconds apart: far beyond the usual, and still only a handful."""
    times = [minute * 60.0 for minute in range(0, 1440, 120)] + [86_400.0 + every * n for n in range(5)]
    trends = play(times, 1470)
    assert min(trend.chance for trend in trends[1440:]) < SETTINGS.alarm, "unlikely enough"
    assert alarms(trends) == []


def test_the_tail_of_a_burst_is_no_new_alarm() -> None:
    """A storm ends; an hour later five stragglers come within ten minutes."""
    rng = random.Random(5)
    rate = steps((0.05, 240), (3.0, 270), (0.05, 480))
    times = sorted(arrivals(rng, rate, 480) + [(330 + rng.uniform(0, 10)) * 60 for _ in range(5)])
    assert [minute // 10 for minute in alarms(play(times, 480))] == [24]


def test_an_alarm_is_raised_once_a_burst_not_every_second(runbooks: RunbookSet) -> None:
    """Signals judged every second, as the pipeline does, through a storm of half an hour."""
    signals = Signals(runbooks, T0, {})  # an empty journal
    rng, raised, number = random.Random(2), [], 0
    times = arrivals(rng, steps((0.1, 120), (4.0, 150), (0.1, 200)), 200)
    for second in range(200 * 60):
        now = T0 + timedelta(seconds=second)
        while number < len(times) and times[number] <= second:
            number += 1
            signals.observe(_matched(number, now), now, set())
        raised += [alert.scenario_id for alert in signals.review(now, set()) if alert.kind == SPIKE]
    assert sorted(raised, key=str) == sorted([None, "product-defect"], key=str), raised
    assert signals.trends[OVERALL].burst is None, "over by the end"


def test_a_storm_minutes_after_the_war_room_started_on_an_empty_journal_is_a_spike(runbooks: RunbookSet) -> None:
    """The bundled plan says what a usual hour brings: a storm three minutes into a fresh
    journal is alarmed within a minute, without waiting for a window of history."""
    signals = Signals(runbooks, T0, {})
    spikes, number = [], 0
    for second in range(300):
        now = T0 + timedelta(seconds=second)
        for _ in range(20 if second >= 180 else second % 30 == 0):  # one every half minute, then 20 a second
            number += 1
            signals.observe(_matched(number, now), now, set())
        spikes += [second for alert in signals.review(now, set()) if alert.kind == SPIKE and alert.scenario_id is None]
    assert spikes and spikes[0] < 240, spikes


def _matched(number: int, at: datetime) -> JournaledMention:
    mention = Mention("mastodon", f"m{number}", f"@u{number}@x.social", f"Waschmaschine undicht, Nummer {number}", at)
    return JournaledMention(number, mention, at, (Match("product-defect", 1.0, ()),))


def test_a_burst_that_dies_down_is_short_lived_and_one_that_holds_is_sustained() -> None:
    rng = random.Random(7)
    flare = play(arrivals(rng, steps((1.0, 240), (12.0, 244), (1.0, 300)), 300), 300)
    storm = play(arrivals(rng, steps((1.0, 240), (6.0, 280)), 280), 280)
    assert {trend.burst for trend in flare[250:]} >= {SHORT_LIVED}
    assert SUSTAINED not in {trend.burst for trend in flare}
    assert storm[255].burst == SUSTAINED and SHORT_LIVED not in {trend.burst for trend in storm[240:]}
    assert flare[-1].burst is None, "the burst ended a window after volume came back to the usual"
    assert FALLING in {trend.direction for trend in flare[244:256]}


def test_the_baseline_is_what_the_history_shows() -> None:
    """The same twelve mentions in ten minutes: a spike for a quiet stream, normal for a busy one."""
    burst = [T0 + timedelta(hours=6, seconds=50 * n) for n in range(12)]
    quiet, busy = Volume(SETTINGS, T0), Volume(SETTINGS, T0)
    quiet.seed((), (T0 + timedelta(minutes=30 * n) for n in range(12)))  # two an hour, as times
    busy.seed((T0 + timedelta(minutes=n), 3 if n % 2 else 0) for n in range(360))  # 1.5 a minute, as counts
    for at in burst:
        quiet.observe(at)
        busy.observe(at)
    now = burst[-1] + timedelta(seconds=1)
    assert quiet.trend(now).spike and not busy.trend(now).spike
    assert busy.trend(now).expected == pytest.approx(15, rel=0.2)


def test_without_the_plans_figure_a_window_is_learned_first_and_the_runbook_thresholds_apply() -> None:
    fresh = Volume(SETTINGS, T0)
    for second in range(0, 300, 10):
        fresh.observe(T0 + timedelta(seconds=second))
    assert not fresh.trend(T0 + timedelta(minutes=5)).spike, "a spike needs a window of history"
    strict = Volume(Trends(min_rise=40), T0)
    lax = Volume(Trends(min_rise=5), T0)
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
def test_the_chance_of_a_rise_is_poissons_once_the_rate_is_known(count: int, expected: float) -> None:
    below = sum(math.exp(-expected) * expected**k / math.factorial(k) for k in range(count))
    assert rise_chance(count, expected) == pytest.approx(1 - below, rel=1e-6, abs=1e-15)
    assert rise_chance(count, expected, 1e7) == pytest.approx(1 - below, rel=1e-3, abs=1e-15)
    assert rise_chance(2, 3.0) == 1.0, "no rise: nothing to judge"


@pytest.mark.parametrize(("count", "expected", "windows"), [(8, 2.5, 1.0), (20, 9.7, 6.0), (5, 0.4, 0.25)])
def test_while_the_rate_is_little_known_the_chance_is_negative_binomial(
    count: int, expected: float, windows: float
) -> None:
    shape, success = expected * windows, windows / (windows + 1)

    def mass(k: int) -> float:
        return (
            math.exp(math.lgamma(k + shape) - math.lgamma(shape) - math.lgamma(k + 1))
            * success**shape
            * (1 - success) ** k
        )

    assert rise_chance(count, expected, windows) == pytest.approx(1 - sum(mass(k) for k in range(count)), rel=1e-6)
    assert rise_chance(count, expected, windows) > rise_chance(count, expected), "less known, less surprising"


def test_the_plans_expected_volume_is_checked_with_its_line(tmp_path: Path) -> None:
    def plan(figures: str) -> str:
        return f"{MINIMAL_PLAN}[trends]\nexpected = {{ {figures} }}\n"

    good = write_set(tmp_path / "good", plan=plan("all = 30, leaks = 2"), leaks=scenario())
    assert load_runbook_set(good).trends.expected == {"all": 30.0, "leaks": 2.0}
    [error] = errors_of(write_set(tmp_path / "zero", plan=plan("leaks = 0"), leaks=scenario()))
    assert "trends.expected.leaks" in error and "greater than 0" in error
    unknown = write_set(tmp_path / "unknown", plan=plan("all = 30, leak = 2"), leaks=scenario())
    [error] = errors_of(unknown)
    assert error.startswith(f"{unknown / 'plan.toml'}:4: expected: no scenario with id 'leak'"), error
