"""How long each export format takes for an incident of a million mentions, and whether its
memory grows with them.

Builds a journal with N mentions (default 1,000,000) that all match one scenario, in one
incident opened, worked (steps, a skip, replies, a lesson) and resolved like a real one, and a
second journal with a tenth of them. Then runs `smwar export` for each format, each in a fresh
process, and prints the seconds and the peak memory (the process's high-water mark) of each,
for both sizes (Linux: it reads /proc).

The baseline is a bare `sqlite3` read of what the CSV and JSON exports write of the mentions:
the same rows (the scenario's matches, in journal order) and the same columns (`MentionRow`'s,
from the first text to the revised one and the score), each row a Python tuple, nothing
written. It is measured just before each export (the load of a shared machine drifts), and the
whole export, from the interpreter's start to the file's rename, is timed against it: in
seconds, and in CPU seconds (all of its threads').

    python benchmarks/export_bench.py [--mentions 1000000] [--formats csv json]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from smwar.clock import ManualClock, to_iso
from smwar.engine.pipeline import Idle
from smwar.engine.review import add_lesson
from smwar.engine.session import Session
from smwar.journal.reading import ROW
from smwar.journal.store import Journal
from smwar.model import JournaledMention, Mention
from smwar.paths import bundled_runbooks_dir
from smwar.runbooks.loader import load_runbook_set
from smwar.triage.decide import Triager

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
FORMATS = ("md", "html", "csv", "json")
TEXTS = [
    "Meine AquaPro ist ausgelaufen, das Bad steht unter Wasser #ElektroMuellerFail",
    "Elektro-Müller washer leaking all over the kitchen floor, water damage everywhere",
    "Waschmaschine von Elektromüller undicht, Wasserschaden im Keller",
    "AquaPro 8 leaking again, third time this month. @elektromueller answer please",
]


def build(path: Path, count: int) -> None:
    """A journal with `count` mentions over four hours in one worked incident."""
    runbooks = load_runbook_set(bundled_runbooks_dir())
    rng = random.Random(count)
    step = timedelta(hours=4) / count
    triager = Triager(runbooks)  # as ingest triages them: once per text, the texts repeat
    verdicts = [
        triager.triage(Mention("mastodon", "x", "@a@example.social", text, T0), (), ["product-defect"])
        for text in TEXTS
    ]
    with Journal.open(path) as journal:
        db = journal._db.conn  # the fastest honest way to fill a journal: one transaction
        mentions = (
            (
                n + 1,
                ("mastodon", "bluesky", "reddit")[n % 3],
                f"post-{n}",
                f"@user{rng.randrange(count // 3 + 1)}@example.social",
                rng.randrange(5000),
                "de",
                f"{TEXTS[n % len(TEXTS)]} https://example.social/@u/{n}",
                to_iso(T0 + step * n),
                to_iso(T0 + step * n),
                "",
                verdicts[n % len(TEXTS)].action,
                verdicts[n % len(TEXTS)].rule,
                ",".join(verdicts[n % len(TEXTS)].request_types),
            )
            for n in range(count)
        )
        with db:
            db.executemany(
                "INSERT INTO mentions (id, network, native_id, author, followers, lang, text, posted_at, "
                "received_at, author_tags, action, action_rule, request_types) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                mentions,
            )
            db.executemany(
                "INSERT INTO matches (mention_id, scenario_id, score, explanation) VALUES (?,?,?,?)",
                ((n + 1, "product-defect", 1.0, "[]") for n in range(count)),
            )
        clock = ManualClock(T0 + timedelta(minutes=5))
        session = Session(journal, runbooks, clock, Idle(), "bench")
        incident = session.desk.open_from_mention(_item(journal, 1), "product-defect", "answer everyone within 2 hours")
        clock.advance(timedelta(minutes=8))
        session.desk.complete_step(incident.id, "notify-pr")
        session.desk.skip_step(incident.id, "facts", "already known from the quality team")
        for mention_id in (10, count // 2, count - 10):
            clock.advance(timedelta(minutes=20))
            reply = "Das tut uns leid, wir melden uns per DM."
            session.desk.record_reply(_item(journal, mention_id), reply, simulated=False)
        clock.advance(timedelta(hours=3))
        session.desk.resolve_incident(incident.id, "statement out, every affected customer answered")
        add_lesson(session, incident.id, "Put the hotline on the status page at once")


def _item(journal: Journal, mention_id: int) -> JournaledMention:
    return journal.mentions(after_id=mention_id - 1, limit=1)[0]


def timed_export(journal: Path, fmt: str, out: Path) -> tuple[float, float, float]:
    """Seconds, CPU seconds and peak MiB of `smwar export` in a process of its own. The peak is
    the child's own high-water mark (VmHWM): rusage would count the memory of this process it
    forked from."""
    peak_file = out.with_suffix(".peak")
    code = (
        "import sys, pathlib\n"
        "from smwar.cli import main\n"
        f"sys.argv = ['smwar', 'export', '1', '--format', '{fmt}', '-o', '{out}', '--run', '{journal}']\n"
        "try:\n    main()\n"
        "finally:\n"
        "    status = pathlib.Path('/proc/self/status').read_text()\n"
        "    hwm = next(line for line in status.splitlines() if line.startswith('VmHWM'))\n"
        f"    pathlib.Path('{peak_file}').write_text(hwm.split()[1])\n"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code], stdout=subprocess.DEVNULL, check=False)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if result.returncode != 0:
        raise SystemExit(f"export --format {fmt} failed with status {result.returncode}")
    return seconds, cpu, int(peak_file.read_text()) / 1024


def bare_read(journal: Path) -> tuple[float, float]:
    """Seconds and CPU seconds of the baseline read."""
    started, cpu = time.perf_counter(), time.process_time()
    db = sqlite3.connect(journal)
    rows = db.execute(
        f"SELECT {ROW} FROM matches x JOIN mentions m ON m.id = x.mention_id "
        "WHERE x.scenario_id = 'product-defect' ORDER BY x.mention_id"
    )
    for _ in rows:
        pass
    db.close()
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=FORMATS, help="only these (default: all)")
    args = parser.parse_args()
    formats = tuple(args.formats)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SMWAR_HOME"] = tmp
        sizes = [args.mentions // 10, args.mentions]
        results: dict[int, dict[str, tuple[float, float]]] = {}
        for count in sizes:
            journal = Path(tmp) / f"bench-{count}.sqlite"
            started = time.perf_counter()
            build(journal, count)
            print(f"built a journal of {count:,} mentions in {time.perf_counter() - started:.1f} s")
            results[count] = {}
            for fmt in formats:
                baseline, baseline_cpu = bare_read(journal)  # just before: the load of a shared machine drifts
                out = Path(tmp) / f"export-{count}.{fmt}"
                seconds, cpu, peak = timed_export(journal, fmt, out)
                results[count][fmt] = (seconds, peak)
                size = out.stat().st_size / 2**20
                print(
                    f"  {fmt:<4}  {seconds:6.2f} s  ({seconds / baseline:5.1f}× the bare read of {baseline:.2f} s)  "
                    f"cpu {cpu:6.2f} s ({cpu / baseline_cpu:4.1f}× its {baseline_cpu:.2f} s)  "
                    f"peak {peak:6.1f} MiB  file {size:7.1f} MiB"
                )
        small, large = sizes
        print(f"\npeak memory, {large:,} against {small:,} mentions (1.0 = does not grow):")
        for fmt in formats:
            ratio = results[large][fmt][1] / results[small][fmt][1]
            goal = "under 10 s" if results[large][fmt][0] < 10 else "OVER 10 s"
            print(f"  {fmt:<4}  {ratio:.2f}   time for {large:,}: {results[large][fmt][0]:.2f} s ({goal})")


if __name__ == "__main__":
    main()
