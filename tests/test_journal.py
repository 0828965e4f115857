import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from smwar.journal.schema import CURRENT_VERSION, MIGRATIONS, JournalError
from smwar.journal.store import Journal
from smwar.model import Event, Match, Mention, TermHit

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


def test_a_file_that_is_not_a_journal_gets_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(JournalError, match="not a usable smwar journal"):
        Journal.open(path)
    assert path.read_text().startswith("these are my notes")


def test_mentions_are_deduplicated_on_network_and_native_id(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.sqlite") as journal:
        first = journal.add_mentions([(mention("1"), T0, (), (), None), (mention("2"), T0, (), (), None)])
        again = journal.add_mentions([(mention("2"), T0, (), (), None), (mention("3"), T0, (), (), None)])
        assert [item.mention.native_id for item in first] == ["1", "2"]
        assert [item.mention.native_id for item in again] == ["3"]
        assert journal.mention_count() == 3


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
