"""How fast the spike detector sees a real rise, and how often it cries wolf.

Synthetic Poisson series with a known change point: six steady hours at a base rate, then the
rate multiplies. The detector (`smwar.triage.trends.Volume`, judged once a minute as the
session does) is run on many seeded series per case; printed per case: how many changes it
found within 30 minutes, the median and 90th-percentile delay after the change, and false
alarms per day of steady stream (a burst starting before the change). Next to it, measured on
the very same series, the rule of thumb it replaces: "alarm when the last 10 minutes hold
twice the mean of the hour before (and at least 5)". Then the burst shapes: flares (a few
minutes of storm) and storms (the rate stays up), and how often each is called short-lived
or sustained.

    python benchmarks/trend_bench.py [--runs 200] [--alarm 0.001]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from bisect import bisect_left
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from smwar.runbooks.definitions import Trends
from smwar.triage.trends import SHORT_LIVED, SUSTAINED, Volume

T0 = datetime(2026, 11, 1, tzinfo=UTC)
STEADY_MINUTES = 360
AFTER_MINUTES = 30
CASES = [(0.5, 4.0), (1.0, 3.0), (2.0, 2.0), (5.0, 1.5), (10.0, 1.5)]  # (base per minute, factor)


def series(rng: random.Random, phases: list[tuple[float, float]]) -> list[float]:
    """Arrival seconds of a Poisson stream: (rate per minute, until minute) per phase."""
    times, start = [], 0.0
    for rate, until in phases:
        at = start
        while (at := at + rng.expovariate(rate / 60)) < until * 60:
            times.append(at)
        start = until * 60
    return times


def detector(settings: Trends) -> Callable[[list[float], int], list[bool]]:
    def judge(times: list[float], minutes: int) -> list[bool]:
        volume, flags, index = Volume(settings, T0), [], 0
        for minute in range(minutes + 1):
            while index < len(times) and times[index] <= minute * 60:
                volume.observe(T0 + timedelta(seconds=times[index]))
                index += 1
            flags.append(volume.trend(T0 + timedelta(minutes=minute)).spike)
        return flags

    return judge


def rule_of_thumb(times: list[float], minutes: int) -> list[bool]:
    flags = []
    for minute in range(minutes + 1):
        now = minute * 60

        def count(start: float, end: float) -> int:
            return bisect_left(times, end) - bisect_left(times, start)

        recent = count(now - 600, now)
        hour = count(now - 4200, now - 600) / 6
        flags.append(minute >= 70 and recent >= 5 and recent >= 2 * max(hour, 0.5))
    return flags


def onsets(flags: list[bool]) -> list[int]:
    """The minutes where an alarm episode starts (a new one after 10 quiet minutes)."""
    found, last = [], None
    for minute, flag in enumerate(flags):
        if flag:
            if last is None or minute - last > 10:
                found.append(minute)
            last = minute
    return found


def judge_case(judge: Callable[[list[float], int], list[bool]], runs: list[list[float]]) -> str:
    delays, false_alarms, total = [], 0, STEADY_MINUTES + AFTER_MINUTES
    for times in runs:
        starts = onsets(judge(times, total))
        false_alarms += sum(1 for minute in starts if 70 <= minute < STEADY_MINUTES)
        found = [minute - STEADY_MINUTES for minute in starts if minute >= STEADY_MINUTES]
        if found:
            delays.append(found[0])
    per_day = false_alarms / (len(runs) * (STEADY_MINUTES - 70) / 1440)
    if not delays:
        return f"found 0/{len(runs)}, false alarms {per_day:5.2f}/day"
    p90 = sorted(delays)[int(0.9 * (len(delays) - 1))]
    return (
        f"found {len(delays):3}/{len(runs)}, delay median {statistics.median(delays):4.1f} min, "
        f"p90 {p90:4.1f} min, false alarms {per_day:5.2f}/day"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--alarm", type=float, default=Trends().alarm)
    args = parser.parse_args(argv)
    settings = Trends(alarm=args.alarm)
    ours = detector(settings)
    started = time.perf_counter()
    print(f"spike detection: Poisson test, alarm {args.alarm:g}, window 10 min; {args.runs} series per case")
    for base, factor in CASES:
        rng = random.Random(f"{base}-{factor}")
        phases = [(base, STEADY_MINUTES), (base * factor, STEADY_MINUTES + AFTER_MINUTES)]
        runs = [series(rng, phases) for _ in range(args.runs)]
        print(f"  {base:4.1f}/min x{factor}:")
        print(f"    smwar        {judge_case(ours, runs)}")
        print(f"    2x last hour {judge_case(rule_of_thumb, runs)}")
    print("burst shapes (after a quiet four hours at 1/min):")
    rng = random.Random("shapes")
    for name, phases in (
        ("flare: 12/min for 4 min", [(1.0, 240), (12.0, 244), (1.0, 290)]),
        ("storm: 6/min from then on", [(1.0, 240), (6.0, 290)]),
    ):
        verdicts = {SHORT_LIVED: 0, SUSTAINED: 0, None: 0}
        for _ in range(args.runs):
            volume, index, times, verdict = Volume(settings, T0), 0, series(rng, phases), None
            for minute in range(291):
                while index < len(times) and times[index] <= minute * 60:
                    volume.observe(T0 + timedelta(seconds=times[index]))
                    index += 1
                trend = volume.trend(T0 + timedelta(minutes=minute))
                if minute >= 240 and trend.burst in (SHORT_LIVED, SUSTAINED) and verdict is None:
                    verdict = trend.burst
            verdicts[verdict] += 1
        print(
            f"  {name:26} short-lived {verdicts[SHORT_LIVED]:3}, sustained {verdicts[SUSTAINED]:3}, "
            f"no verdict {verdicts[None]:3} of {args.runs}"
        )
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
