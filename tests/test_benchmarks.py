"""The benchmark scripts run and print their figures (the figures themselves are not asserted:
speed goals live in benchmarks/, never as timed assertions)."""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"


def load(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # where dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_match_bench_prints_rates_ratio_memory_and_quality(capsys: pytest.CaptureFixture[str]) -> None:
    load("match_bench").main(["--mentions", "2000", "--naive-sample", "100"])
    out = capsys.readouterr().out
    assert re.search(r"smwar matcher: +[\d,]+ mentions/s", out)
    assert re.search(r"naive cdist: +[\d,]+ mentions/s", out)
    assert re.search(r"ratio: +[\d,.]+ x", out)
    assert "peak memory" in out and "peak RSS" in out
    assert "held out" in out
    assert len(re.findall(r"^product-defect +[01]\.\d{3} +[01]\.\d{3} +[01]\.\d{3} +[01]\.\d{3}$", out, re.M)) == 2


def test_ingest_bench_prints_its_rate_the_ceiling_and_memory(capsys: pytest.CaptureFixture[str]) -> None:
    load("ingest_bench").main(["--mentions", "1000", "--workers", "1"])
    out = capsys.readouterr().out
    assert re.search(r"one process: +[\d,]+ mentions/s  \(1,000 read, 9\d\d journaled after dedupe", out)
    assert re.search(r"with 1 worker process: +[\d,]+ mentions/s  \([\d.]+× one process\)", out)
    assert re.search(r"executemany: +[\d,]+ mentions/s", out)
    assert "peak memory (tracemalloc) for 250 mentions" in out and "for 500 mentions" in out


def test_trend_bench_prints_delay_and_false_alarms_next_to_cusum(capsys: pytest.CaptureFixture[str]) -> None:
    load("trend_bench").main(["--days", "2", "--runs", "3"])
    out = capsys.readouterr().out
    found = r"found +\d+/\d+ +(delay median +[\d.]+, mean +[\d.]+ min, +)?false alarms +[\d.]+/day"
    for label in ("smwar", "smwar \\+ plan", r"CUSUM h=[\d.]+", r"CUSUM, min_rise h=[\d.]+"):
        assert len(re.findall(rf"^  {label} +{found}$", out, re.M)) == 4, label
    assert len(re.findall(r"^ +delay smwar \+ plan / CUSUM(, min_rise)?: [\d.]+$", out, re.M)) == 8
    assert "UPS tweets (NAB)" in out and "CVS tweets (NAB)" in out
    assert re.search(r"^  flare: .* short-lived +\d+, sustained +\d+, no verdict +\d+ of 3$", out, re.M)


def test_ruleset_bench_prints_load_and_compile_times_and_their_ratio_to_parsing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    load("ruleset_bench").main(["--terms", "2000"])
    out = capsys.readouterr().out
    assert "Generated: 2,000 terms in 3 files" in out
    for label in ("baseline (tomllib.loads)", "load and check", "compile the rules"):
        assert re.search(rf"^{re.escape(label)}: +[\d.]+ s$", out, re.M), label
    assert re.search(r"^load and compile: +[\d.]+ s  \([\d,]+ terms/s\)$", out, re.M)
    assert re.search(r"^ratio to baseline: +[\d.]+ x$", out, re.M)
