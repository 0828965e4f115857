"""A storm's big batches are matched and triaged on every processor: worker processes beside
the ingest process take shares of a batch. What they journal is what one process alone would,
a worker that dies loses nothing, and no worker outlives the process that started it."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from smwar.cli import main
from smwar.clock import ManualClock
from smwar.engine.assessing import PART, SHARED_FROM
from smwar.engine.ingest import Handover, ingest_jsonl
from smwar.engine.pipeline import Intake
from smwar.engine.session import Session
from smwar.journal.store import Journal
from smwar.model import Mention
from smwar.paths import config_file
from smwar.runbooks.definitions import RunbookSet

from .tools.journals import full_disk_at

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")

CORPUS = Path(__file__).parent / "data" / "corpus.jsonl"
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def storm(path: Path, count: int, first: int = 0) -> Path:
    """`count` mentions of the labelled corpus (German and English, matching and not) as JSON Lines."""
    rng = random.Random(count + first)
    texts = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    with path.open("w", encoding="utf-8") as out:
        for number in range(first, first + count):
            item = {
                "id": str(number),
                "network": "mastodon",
                "author": f"@user{number % 97}@example.social",
                "text": rng.choice(texts),
                "lang": rng.choice(("de", "en")),
                "followers": rng.randrange(50_000),
                "posted_at": (T0 + timedelta(seconds=number)).isoformat(),
            }
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    return path


def descendants(pid: int) -> set[int]:
    """The processes below `pid`, read from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        parents[int(stat.parent.name)] = int(fields[1])
    below, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        children = {child for child, of in parents.items() if of == parent}
        below |= children
        todo += children
    return below


def journaled(path: Path) -> list[tuple[object, ...]]:
    """What the journal says of each mention: its text, the scenarios it matched (with their
    scores and the words that decided) and its triage."""
    with Journal.open(path) as journal:
        return [
            (item.mention.native_id, item.mention.text, item.matches, item.author_tags, item.triage)
            for item in journal.mentions()
        ]


def ingested(source: Path, journal_path: Path, runbooks: RunbookSet, workers: int) -> Session:
    with Journal.open(journal_path) as journal:
        handover = Handover()
        session = Session(journal, runbooks, ManualClock(T0), handover, "test", workers=workers)
        try:
            ingest_jsonl(str(source), session, handover)
        finally:
            session.pipeline.close()
    return session


def test_a_storm_shared_with_worker_processes_is_journaled_as_one_process_alone_would(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    source = storm(tmp_path / "storm.jsonl", 3 * SHARED_FROM)
    before = descendants(os.getpid())
    with Journal.open(tmp_path / "shared.sqlite") as journal:
        handover = Handover()
        session = Session(journal, runbooks, ManualClock(T0), handover, "test", workers=2)
        ingest_jsonl(str(source), session, handover)
        workers = descendants(os.getpid()) - before
        session.pipeline.close()
    assert len(workers) >= 2, "the batch was shared with worker processes"
    ingested(source, tmp_path / "alone.sqlite", runbooks, workers=0)
    shared, alone = journaled(tmp_path / "shared.sqlite"), journaled(tmp_path / "alone.sqlite")
    assert len(shared) == 3 * SHARED_FROM
    assert shared == alone
    assert any(matches for _, _, matches, _, _ in shared), "the storm matched scenarios"
    assert {triage.action for *_, triage in shared if triage} >= {"respond", "ignore"}


def test_a_shared_batch_cut_short_keeps_its_cursor_back_and_is_journaled_once_when_taken_again(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    """A shared batch is journaled a part at a time, while the worker assesses the next part,
    and the source's cursor goes with the last part. A batch the journal fails part-way (a
    real SQLite error) is handed back to the source: the journal holds its first parts, the
    cursor stays where it was, and taken again every mention is journaled once."""
    path = tmp_path / "journal.sqlite"
    texts = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    count = 3 * SHARED_FROM
    mentions = [
        Mention("mastodon", str(n), f"@user{n % 97}@example.social", texts[n % len(texts)], T0 + timedelta(seconds=n))
        for n in range(count)
    ]
    failing = str(2 * PART + 1)  # in the third part
    with Journal.open(path) as journal:
        handover = Handover()
        session = Session(journal, runbooks, ManualClock(T0), handover, "test", workers=1)
        try:
            with full_disk_at(path, failing):
                handover.pending.append(Intake(list(mentions), {"storm": "all"}))
                with pytest.raises(sqlite3.DatabaseError, match="disk is full"):
                    session.pipeline.poll()
                assert journal.mention_count() == 2 * PART, "the parts before the failing one were journaled"
                assert journal.cursors() == {}, "the cursor goes with the last part"
                assert len(handover.pending) == 1, "the batch was handed back"
            update = session.pipeline.poll()
        finally:
            session.pipeline.close()
        assert len(update.mentions) == count - 2 * PART
        assert sorted(int(item.mention.native_id) for item in journal.mentions()) == list(range(count))
        assert journal.cursors() == {"storm": "all"}


def test_a_worker_that_dies_loses_nothing_and_the_next_batch_is_shared_again(
    tmp_path: Path, runbooks: RunbookSet, caplog: pytest.LogCaptureFixture
) -> None:
    first, second, third = (
        storm(tmp_path / f"{name}.jsonl", SHARED_FROM * 2, first=index * SHARED_FROM * 2)
        for index, name in enumerate(("first", "second", "third"))
    )
    before = descendants(os.getpid())
    with Journal.open(tmp_path / "journal.sqlite") as journal:
        handover = Handover()
        session = Session(journal, runbooks, ManualClock(T0), handover, "test", workers=1)
        try:
            ingest_jsonl(str(first), session, handover)
            started = descendants(os.getpid()) - before
            assert started, "the first batch started a worker"
            for pid in started:
                os.kill(pid, signal.SIGKILL)
            ingest_jsonl(str(second), session, handover)
            assert "a worker process ended" in caplog.text
            ingest_jsonl(str(third), session, handover)
            assert descendants(os.getpid()) - before - started, "new workers took the third batch"
        finally:
            session.pipeline.close()
        assert journal.mention_count() == 6 * SHARED_FROM
    ingested(first, tmp_path / "alone.sqlite", runbooks, workers=0)
    ingested(second, tmp_path / "alone.sqlite", runbooks, workers=0)
    ingested(third, tmp_path / "alone.sqlite", runbooks, workers=0)
    assert [row[:3] for row in journaled(tmp_path / "journal.sqlite")] == [
        row[:3] for row in journaled(tmp_path / "alone.sqlite")
    ]


OWNER = """
import sys, time
from datetime import UTC, datetime
from pathlib import Path
from smwar.clock import ManualClock
from smwar.engine.ingest import Handover, ingest_jsonl
from smwar.engine.pipeline import Intake
from smwar.engine.session import Session
from smwar.journal.store import Journal
from smwar.model import Mention
from smwar.paths import bundled_runbooks_dir
from smwar.runbooks.loader import load_runbook_set

if __name__ == "__main__":
    with Journal.open(Path(sys.argv[2])) as journal:
        handover = Handover()
        runbooks = load_runbook_set(bundled_runbooks_dir())
        session = Session(journal, runbooks, ManualClock(datetime.now(UTC)), handover, "t", workers=2)
        ingest_jsonl(sys.argv[1], session, handover)
        print("assessed", flush=True)
        time.sleep(60)
"""


def test_no_worker_outlives_the_ingest_process_that_started_it(tmp_path: Path) -> None:
    source = storm(tmp_path / "storm.jsonl", 2 * SHARED_FROM)
    script = tmp_path / "owner.py"
    script.write_text(OWNER, encoding="utf-8")
    owner = subprocess.Popen(
        [sys.executable, str(script), str(source), str(tmp_path / "journal.sqlite")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert owner.stdout is not None and owner.stdout.readline().strip() == b"assessed"
        workers = descendants(owner.pid)
        assert workers, "the ingest process started workers"
    finally:
        owner.kill()  # SIGKILL: nothing of its own runs to end them
        owner.wait()
    deadline = time.monotonic() + 10
    while (alive := [pid for pid in workers if Path(f"/proc/{pid}").exists() and not _zombie(pid)]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.1)
    assert not alive, "every worker ended with the process that started it"


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ("-1", "workers: Input should be greater than or equal to 0"),
        ('"many"', "workers: Input should be a valid integer"),
    ],
)
def test_a_wrong_workers_setting_names_its_line_and_ingests_nothing(tmp_path: Path, setting: str, said: str) -> None:
    config_file().parent.mkdir(parents=True)
    config_file().write_text(f'operator = "Anna"\nworkers = {setting}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", str(storm(tmp_path / "storm.jsonl", 10))])
    assert result.exit_code != 0
    assert f"{config_file()}:2: {said}" in result.output, result.output
    assert not (tmp_path / "home" / "data" / "live.sqlite").exists()


def test_smwar_ingest_with_workers_journals_a_storm_as_without(tmp_path: Path) -> None:
    source = storm(tmp_path / "storm.jsonl", 2 * SHARED_FROM)
    config_file().parent.mkdir(parents=True)
    for workers in (1, 0):
        config_file().write_text(f'workers = {workers}\njournal = "sqlite:{tmp_path / f"w{workers}.sqlite"}"\n')
        result = CliRunner().invoke(main, ["ingest", str(source)])
        assert f"{2 * SHARED_FROM} mentions read, {2 * SHARED_FROM} new in the journal" in result.output, result.output
    assert journaled(tmp_path / "w1.sqlite") == journaled(tmp_path / "w0.sqlite")
