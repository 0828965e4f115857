"""The screen never waits for the pipeline: while another thread holds the journal's write
transaction open (the pipeline journaling a batch), what the screen reads — a feed page, its
count, the inbox, the incidents, the board, the campaigns — is answered from the last commit.

No assertion depends on timing: the write transaction stays open until the reads are done, and
the only timeout is the bound that turns a deadlock into a failure instead of a hang."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from smwar.clock import ManualClock
from smwar.engine.ingest import Handover
from smwar.engine.session import Session
from smwar.journal.pages import MentionFilter
from smwar.journal.store import Journal
from smwar.model import Mention, Notice
from smwar.runbooks.definitions import RunbookSet
from smwar.sources.base import Batch

T = TypeVar("T")
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
DEADLOCK = 60.0  # seconds: only a read that waits for the writer takes this long
LEAK = "Meine AquaPro ist ausgelaufen, die ganze Küche steht unter Wasser! Kundendienst meldet sich nicht."


def leaks(first: int, count: int) -> list[Mention]:
    return [
        Mention("mastodon", f"post-{n}", f"@user{n}@example.social", f"{LEAK} #{n}", T0, lang="de")
        for n in range(first, first + count)
    ]


def finished(work: Callable[[], T]) -> T:
    """`work`'s result, done on a thread of its own; fails (instead of hanging) if it never ends."""
    result: list[T] = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)
    thread.start()
    thread.join(DEADLOCK)
    assert result, f"{work} waited for the write transaction"
    return result[0]


def test_the_screen_reads_the_last_commit_while_a_write_transaction_is_open(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    clock = ManualClock(T0)
    handover = Handover()
    with Journal.open(tmp_path / "live.sqlite") as journal:
        session = Session(journal, runbooks, clock, handover, "tester")
        handover.give(Batch(leaks(1, 30)))
        first = session.pipeline.poll()
        assert len(first.mentions) == 30 and first.proposals, "the leaks propose an incident"
        journal.add_notice(Notice("incident", "Incident #1 proposed", "Product defect", T0, "product-defect"))

        holding, release = threading.Event(), threading.Event()

        def pipeline_writes() -> None:
            with journal.writing() as db:  # a batch being journaled: written, not yet committed
                db.execute(
                    "INSERT INTO notices (at, kind, title, body, read) VALUES (?, 'warning', 'unseen', 'unseen', 0)",
                    [T0.isoformat()],
                )
                holding.set()
                release.wait(2 * DEADLOCK)  # longer than a read may take: a waiting read fails first

        writer = threading.Thread(target=pipeline_writes, daemon=True)
        writer.start()
        assert holding.wait(DEADLOCK)
        clock.advance(timedelta(minutes=1))
        handover.give(Batch(leaks(31, 10)))
        poller = threading.Thread(target=session.pipeline.poll, daemon=True)  # it waits for the writer to commit
        poller.start()
        try:
            everything = MentionFilter()
            page = finished(lambda: journal.mention_page(everything, before_id=10**9, limit=20))
            assert [item.id for item in page] == list(range(11, 31))
            assert finished(lambda: journal.tally(everything)) == (30, 30)
            assert finished(lambda: journal.tally(MentionFilter.parse("ausgelaufen"))) == (30, 30)
            assert finished(lambda: journal.mention_id_at(everything, 29)) == 30
            assert finished(journal.first_mention_id) == 1
            assert finished(lambda: journal.texts([1]))[1] == f"{LEAK} #1"
            assert len(finished(lambda: journal.to_answer(T0, ("respond", "watch"), 50))) == 30
            assert finished(journal.unread_notices) == 1, "the uncommitted notice is not seen"
            assert len(finished(journal.notice_groups)) == 1
            incidents = finished(session.desk.incidents)
            assert [incident.scenario_id for incident in incidents] == ["product-defect"]
            assert finished(lambda: session.desk.incident(incidents[0].id)) == incidents[0]
            stats = finished(session.pipeline.scenario_stats)
            assert {stat.scenario.id: stat.count for stat in stats}["product-defect"] == 30
            assert finished(lambda: session.pipeline.signals.campaigns.find(f"{LEAK} #99")) is not None
            assert poller.is_alive(), "the poll is still waiting to journal its batch"
        finally:
            release.set()
            writer.join(DEADLOCK)
            poller.join(DEADLOCK)
        assert not poller.is_alive()
        assert journal.mention_count() == 40 and journal.unread_notices() == 2
        assert {stat.scenario.id: stat.count for stat in session.pipeline.scenario_stats()}["product-defect"] == 40
