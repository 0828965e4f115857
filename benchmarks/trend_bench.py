"""The spike detector next to CUSUM on the same series: how soon each alarms after a burst
starts, and how often it alarms for nothing.

Series, each starting on an empty journal (a cold start) and judged once a minute:

* real: two streams of tweets mentioning a company (Numenta Anomaly Benchmark, realTweets: UPS,
  about 1.1 a minute, and CVS, about 0.07 a minute: a brand's volume and a scenario's; see
  tests/fixtures/nab/SOURCES.md), 55 days each with their real days, nights, weekends, news
  and noise. Each five-minute count is spread at random over its five minutes. Bursts of
  known start are added every 2.5 days, 7 hours later in the day each time, in turn a storm,
  a slow ramp and a flare (below); the first 45 minutes after the start. What NAB labels as
  real anomalies (a day or two each) is not scored: their start is not known.
* synthetic, following the day of the UPS series (its mean for each hour of the day, the
  busiest tenth of five-minute counts left out): a brand at 1 a minute and a scenario at 0.03
  a minute, 14 days each, with the same bursts and, every six hours or so, a handful (five
  mentions within ten minutes: a short thread) that no one needs an alarm for.

Bursts, in mentions a minute on top of the stream (`size` at the top): a storm holds for an
hour, then halves every 15 minutes; a slow ramp grows for 90 minutes, holds for half an hour
and halves every 20; a flare is three times `size` for four minutes and halves every 10 — it
falls off at once and leaves a long tail. A burst lasts until what it adds is below a
twentieth of `size`.

An alarm is what the war room alerts: for `smwar`, a spike where no burst ran (as Signals
raises it), once without the plan's figure and once with `expected` set to the stream's mean
("+ plan"). `CUSUM` is Page's one-sided CUSUM for Poisson counts a minute (Lucas 1985):
S = max(0, S + x log(l1/l0) - (l1 - l0)), alarm when S reaches h, a new alarm once S stayed
below h for a window. It runs on the same baseline as smwar + plan (the rate l0 smwar learns,
its prior included, and no judgement where smwar has none), tuned to a rise to twice the
usual or by `min_rise` a window, whichever is more, and its h is the lowest that raises no
more false alarms a day than smwar + plan on the same series: the delays are compared at
equal false alarms. `CUSUM, min_rise` alarms only once the last window holds `min_rise` above
the usual, as smwar does. CUSUM is written here: ruptures, the well-kept change-point library,
segments a whole series after the fact and cannot say when an alarm would have come; the
online ones on PyPI (bocd, bocpd, changepoint-online…) are small packages with few releases,
and Poisson CUSUM is ten lines, the textbook rule for a rise of known size.

Printed per series and detector: the bursts found (a burst is missed without an alarm before
it ends), the delay from a burst's start to its first alarm, and the false alarms a day
(alarms outside bursts, and every alarm of a burst after its first: one while it dies down is
one the operator did not need); then the delays of smwar + plan over CUSUM's, added up over
all bursts (a missed burst counting as its whole length): below 1, smwar is the quicker.

    python benchmarks/trend_bench.py [--days 55] [--alarm 0.0001] [--runs 50]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from smwar.runbooks.definitions import Trends
from smwar.triage.trends import COLD_CATCH_UP, SHORT_LIVED, SUSTAINED, Downtime, Volume

NAB = Path(__file__).parent.parent / "tests" / "fixtures" / "nab"
T0 = datetime(2026, 11, 1, tzinfo=UTC)
DAY = 1440
FIRST_BURST = 45  # minutes after the cold start
BURST_EVERY = DAY * 5 // 2
HOUR_STEP = 7  # hours the next burst's start moves on (so every hour of the day gets its turn)
HANDFUL_EVERY = 360  # minutes between handfuls in the synthetic series, on average
H_GRID = [round(0.5 * 1.15**step, 2) for step in range(36)]  # CUSUM thresholds tried


@dataclass(frozen=True, slots=True)
class Burst:
    shape: str
    start: int  # minute
    size: float  # mentions a minute added at the top

    def rate(self, minute: float) -> float:
        """Mentions a minute added `minute` minutes after the start."""
        if minute < 0:
            return 0.0
        if self.shape == "storm":
            return self.size * (1.0 if minute < 60 else 0.5 ** ((minute - 60) / 15))
        if self.shape == "ramp":
            if minute < 90:
                return self.size * minute / 90
            return self.size * (1.0 if minute < 120 else 0.5 ** ((minute - 120) / 20))
        return 3 * self.size * (1.0 if minute < 4 else 0.5 ** ((minute - 4) / 10))

    @property
    def end(self) -> int:
        """The minute the added rate falls below a twentieth of `size` for good."""
        tail = {"storm": 60 + 15 * math.log2(20), "ramp": 120 + 20 * math.log2(20), "flare": 4 + 10 * math.log2(60)}
        return self.start + math.ceil(tail[self.shape])


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    times: list[float]  # arrival seconds after T0
    minutes: int
    bursts: list[Burst]
    mean: float  # mentions a minute of the stream, without the bursts added
    left_out: list[tuple[int, int]]  # minutes not scored (a real anomaly of unknown start)


def nab(name: str) -> tuple[list[int], list[tuple[int, int]]]:
    """A realTweets series' five-minute counts and its labelled anomaly windows (in minutes)."""
    lines = (NAB / f"Twitter_volume_{name}.txt").read_text(encoding="utf-8").splitlines()
    first = datetime.fromisoformat(lines[0].removeprefix("# "))
    windows = json.loads((NAB / "combined_windows.json").read_text(encoding="utf-8"))

    def minute(at: str) -> int:
        return int((datetime.fromisoformat(at) - first).total_seconds() // 60)

    labelled = [(minute(low), minute(high)) for low, high in windows[f"realTweets/Twitter_volume_{name}.csv"]]
    return [int(count) for count in lines[1:]], labelled


def diurnal() -> list[float]:
    """The UPS series' mean per hour of the day relative to its mean, the busiest tenth of the
    five-minute counts (its bursts) left out."""
    counts, _ = nab("UPS")
    cut = sorted(counts)[int(0.9 * len(counts))]
    hours: list[list[int]] = [[] for _ in range(24)]
    for index, count in enumerate(counts):
        if count <= cut:
            hours[(21 + (42 + index * 5) // 60) % 24].append(count)  # the series starts at 21:42
    means = [statistics.fmean(hour) for hour in hours]
    overall = statistics.fmean(means)
    return [mean / overall for mean in means]


def bursts(minutes: int, size: float, avoid: list[tuple[int, int]]) -> list[Burst]:
    """A storm, a ramp, a flare, in turn: the first at FIRST_BURST, then every 2.5 days, HOUR_STEP
    hours later in the day each time; none where `avoid` says."""
    found, start, shapes = [], FIRST_BURST, ["storm", "ramp", "flare"]
    while start < minutes - DAY // 2:
        burst = Burst(shapes[len(found) % 3], start, size)
        if not any(low - DAY // 2 <= burst.end and burst.start <= high for low, high in avoid):
            found.append(burst)
        start += BURST_EVERY + HOUR_STEP * 60
    return found


def poisson(rng: random.Random, rate: Callable[[int], float], minutes: int) -> list[float]:
    """Arrival seconds of a Poisson stream whose rate a minute is `rate(minute)`."""
    times = []
    for minute in range(minutes):
        expected = rate(minute)
        at = 0.0
        while expected > 0 and (at := at + rng.expovariate(expected)) < 1:
            times.append((minute + at) * 60)
    return times


def added(rng: random.Random, stream: list[float], found: list[Burst], minutes: int) -> list[float]:
    extra = poisson(rng, lambda minute: sum(burst.rate(minute - burst.start + 0.5) for burst in found), minutes)
    return sorted(stream + extra)


def real_series(name: str, size: float, days: int) -> Series:
    counts, labelled = nab(name)
    counts = counts[: days * DAY // 5]
    rng = random.Random(name)
    stream = sorted((index * 5 + rng.random() * 5) * 60 for index, count in enumerate(counts) for _ in range(count))
    minutes = len(counts) * 5
    found = bursts(minutes, size, labelled)
    mean = statistics.fmean(counts) / 5
    return Series(f"{name} tweets (NAB)", added(rng, stream, found, minutes), minutes, found, mean, labelled)


def synthetic_series(name: str, mean: float, size: float, days: int, day: list[float]) -> Series:
    """A stream at `mean` a minute following `day`, with bursts of `size`, and a handful (five
    mentions in ten minutes: a short thread, a quoted post) every HANDFUL_EVERY minutes or so
    outside them."""
    rng = random.Random(name)
    minutes = days * DAY
    stream = poisson(rng, lambda minute: mean * day[(minute // 60) % 24], minutes)
    found = bursts(minutes, size, [])
    at = rng.uniform(0, HANDFUL_EVERY)
    while at < minutes - 10:
        if not any(burst.start - 10 <= at <= burst.end for burst in found):
            stream += [(at + rng.uniform(0, 10)) * 60 for _ in range(5)]
        at += rng.uniform(0.5, 1.5) * HANDFUL_EVERY
    return Series(name, added(rng, stream, found, minutes), minutes, found, mean, [])


def smwar(series: Series, settings: Trends, expected: float | None) -> tuple[list[int], list[float]]:
    """The minutes smwar alerts a spike (a burst starts), and the rate it expects each minute."""
    volume = Volume(settings, T0, Downtime.cold(T0.timestamp()), expected)
    alarms, usual, index, times, bursting = [], [], 0, series.times, False
    for minute in range(series.minutes):
        while index < len(times) and times[index] <= minute * 60:
            volume.observe(T0 + timedelta(seconds=times[index]))
            index += 1
        trend = volume.trend(T0 + timedelta(minutes=minute))
        if trend.spike and not bursting:
            alarms.append(minute)
        bursting = trend.burst is not None
        usual.append(trend.expected / (settings.window.total_seconds() / 60))
    return alarms, usual


def cusum(series: Series, settings: Trends, usual: list[float], h: float, floor: bool) -> list[int]:
    """The minutes Page's CUSUM for Poisson counts raises an alarm: S = max(0, S + x log(l1/l0)
    - (l1 - l0)) on the counts a minute x, with l0 the usual rate and l1 the rise it is tuned to;
    with `floor`, only once the last window holds `min_rise` more than the usual, as smwar asks.
    Nothing is judged while the sources catch up after the start, as in smwar."""
    window = round(settings.window.total_seconds() / 60)
    counts = [0] * series.minutes
    for at in series.times:
        if int(at // 60) < series.minutes:
            counts[int(at // 60)] += 1
    alarms, score, below, last, raised = [], 0.0, window, 0, False
    for minute in range(series.minutes):
        last += counts[minute] - (counts[minute - window] if minute >= window else 0)
        if minute * 60 < COLD_CATCH_UP:
            continue
        low = usual[minute]
        high = max(2 * low, low + settings.min_rise / window)
        score = max(0.0, score + counts[minute] * math.log(high / low) - (high - low))
        if score < h:
            below += 1
            continue
        raised = raised and below < window  # a new alarm once S stayed below h for a window
        below = 0
        if not raised and (not floor or last >= low * window + settings.min_rise):
            alarms.append(minute + 1)  # the minute's count is known at its end
            raised = True
    return alarms


@dataclass(frozen=True, slots=True)
class Score:
    delays: dict[int, int]  # minutes to the first alarm, by the burst's start
    false_per_day: float

    def censored(self, bursts: list[Burst]) -> int:
        """The delays added up over all bursts, a missed one counting as its whole length."""
        return sum(self.delays.get(burst.start, burst.end - burst.start) for burst in bursts)

    def row(self, label: str, total: int) -> str:
        found = f"  {label:<20} found {len(self.delays):2}/{total:<2}"
        if not self.delays:
            return f"{found} {'':>35} false alarms {self.false_per_day:5.2f}/day"
        delays = list(self.delays.values())
        return (
            f"{found}  delay median {statistics.median(delays):5.1f}, mean {statistics.fmean(delays):5.1f} min,"
            f"  false alarms {self.false_per_day:5.2f}/day"
        )


def score(series: Series, alarms: list[int]) -> Score:
    left_out = series.left_out
    counted = [minute for minute in alarms if not any(low <= minute <= high for low, high in left_out)]
    delays, false = {}, 0
    for minute in counted:
        burst = next((burst for burst in series.bursts if burst.start <= minute <= burst.end), None)
        if burst is None or any(burst.start <= earlier < minute for earlier in counted):
            false += 1
        else:
            delays[burst.start] = minute - burst.start
    scored = series.minutes - sum(min(high, series.minutes) - low for low, high in left_out if low < series.minutes)
    return Score(delays, false / (scored / DAY))


def compare(series: Series, settings: Trends) -> list[str]:
    total, plan = len(series.bursts), series.mean * 60
    lines = [f"{series.name}: {series.minutes / DAY:.0f} days at {series.mean:.2f}/min, bursts added: {total}"]
    bare, _ = smwar(series, settings, None)
    alarms, usual = smwar(series, settings, plan)
    lines.append(score(series, bare).row("smwar", total))
    ours = score(series, alarms)
    lines.append(ours.row("smwar + plan", total))
    for label, floor in (("CUSUM", False), ("CUSUM, min_rise", True)):
        for h in H_GRID:
            theirs = score(series, cusum(series, settings, usual, h, floor))
            if theirs.false_per_day <= ours.false_per_day:
                break
        lines.append(theirs.row(f"{label} h={h:g}", total))
        ratio = ours.censored(series.bursts) / max(theirs.censored(series.bursts), 1)
        lines.append(f"  {'':20} delay smwar + plan / {label}: {ratio:.2f}")
    return lines


def shapes(settings: Trends, runs: int) -> list[str]:
    """How flares (a few minutes of storm) and storms (the rate stays up) are called."""
    lines = ["burst shapes (after four quiet hours at 1/min):"]
    rng = random.Random("shapes")
    for name, rate in (
        ("flare: 12/min for 4 min", lambda minute: 12.0 if 240 <= minute < 244 else 1.0),
        ("storm: 6/min from then on", lambda minute: 6.0 if minute >= 240 else 1.0),
    ):
        verdicts: dict[str | None, int] = {SHORT_LIVED: 0, SUSTAINED: 0, None: 0}
        for _ in range(runs):
            volume, index, times, verdict = Volume(settings, T0), 0, poisson(rng, rate, 291), None
            for minute in range(291):
                while index < len(times) and times[index] <= minute * 60:
                    volume.observe(T0 + timedelta(seconds=times[index]))
                    index += 1
                trend = volume.trend(T0 + timedelta(minutes=minute))
                if minute >= 240 and trend.burst in (SHORT_LIVED, SUSTAINED) and verdict is None:
                    verdict = trend.burst
            verdicts[verdict] += 1
        lines.append(
            f"  {name:26} short-lived {verdicts[SHORT_LIVED]:3}, sustained {verdicts[SUSTAINED]:3}, "
            f"no verdict {verdicts[None]:3} of {runs}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=55, help="of each real series (14 of each synthetic one at most)")
    parser.add_argument("--alarm", type=float, default=Trends().alarm)
    parser.add_argument("--runs", type=int, default=50, help="of each burst shape")
    args = parser.parse_args(argv)
    settings = Trends(alarm=args.alarm)
    started = time.perf_counter()
    print(
        f"spike detection on a cold journal, judged once a minute: smwar (alarm {args.alarm:g}, "
        f"min_rise {settings.min_rise:g}) and CUSUM at no more false alarms a day"
    )
    day, synthetic_days = diurnal(), min(args.days, 14)
    for series in (
        real_series("UPS", 3.0, args.days),
        real_series("CVS", 1.0, args.days),
        synthetic_series("brand, UPS's day", 1.0, 3.0, synthetic_days, day),
        synthetic_series("scenario, UPS's day", 0.03, 1.0, synthetic_days, day),
    ):
        print("\n".join(compare(series, settings)))
    print("\n".join(shapes(settings, args.runs)))
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
