"""How many mentions per second go from a JSONL file into the journal, end to end.

Writes 200,000 mentions (German and English, from the labelled corpus with variations; one in
twenty a repeat that must be deduplicated) to a JSONL file, then pushes them through exactly
what `smwar ingest` runs (and live mode, but for the thread hand-over): the JSONL source (read
and parse) -> the session (dedupe, match against the bundled runbooks, triage and sentiment,
trends, campaigns, early warnings, trigger proposals) -> the journal in batched transactions,
with the clock moving as in a storm of 20 mentions a second. Prints mentions/s — matched in the
ingest process alone, and with the worker processes `smwar ingest` starts by default (one per
further processor; `--workers` sets another count) — and peak memory
(on a quarter and on half of the mentions: it must not grow), next to a plain
`sqlite3.executemany` of the same rows into a bare table measured in the same run, as the
ceiling; and how much of a mention's time end to end its costliest steps take, each measured
alone on a sample: the rule matching (scenarios, request types, early-warning signs) and the
sentiment.

    python benchmarks/ingest_bench.py [--mentions 200000] [--seed 7] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

from smwar.clock import ManualClock
from smwar.config import Config
from smwar.engine.ingest import Handover, ingest_jsonl
from smwar.engine.session import Session
from smwar.journal.store import Journal
from smwar.paths import bundled_runbooks_dir
from smwar.runbooks.loader import load_runbook_set
from smwar.runbooks.matcher import RuleMatcher
from smwar.sources.base import Batch
from smwar.sources.jsonl import mention_from
from smwar.triage.decide import Triager, company_words
from smwar.triage.sentiment import sentiment
from smwar.triage.signals import Signals

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus.jsonl"
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
NETWORKS = ("mastodon", "bluesky", "reddit", "hackernews", "rss")
STORM_RATE = 20  # mentions a second of clock time: a big storm (two trend windows hold 24,000)
STEPS_SAMPLE = 20_000  # mentions the costliest steps are measured on alone


def write_mentions(path: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    texts = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            native = rng.randrange(number) if number and rng.random() < 0.05 else number  # a repeat
            text = f"{rng.choice(texts)} #{native % 997}"
            item = {
                "id": str(native),
                "network": NETWORKS[native % len(NETWORKS)],
                "author": f"@user{native % 5003}@example.social",
                "text": text,
                "lang": rng.choice(("de", "en")),
                "followers": rng.randrange(20_000),
                "posted_at": (T0 + timedelta(seconds=number)).isoformat(),
            }
            out.write(json.dumps(item, ensure_ascii=False) + "\n")


class StormHandover(Handover):
    """Hands batches over and moves the clock as if they arrived at `STORM_RATE` a second, so
    trend windows and campaign spans move on as they would in a long storm."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__()
        self.clock = clock

    def give(self, batch: Batch) -> None:
        super().give(batch)
        self.clock.advance(timedelta(seconds=len(batch.mentions) / STORM_RATE))


def end_to_end(path: Path, journal_path: Path, workers: int = 0) -> tuple[int, int]:
    """(mentions read, mentions journaled) through what `smwar ingest` runs: the JSONL source,
    the session (dedupe, match, triage, trends, campaigns, proposals), the journal; big batches
    shared with `workers` processes (started with the first, as `smwar ingest` does)."""
    runbooks = load_runbook_set(bundled_runbooks_dir())
    with Journal.open(journal_path) as journal:
        clock = ManualClock(T0)
        handover = StormHandover(clock)
        session = Session(journal, runbooks, clock, handover, "bench", workers=workers)
        try:
            done = ingest_jsonl(str(path), session, handover)
        finally:
            session.pipeline.close()
        return done.read, journal.mention_count()


def ceiling(path: Path, db_path: Path) -> int:
    """The same rows with one plain executemany into a bare table: what SQLite alone costs."""
    rows = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            rows.append((item["network"], item["id"], item["author"], item["text"], item["posted_at"]))
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE m (network TEXT, native_id TEXT, author TEXT, text TEXT, posted_at TEXT)")
    db.execute("CREATE UNIQUE INDEX u ON m (network, native_id)")
    with db:
        db.executemany("INSERT OR IGNORE INTO m VALUES (?,?,?,?,?)", rows)
    count = int(db.execute("SELECT COUNT(*) FROM m").fetchone()[0])
    db.close()
    return count


def costliest_steps(path: Path, count: int) -> dict[str, float]:
    """Seconds a mention the costliest steps take alone, on the first `count` mentions (read
    beforehand): matching it against the scenarios, the request types and the early-warning
    signs, and its sentiment."""
    runbooks = load_runbook_set(bundled_runbooks_dir())
    with path.open(encoding="utf-8") as lines:
        mentions = [mention_from(json.loads(line), T0, "") for line in islice(lines, count)]
    matchers = [
        RuleMatcher(runbooks.scenarios, runbooks.deescalation),
        Triager(runbooks).request_types,
        Signals(runbooks, T0, {}).sign_matcher,
    ]
    neutral = company_words(runbooks)
    _, matching = timed(lambda: [matcher.match(mention) for mention in mentions for matcher in matchers])
    _, feeling = timed(lambda: [sentiment(mention.text, mention.lang, neutral) for mention in mentions])
    return {"matching": matching / len(mentions), "sentiment": feeling / len(mentions)}


def timed(run):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = run()
    return result, time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentions", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=Config().ingest_workers(), help="default: as smwar ingest")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source = work / "mentions.jsonl"
        write_mentions(source, args.mentions, args.seed)
        print(f"Generated: {args.mentions:,} mentions ({source.stat().st_size / 2**20:.1f} MiB of JSONL)")
        (read, kept), seconds = timed(lambda: end_to_end(source, work / "journal.sqlite"))
        (shared, _), shared_seconds = timed(lambda: end_to_end(source, work / "shared.sqlite", args.workers))
        bare, bare_seconds = timed(lambda: ceiling(source, work / "bare.sqlite"))
        alone = min(args.mentions, STEPS_SAMPLE)
        steps = costliest_steps(source, alone)
        # memory on a quarter and on a half: streamed in batches, with the trend windows and the
        # campaign clusters full by then, it must not grow with the count
        peaks = {}
        for share in (4, 2):
            sample = work / f"sample-{share}.jsonl"
            write_mentions(sample, args.mentions // share, args.seed)
            tracemalloc.start()
            end_to_end(sample, work / f"memory-{share}.sqlite")
            peaks[args.mentions // share] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    ours, theirs, both = read / seconds, args.mentions / bare_seconds, shared / shared_seconds
    print(f"end to end, one process: {ours:8,.0f} mentions/s  ({read:,} read, {kept:,} journaled after dedupe)")
    workers = f"{args.workers} worker process" + ("" if args.workers == 1 else "es")
    print(f"with {workers}: {both:8,.0f} mentions/s  ({both / ours:.2f}× one process)")
    print(f"executemany:             {theirs:8,.0f} mentions/s  ({bare:,} rows in {bare_seconds:.2f} s: SQLite alone)")
    print(f"end to end is {ours / theirs:.1%} of the ceiling alone, {both / theirs:.1%} with the workers")
    each = seconds / read
    shares = ", ".join(f"{step} {cost * 1e6:,.0f} µs ({cost / each:.0%})" for step, cost in steps.items())
    print(f"of a mention's {each * 1e6:,.0f} µs end to end: {shares}, measured alone on {alone:,} mentions")
    for count, peak in peaks.items():
        print(f"peak memory (tracemalloc) for {count:,} mentions: {peak / 2**20:.1f} MiB")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"process peak RSS: {maxrss / (2**20 if sys.platform == 'darwin' else 2**10):.1f} MiB")


if __name__ == "__main__":
    main()
