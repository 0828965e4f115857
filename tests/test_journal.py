import fcntl
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier as BarrierType
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import pytest
from sqlite_utils import Database

from smwar.journal import store
from smwar.journal.portable import MENTIONS_PER_PART
from smwar.journal.rows import Item
from smwar.journal.schema import CURRENT_VERSION, MIGRATIONS, JournalError
from smwar.journal.store import Journal
from smwar.model import Event, Match, Mention, TermHit

from .tools.journals import full_disk_at

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def mention(native_id: str, text: str = "AquaPro ausgelaufen") -> Mention:
    return Mention("mastodon", native_id, "@jana@chaos.social", text, T0, "de", 120)


def test_a_missing_data_directory_is_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "journal.sqlite"
    with Journal.open(path) as journal:
        assert journal.mention_count() == 0
    assert path.exists()


def test_journal_uses_wal_and_records_its_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    Journal.open(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == CURRENT_VERSION


def test_reopening_keeps_everything_and_does_not_migrate_twice(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with Journal.open(path) as journal:
        journal.add_mentions([(mention("1"), T0, (), (), None)])
    with Journal.open(path) as journal:
        assert journal.mention_count() == 1
    rows = sqlite3.connect(path).execute("SELECT COUNT(*) FROM schema_version").fetchone()[0]
    assert rows == CURRENT_VERSION


def test_a_journal_from_a_newer_smwar_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    Journal.open(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO schema_version VALUES (?, ?)", [CURRENT_VERSION + 5, "2030-01-01"])
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(JournalError, match=rf"newer smwar .*schema {CURRENT_VERSION + 5}.*left untouched"):
        Journal.open(path)
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_journal_gets_a_clear_error_and_nothing_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(JournalError, match="not a usable smwar journal"):
        Journal.open(path)
    assert path.read_text().startswith("these are my notes")
    assert [file.name for file in tmp_path.iterdir()] == ["notes.sqlite"], "no turn files left beside it"


def test_another_programs_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "places.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE bookmarks (url TEXT)")
    db.execute("INSERT INTO bookmarks VALUES ('https://example.org')")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(JournalError, match=r"not a usable smwar journal \(a database of another program\).*untouched"):
        Journal.open(path)
    assert path.read_bytes() == before, "not switched to WAL, no journal tables added"
    assert [file.name for file in tmp_path.iterdir()] == ["places.sqlite"]


def test_mentions_are_deduplicated_on_network_and_native_id(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.sqlite") as journal:
        first = journal.add_mentions([(mention("1"), T0, (), (), None), (mention("2"), T0, (), (), None)])
        again = journal.add_mentions([(mention("2"), T0, (), (), None), (mention("3"), T0, (), (), None)])
        assert [item.mention.native_id for item in first] == ["1", "2"]
        assert [item.mention.native_id for item in again] == ["3"]
        assert journal.mention_count() == 3


def test_a_batch_cut_short_keeps_its_cursor_back_and_is_stored_once_when_taken_again(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    batch = storm()
    failing = batch[2 * MENTIONS_PER_PART - 1][0].native_id  # in the second part
    with Journal.open(path) as journal:
        journal.add_mentions(batch[:1], cursors={"masto": "since:0"})
        with full_disk_at(path, failing):
            with pytest.raises(sqlite3.DatabaseError, match="disk is full"):
                journal.add_mentions(batch, cursors={"masto": "since:all"})
            assert journal.cursors() == {"masto": "since:0"}, "the cursor goes with the batch's last part"
        journal.add_mentions(batch, cursors={"masto": "since:all"})
        assert sorted(int(item.mention.native_id) for item in journal.mentions()) == list(range(len(batch)))
        assert journal.cursors() == {"masto": "since:all"}


def claim_when_told(path: Path, opened: EventType, go: EventType, done: Queue) -> None:  # type: ignore[type-arg]
    """Another operator's process: says it has the journal open, claims a reply when told, then
    says how many mentions the journal held when the claim was committed."""
    with Journal.open(path) as journal:
        opened.set()
        go.wait(10)
        journal.beat("anna", "responder", "reply", time.time())
        journal.claim(1, "anna", T0)
        done.put(journal.mention_count())


def storm() -> list[Item]:
    """A storm's batch of four parts."""
    return [(mention(str(number)), T0, (), (), None) for number in range(4 * MENTIONS_PER_PART)]


def operator_waiting_midway(
    journal: Journal, then: Callable[[BaseProcess], object] = lambda _: None
) -> tuple[BaseProcess, Queue]:  # type: ignore[type-arg]
    """Another operator's process (`claim_when_told`), told to claim while the journal's next
    batch writes its first part (at its mention '10', holding the turn); once it waits for its
    turn, `then(process)` is run. The process, and where it says what the journal held. It has
    the journal open before the batch starts (opening takes a turn too)."""
    context = multiprocessing.get_context("spawn")
    opened, go, done = context.Event(), context.Event(), context.Queue()
    other = context.Process(target=claim_when_told, args=(journal.path, opened, go, done))
    other.start()
    assert opened.wait(60), "the other operator's process opened the journal"

    def midway(_: str) -> None:
        go.set()
        until_another_waits(journal.path)
        then(other)

    journal._db.conn.create_function("midway", 1, midway)
    journal._db.conn.execute(
        "CREATE TEMP TRIGGER storm BEFORE INSERT ON main.mentions WHEN new.native_id = '10' "
        "BEGIN SELECT midway(new.native_id); END"
    )
    return other, done


def until_another_waits(path: Path) -> None:
    """Until another writer of the journal at `path` waits for its turn (it says so on a lock)."""
    waiting = os.open(f"{path}-waiting", os.O_RDWR)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                fcntl.flock(waiting, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            fcntl.flock(waiting, fcntl.LOCK_UN)
            time.sleep(0.01)
    finally:
        os.close(waiting)


def test_an_operator_waiting_to_write_goes_in_between_the_parts_of_a_storms_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A storm's batch does not hold the journal's write lock from its first mention to its
    last: an operator's claim that waits goes in after the part being written. Here the batch
    gives way for up to 5 s: on a loaded machine the woken operator may not get the processor
    within the 50 ms a storm's batch waits for it."""
    monkeypatch.setattr(store, "GIVE_WAY_SECONDS", 5.0)
    batch = storm()
    with Journal.open(tmp_path / "j.sqlite") as journal:
        journal.add_mentions(batch[:1])
        other, done = operator_waiting_midway(journal)
        journal.add_mentions(batch)
        other.join(10)
        held = done.get(timeout=1)
        assert 1 < held < len(batch), "the claim went in between the batch's parts"
        assert journal.claim(1, "ben", T0) is not None, "anna's claim was kept"
        assert journal.mention_count() == len(batch)


def test_a_war_room_stopped_while_it_waits_to_write_does_not_stop_a_storms_batch(tmp_path: Path) -> None:
    """An operator's war room suspended (^Z) just as it waits for its turn to write: the
    storm's batch goes on without it, and its claim goes in once it is resumed."""
    batch = storm()
    with Journal.open(tmp_path / "j.sqlite") as journal:
        journal.add_mentions(batch[:1])
        other, done = operator_waiting_midway(journal, lambda other: os.kill(other.pid, signal.SIGSTOP))
        assert other.pid is not None
        storm_thread = threading.Thread(target=journal.add_mentions, args=(batch,))
        try:
            storm_thread.start()
            storm_thread.join(10)
            assert not storm_thread.is_alive(), "the batch went on while the war room was stopped"
            assert journal.mention_count() == len(batch)
        finally:
            os.kill(other.pid, signal.SIGCONT)
            storm_thread.join(10)
        other.join(10)
        assert done.get(timeout=1) == len(batch), "resumed, the war room's claim went in after the batch"
        assert journal.claim(1, "ben", T0) is not None, "anna's claim was kept"


def open_in_rounds(folder: Path, rounds: int, together: BarrierType, said: Queue) -> None:  # type: ignore[type-arg]
    """A war room started at the same moment as the others, on a new journal, `rounds` times:
    what opening it said each time."""
    for number in range(rounds):
        together.wait(30)
        try:
            with Journal.open(folder / f"{number}.sqlite") as journal:
                said.put(journal.integrity())
        except JournalError as exc:
            said.put(str(exc))


def test_war_rooms_started_at_once_on_a_new_journal_all_open_it(tmp_path: Path) -> None:
    """A team starts its war rooms at the same moment on a journal nobody has made yet: every
    one of them opens it (SQLite refuses, rather than waits for, a switch to WAL while another
    connection makes that switch)."""
    context = multiprocessing.get_context("spawn")
    rounds, team = 20, 8
    together, said = context.Barrier(team), context.Queue()
    war_rooms = [context.Process(target=open_in_rounds, args=(tmp_path, rounds, together, said)) for _ in range(team)]
    for process in war_rooms:
        process.start()
    try:
        outcomes = [said.get(timeout=60) for _ in range(rounds * team)]
    finally:
        for process in war_rooms:
            process.join(10)
    assert [outcome for outcome in outcomes if outcome != "ok"] == []


def test_matches_and_their_explanations_round_trip(tmp_path: Path) -> None:
    hit = TermHit("leak", "ausgelaufen", ("ausgelaufn",), 0.95)
    match = Match("product-defect", 0.97, (hit,))
    with Journal.open(tmp_path / "j.sqlite") as journal:
        journal.add_mentions([(mention("1"), T0 + timedelta(seconds=3), (match,), ("vip",), None)])
        [stored] = journal.mentions()
    assert stored.matches == (match,)
    assert stored.author_tags == ("vip",)
    assert stored.received_at == T0 + timedelta(seconds=3)


def test_events_are_append_only(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with Journal.open(path) as journal:
        journal.append(Event("drill.paused", T0, "tester"))
        assert [event.kind for event in journal.events()] == ["drill.paused"]
    db = sqlite3.connect(path)
    for statement in ("UPDATE events SET actor = 'someone else'", "DELETE FROM events"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(statement)


def test_an_incident_is_created_with_its_first_event(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.sqlite") as journal:
        event = journal.append(
            Event("incident.proposed", T0, "smwar", payload={"scenario_id": "x", "trigger": "t"}), new_incident="x"
        )
        assert event.incident_id == 1
        journal.append(Event("incident.opened", T0, "tester", 1, payload={"goal": "g"}), status="open")
        assert [e.kind for e in journal.events(1)] == ["incident.proposed", "incident.opened"]
        assert journal.integrity() == "ok"


def test_a_journal_of_the_first_schema_is_migrated_keeping_its_mentions(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = Database(path)
    with db.atomic():
        db["schema_version"].create({"version": int, "applied_at": str}, pk="version")
        MIGRATIONS[0](db)
        db["schema_version"].insert({"version": 1, "applied_at": "2026-11-01T00:00:00+00:00"})
        db["mentions"].insert(
            {"network": "mastodon", "native_id": "1", "author": "@a@b.c", "text": "kept",
             "posted_at": "2026-11-01T00:00:00+00:00", "received_at": "2026-11-01T00:00:00+00:00"}
        )  # fmt: skip
    db.close()
    with Journal.open(path) as journal:
        [kept] = journal.mentions()
        assert kept.mention.text == "kept" and kept.mention.author_name is None
        assert journal.cursors() == {}
