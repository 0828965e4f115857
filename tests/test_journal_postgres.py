"""The journal's behaviour on both backends: SQLite, and PostgreSQL on a real server the tests
start (tests/tools/postgres.py). What only PostgreSQL does (its text search's stems,
LISTEN/NOTIFY, its schema versions) is checked on it alone."""

from __future__ import annotations

import multiprocessing
import re
import sqlite3
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smwar.journal.address import open_journal
from smwar.journal.pages import MentionFilter
from smwar.journal.reading import Span
from smwar.journal.schema import JournalError
from smwar.journal.team import ASSIGNED, HANDED, INGEST
from smwar.model import REPLIED, Event, Match, Mention, Notice, Quarantined, Revision, TermHit, Triage
from smwar.sources.runner import Health
from tests.tools.postgres import Server

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
NOW = 1_800_000_000.0


def mention(native_id: str, text: str = "AquaPro ausgelaufen", author: str = "@jana@chaos.social") -> Mention:
    return Mention("mastodon", native_id, author, text, T0, "de", 120)


def test_a_batch_is_written_and_read_back_with_its_matches_cursors_and_quarantine(address: str) -> None:
    match = Match("product-defect", 0.97, (TermHit("leak", "ausgelaufen", ("ausgelaufn",), 0.95),))
    triage = Triage("respond", "angry-customer", ("complaint", "refund"), -0.6)
    bad = Quarantined("masto", "not JSON", b"\xff{", T0)
    with open_journal(address) as journal:
        journal.set_meta({"mode": "live"})
        first = journal.add_mentions(
            [(mention("1"), T0, (match,), ("vip",), triage), (mention("2"), T0, (), (), None)],
            cursors={"masto": "since:2"},
            quarantined=[bad],
        )
        again = journal.add_mentions(
            [(mention("2"), T0, (), (), None), (mention("3"), T0, (), (), None), (mention("3"), T0, (), (), None)],
            cursors={"masto": "since:3"},
        )
        assert [item.id for item in first] == [1, 2] and [item.id for item in again] == [3], "deduplicated"
        stored = journal.mentions()
        assert stored[0] == first[0]
        assert (stored[0].matches, stored[0].author_tags, stored[0].triage) == ((match,), ("vip",), triage)
        assert [item.id for item in journal.mentions(after_id=1, limit=1)] == [2]
        assert journal.cursors() == {"masto": "since:3"}
        assert journal.quarantine_counts() == {"masto": 1}
        assert journal.meta() == {"mode": "live"}
        assert (journal.first_mention_id(), journal.last_mention_id()) == (1, 3)


def test_the_feed_pages_and_searches_by_a_words_start(address: str) -> None:
    texts = ["AquaPro ausgelaufen", "Lieferung verspätet", "leak everywhere", "Kundenservice schweigt"]
    with open_journal(address) as journal:
        journal.add_mentions(
            [(mention(str(n), texts[n % 4], f"@user{n % 3}@x.social"), T0, (), (), None) for n in range(40)]
        )
        everything = MentionFilter()
        assert journal.tally(everything) == (40, 40)
        assert journal.tally(everything, after_id=30) == (10, 40)
        leak = MentionFilter.parse("ausgel")
        assert journal.tally(leak) == (10, 40)
        assert journal.tally(leak, most=3) == (3, 40)
        page = journal.mention_page(leak, after_id=0, limit=4)
        assert [item.id for item in page] == [1, 5, 9, 13]
        before = journal.mention_page(leak, before_id=13, limit=2)
        assert [item.id for item in before] == [5, 9]
        assert journal.mention_id_at(leak, 2) == 9
        assert journal.newest_id_at(leak, 0) == 37 and journal.newest_id_at(leak, 1, upto=36) == 29
        assert journal.newest_id_at(leak, 10) is None
        assert journal.newest_ids(leak, 3) == [29, 33, 37]  # the newest, oldest first
        assert journal.newest_ids(replace(leak, after=33), 10) == [37]
        assert journal.newest_ids(leak, 2, upto=32) == [25, 29], "of those up to an id"
        late = MentionFilter.parse("verspät network:mastodon")
        assert journal.newest_ids(late, 2) == [34, 38] and journal.newest_ids(late, 2, upto=33) == [26, 30]
        assert journal.newest_ids(MentionFilter.parse("kunden schw author:user1"), 10) == [8, 20, 32]
        assert journal.newest_ids(MentionFilter.parse("nirgends network:mastodon"), 10) == []
        assert [(item.id, item.mention.text) for item in journal.mentions_with_ids([33, 5])] == [
            (5, "AquaPro ausgelaufen"),
            (33, "AquaPro ausgelaufen"),
        ]
        assert journal.mentions_with_ids([]) == []
        both = MentionFilter.parse("kunden schw author:user1")
        assert [item.id for item in journal.mention_page(both, limit=10)] == [8, 20, 32]
        assert journal.tally(MentionFilter.parse("verspät network:mastodon")) == (10, 40)
        assert journal.tally(MentionFilter.parse("nirgends")) == (0, 40)
        journal.add_mentions(
            [(mention("oil", "Öl läuft aus"), T0 + timedelta(hours=1), (Match("oil", 1.0, ()),), (), None)]
        )
        assert [m.id for m in journal.mention_page(MentionFilter.parse("ol lauf"), limit=5)] == [41], "diacritics"
        span = Span("oil", T0 + timedelta(minutes=30), T0 + timedelta(hours=2), linked=[3])
        assert [m.id for m in journal.mention_page(MentionFilter(span=span), limit=5)] == [3, 41]


def test_postgresql_finds_german_and_english_stems(postgres_url: str) -> None:
    texts = ["Die Kunde ist verärgert", "They refunded nothing", "Neue Lieferungen"]
    with open_journal(postgres_url) as journal:
        journal.add_mentions([(mention(str(n), text), T0, (), (), None) for n, text in enumerate(texts)])
        found = {
            word: [item.id for item in journal.mention_page(MentionFilter.parse(word), limit=5)]
            for word in ("Kunden", "refunds", "Lieferung", "liefer", "verärg")
        }
        assert found == {"Kunden": [1], "refunds": [2], "Lieferung": [3], "liefer": [3], "verärg": [1]}


def test_events_are_read_after_an_id_by_incident_and_kind(address: str) -> None:
    with open_journal(address) as journal:
        [opened] = (journal.append(Event("incident.proposed", T0, "smwar"), new_incident="product-defect"),)
        assert opened.id == 1 and opened.incident_id == 1
        note = journal.append(Event("note", T0, "anna", 1, payload={"text": "läuft"}), status="acknowledged")
        more = journal.append_all([Event("note", T0 + timedelta(seconds=1), "ben", payload={"n": n}) for n in range(3)])
        assert [event.id for event in more] == [3, 4, 5] and journal.last_event_id() == 5
        assert [event.id for event in journal.events(after_id=2)] == [3, 4, 5]
        assert list(journal.events(incident_id=1)) == [opened, note]
        assert [event.payload for event in journal.events(kind="note", after_id=3)] == [{"n": 1}, {"n": 2}]
        other = journal.append_new_incident([Event("incident.proposed", T0, "smwar")], "delivery", "proposed")
        assert other[0].incident_id == 2
        journal.checkpoint()  # as the ingest leader does after each round
        assert journal.last_event_id() == 6
        assert journal.integrity() == "ok"  # type: ignore[attr-defined]  # each backend's own check


def test_the_postgresql_integrity_check_finds_what_the_journal_relies_on_broken(postgres_url: str) -> None:
    import psycopg

    with open_journal(postgres_url) as journal:
        journal.add_mentions([(mention(str(n)), T0, (), (), None) for n in range(3)])
        journal.append_all([Event("note", T0, "anna"), Event("note", T0, "ben")])
        with psycopg.connect(postgres_url, autocommit=True) as db:
            db.execute("ALTER TABLE events DISABLE TRIGGER events_no_change")
            db.execute("DELETE FROM mentions WHERE id = 2")
            db.execute("SELECT setval(pg_get_serial_sequence('events', 'id'), 1)")
        assert journal.integrity().splitlines() == [  # type: ignore[attr-defined]
            "events can be changed: the trigger events_no_change is missing or disabled",
            "mention ids 1…3 have gaps: 2 mentions",
            "events.id would next give 2, which the table holds",
        ]


def test_claims_steals_and_the_stale_send_guard(address: str) -> None:
    with open_journal(address) as anna, open_journal(address) as ben:
        anna.add_mentions([(mention("m1"), T0, (), (), None), (mention("m2"), T0, (), (), None)])
        anna.beat("anna", "responder", "reply", time.time())  # both war rooms are open
        ben.beat("ben", "responder", "reply", time.time())
        assert anna.claim(1, "anna", T0) is None and anna.claim(1, "anna", T0) is None
        held = ben.claim(1, "ben", T0)
        assert held is not None and held.operator == "anna" and ben.claims()[1].operator == "anna"
        assert anna.stale_send(1, "anna", 0) is None  # anna's reply is on its way
        assert ben.claim(1, "ben", T0, steal=True) is None
        assert ben.stale_send(1, "ben", 0) == "anna is sending a reply to it this moment"
        assert (anna.stale_send(1, "anna", 0) or "").startswith("ben took the reply over at")
        anna.append(Event(REPLIED, T0, "anna", payload={"mention_id": 1, "how": "by hand"}))
        anna.sent(1, "anna")
        assert (ben.stale_send(1, "ben", 0) or "").startswith("anna already replied at")
        ben.release(1, "ben")
        assert anna.claims() == {}
        ben.append(Event(REPLIED, T0, "ben", payload={"mention_id": 2, "how": "failed"}))
        assert anna.stale_send(2, "anna", 0) is None, "a failed post is no reply"
        anna.sent(2, "anna")
        assert (
            anna.revise([Revision("mastodon", "m2", "deleted", T0), Revision("mastodon", "nope", "deleted", T0)]) == 1
        )
        assert anna.stale_send(2, "anna", 0) == "its author deleted the post"


def _answer_all(address: str, operator: str, count: int, together: multiprocessing.synchronize.Barrier) -> None:
    """Take the ingest lease, then every mention's claim over, replying where the guard lets
    the reply go: each at the same moment as the other process."""
    with open_journal(address) as journal:
        together.wait(30)
        if journal.take_lease(INGEST, operator, NOW, 60):
            journal.append(Event("lease.taken", T0, operator))
        for mention_id in range(1, count + 1):
            together.wait(30)
            journal.claim(mention_id, operator, T0, steal=True)
            if journal.stale_send(mention_id, operator, 0) is None:
                journal.append(Event(REPLIED, T0, operator, payload={"mention_id": mention_id, "how": "by hand"}))
                journal.sent(mention_id, operator)


def test_two_processes_racing_take_one_lease_and_answer_every_mention_once(address: str) -> None:
    count = 60
    with open_journal(address) as journal:
        journal.add_mentions([(mention(str(n)), T0, (), (), None) for n in range(count)])
        context = multiprocessing.get_context("spawn")
        together = context.Barrier(2)
        workers = [
            context.Process(target=_answer_all, args=(address, name, count, together)) for name in ("anna", "ben")
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
            assert worker.exitcode == 0
        replies = Counter(event.payload["mention_id"] for event in journal.events(kind=REPLIED))
        assert replies == Counter(range(1, count + 1)), "every mention answered, none twice"
        [taken] = journal.events(kind="lease.taken")
        assert journal.lease(INGEST).holder == taken.actor  # type: ignore[union-attr]


def test_the_sources_health_pauses_presence_revisions_and_profiles_reach_the_others(address: str) -> None:
    until = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    health = [
        Health("masto", "mastodon", "live", mentions=40, per_minute=12.5),
        Health("rss", "rss", "backing off", "HTTP 503", until, quarantined=2),
    ]
    with open_journal(address) as leader, open_journal(address) as room:
        leader.publish_health(health)
        assert room.source_health() == health
        room.set_paused("rss", True)
        room.set_paused("rss", True)
        assert leader.paused_sources() == {"rss"}
        room.set_paused("rss", False)
        assert leader.paused_sources() == set()
        room.beat("anna", "responder", "reply", NOW)
        room.beat("ben", "lead", "incident", NOW - 60)
        assert [(p.operator, p.doing) for p in leader.present(NOW)] == [("anna", "reply")]
        leader.add_mentions([(mention("m1"), T0, (), (), None)])
        edit = Revision("mastodon", "m1", "edited", T0, "AquaPro doch dicht")
        assert leader.revise([edit, edit]) == 1, "an edit told again is kept once"
        assert room.revisions_of(1) == [edit] and room.mentions()[0].revised == "edited"
        room.keep_profiles({"did:plc:a": ("a.bsky.social", "A", 10), "did:plc:b": None}, T0 + timedelta(hours=1))
        assert leader.known_profiles(["did:plc:a", "did:plc:b", "did:plc:c"], T0) == {
            "did:plc:a": (("a.bsky.social", "A", 10), T0 + timedelta(hours=1)),
            "did:plc:b": (None, T0 + timedelta(hours=1)),
        }
        assert leader.known_profiles(["did:plc:a"], T0 + timedelta(hours=2)) == {}


def test_a_journal_goes_on_after_its_server_restarted(postgres_server: Server) -> None:
    """A server restart cuts every connection (as a network that drops them does): while the
    server is down the journal says it cannot reach it; once it is back, the next read, write
    and change check each open a new connection. What was committed while the listener was
    gone counts as a change, and the watcher reads it after the last id it had seen."""
    url = postgres_server.new_database()
    with open_journal(url) as watcher, open_journal(url) as writer:
        writer.append(Event("note", T0, "anna", payload={"text": "before"}))
        watcher.changed()
        seen = watcher.last_event_id()
        with postgres_server.stopped(), pytest.raises(JournalError, match="cannot open the PostgreSQL journal"):
            watcher.changed()
        writer.append(Event("note", T0, "anna", payload={"text": "while the watcher was away"}))
        assert watcher.changed(), "a listener that was lost may have missed a change"
        assert [event.payload["text"] for event in watcher.events(after_id=seen)] == ["while the watcher was away"]
        assert not watcher.changed()
        writer.append(Event("note", T0, "anna", payload={"text": "after"}))
        assert watcher.changed(), "listening again"


def test_postgresql_notifications_carry_ids_only(postgres_url: str) -> None:
    import psycopg

    with open_journal(postgres_url) as journal, psycopg.connect(postgres_url, autocommit=True) as listener:
        listener.execute("LISTEN smwar_changed")
        journal.add_mentions([(mention("1", "geheim"), T0, (), (), None), (mention("2", "geheim"), T0, (), (), None)])
        journal.append(Event("note", T0, "anna", payload={"text": "geheim"}))
        journal.claim(1, "anna", T0)
        heard = [notify.payload for notify in listener.notifies(timeout=0.5)]
        assert sorted(heard) == ["", "", "", "event:1", "mention:2"]


def test_a_postgresql_journal_is_migrated_once_and_one_from_a_newer_smwar_is_refused(postgres_url: str) -> None:
    import psycopg

    from smwar.journal.postgres.schema import CURRENT_VERSION

    open_journal(postgres_url).close()
    with open_journal(postgres_url) as journal:
        assert journal.path == postgres_url  # named as given
    with psycopg.connect(postgres_url, autocommit=True) as db:
        assert db.execute("SELECT array_agg(version) FROM schema_version").fetchone() == (
            list(range(1, CURRENT_VERSION + 1)),
        )
        db.execute("INSERT INTO schema_version VALUES (%s, '2030-01-01')", [CURRENT_VERSION + 5])
    with pytest.raises(JournalError, match=rf"newer smwar .*schema {CURRENT_VERSION + 5}.*left untouched"):
        open_journal(postgres_url)


def test_a_postgresql_journal_of_an_older_schema_is_migrated_with_its_mentions(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smwar.journal.postgres import schema

    monkeypatch.setattr(schema, "CURRENT_VERSION", 1)
    with open_journal(postgres_url) as journal:  # as the first PostgreSQL journal was
        journal.add_mentions([(mention("1", "Öl ausgelaufen"), T0, (), (), None)])
    monkeypatch.undo()
    with open_journal(postgres_url) as journal:
        assert journal.tally(MentionFilter.parse("ol")) == (1, 1), "indexed again, without diacritics"


def test_an_address_with_its_password_or_of_no_server_is_refused_clearly(postgres_url: str, tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="must not carry its password") as refused:
        open_journal(postgres_url.replace("smwar@", "smwar:secret@"))
    assert "secret" not in str(refused.value)
    with pytest.raises(JournalError, match="not a PostgreSQL address"):
        open_journal("postgresql://smwar@/db?nonsense=1")
    nowhere = f"postgresql://smwar@/db?host={tmp_path}"
    with pytest.raises(JournalError, match=f"cannot open the PostgreSQL journal at {re.escape(nowhere)} "):
        open_journal(nowhere)


def test_drafts_and_the_notices_inbox(address: str) -> None:
    with open_journal(address) as journal:
        journal.add_mentions([(mention("m1"), T0, (), (), None)])
        first = journal.save_draft(1, "anna", "Das tut", None)
        second = journal.save_draft(1, "anna", "Das tut uns leid", "sorry")
        assert second.post_key == first.post_key, "a retried post stays the same post"
        assert journal.draft(1) == second
        journal.drop_draft(1)
        assert journal.draft(1) is None
        notices = [
            journal.add_notice(Notice("warning", f"Achtung {n}", "viel los", T0 + timedelta(minutes=n), "leak"))
            for n in range(3)
        ]
        journal.add_notice(Notice("deadline", "Frist", "in 10 min", T0))
        assert [notice.id for notice in notices] == [1, 2, 3]
        assert journal.mark_read("deadline", None) == 1
        [warnings, deadline] = journal.notice_groups()
        assert (warnings.kind, warnings.count, warnings.unread, warnings.latest) == (
            "warning",
            3,
            3,
            "Achtung 2 — viel los",
        )
        assert (warnings.first_at, warnings.last_at) == (T0, T0 + timedelta(minutes=2))
        assert (deadline.kind, deadline.unread) == ("deadline", 0)
        assert [notice.title for notice in journal.notices("warning", "leak", limit=2)] == ["Achtung 2", "Achtung 1"]
        assert journal.notices("deadline", None)[0].read
        assert journal.unread_notices() == 3 and journal.mark_read() == 3 and journal.unread_notices() == 0


def test_what_the_views_and_the_scoring_read(address: str) -> None:
    leak = Match("leak", 0.9, ())
    angry = Triage("respond", "angry", ("complaint",), -0.8)
    calm = Triage("watch", "calm", (), 0.2)
    at = [T0 + timedelta(minutes=n // 2, seconds=n) for n in range(6)]
    with open_journal(address) as journal:
        journal.append(Event("incident.proposed", T0, "smwar"), new_incident="leak")
        journal.add_mentions(
            [
                (
                    mention(str(n), author=f"@a{n % 2}@x.social"),
                    at[n],
                    (leak,) if n < 4 else (),
                    (),
                    angry if n % 2 else calm,
                )
                for n in range(6)
            ]
        )
        assert [m.id for m in journal.to_answer(T0, ["respond"], 2, answered={6})] == [4, 2]
        assert [m.id for m in journal.recent_mentions(at[2], 2)] == [5, 6]
        assert journal.texts([1, 2]) == {1: "AquaPro ausgelaufen", 2: "AquaPro ausgelaufen"}
        pairs = {("mastodon", "@a0@x.social"), ("mastodon", "@nobody@x.social")}
        assert journal.known_authors(pairs) == {("mastodon", "@a0@x.social")}
        assert journal.unseen([mention("5"), mention("new"), mention("new")]) == [mention("new")]
        assert journal.negative_authors(-0.5, 1) == {("mastodon", "@a1@x.social"): 1}
        assert journal.minute_counts(T0, T0 + timedelta(minutes=5), None) == [
            (T0 + timedelta(minutes=n), 2) for n in range(3)
        ]
        assert journal.minute_counts(T0, T0 + timedelta(minutes=5), "leak") == [(T0, 2), (T0 + timedelta(minutes=1), 2)]
        assert journal.first_match("leak", at[0], at[3]) == at[1]
        assert journal.match_times("leak", at[2]) == at[2:4] and journal.match_times(None, at[4]) == at[4:]
        assert journal.match_counts() == {"leak": 4}
        assert (journal.mention_count(), sorted(journal.native_ids())) == (6, [str(n) for n in range(6)])
        assert (journal.first_mention_at(), journal.last_mention_at(), journal.latest_time()) == (at[0], at[5], at[5])
        assert journal.incident_scenarios() == [(1, "leak")]


def test_roles_handed_over_and_mentions_assigned(address: str) -> None:
    with open_journal(address) as journal:
        journal.append_all(
            [
                Event(HANDED, T0, "anna", payload={"role": "lead", "to": "ben"}),
                Event(ASSIGNED, T0, "smwar", payload={"mention_id": 7, "operator": "ben"}),
                Event(ASSIGNED, T0, "smwar", payload={"mention_id": 8, "operator": "anna"}),
            ]
        )
        assert journal.roles_of("anna", ["lead", "responder"]) == ["responder"]
        assert journal.roles_of("ben", ["responder"]) == ["responder", "lead"]
        assert journal.assignments() == {7: "ben", 8: "anna"}


# -- smwar journal migrate ---------------------------------------------------------------


def _live_journal() -> Path:
    """The live journal with a row in every table that is copied."""
    from smwar.paths import live_journal_path

    path = live_journal_path()
    match = Match("product-defect", 1, (TermHit("leak", "ausgelaufen", ("ausgelaufn",), 1.0),))
    with open_journal(f"sqlite:{path}") as journal:
        journal.set_meta({"mode": "live"})
        journal.add_mentions(
            [(mention(str(n), f"AquaPro ausgelaufen {n}"), T0, (match,), ("vip",), None) for n in range(12)],
            cursors={"masto": "since:12"},
            quarantined=[Quarantined("masto", "not JSON", b"\xff{", T0)],
            revisions=[Revision("mastodon", "3", "edited", T0, "doch dicht")],
        )
        journal.append(Event("incident.proposed", T0, "smwar", payload={"n": 1.5}), new_incident="product-defect")
        journal.save_draft(1, "anna", "Das tut uns leid", None)
        journal.add_notice(Notice("warning", "Achtung", "viel los", T0))
        journal.claim(2, "anna", T0)
        journal.keep_profiles({"did:plc:a": ("a.bsky.social", "A", 10)}, T0 + timedelta(days=1))
        journal.set_paused("rss", True)
    return path


def test_the_live_journal_is_copied_to_postgresql_and_back_resuming_and_checked(
    postgres_server: Server, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring
    from click.testing import CliRunner

    from smwar.cli import main
    from smwar.journal.postgres.connect import secret_name
    from smwar.secrets import set_secret
    from tests.memory_keyring import FileKeyring

    keyring.set_keyring(FileKeyring())
    set_secret(secret_name(postgres_url), postgres_server.passfile.read_text().strip().rsplit(":", 1)[1])
    monkeypatch.delenv("PGPASSFILE")  # the keyring's password it is, then
    live = _live_journal()

    copied = CliRunner().invoke(main, ["journal", "migrate", "--to", postgres_url])
    assert copied.exit_code == 0, copied.output
    assert "mentions: 12/12" in copied.stderr and "events: 1 rows, same checksum" in copied.stdout
    with open_journal(f"sqlite:{live}") as journal:
        journal.add_mentions([(mention("new", "Lieferung verspätet"), T0, (), (), None)])
    again = CliRunner().invoke(main, ["journal", "migrate", "--to", postgres_url])
    assert again.exit_code == 0, again.output
    assert "mentions: 12/13" in again.stderr and "mentions: 13/13" in again.stderr, "resumed after what it had"

    with open_journal(f"sqlite:{live}") as original, open_journal(postgres_url) as journal:
        assert journal.mentions() == original.mentions()
        assert list(journal.events()) == list(original.events())
        assert journal.claims() == original.claims() and journal.revisions_of(4) == original.revisions_of(4)
        assert [m.id for m in journal.mention_page(MentionFilter.parse("verspät"), limit=5)] == [13]
        assert journal.append(Event("note", T0, "anna")).id == 2, "ids go on after the copied ones"

    back = tmp_path / "back.sqlite"
    returned = CliRunner().invoke(main, ["journal", "migrate", "--from", postgres_url, "--to", f"sqlite:{back}"])
    assert returned.exit_code == 0, returned.output
    with open_journal(f"sqlite:{back}") as journal, open_journal(f"sqlite:{live}") as original:
        assert journal.mentions() == original.mentions()
        assert [m.id for m in journal.mention_page(MentionFilter.parse("ausgel"), limit=20)] == list(range(1, 13))
        assert [event.kind for event in journal.events()] == ["incident.proposed", "note"]

    both = CliRunner().invoke(main, ["journal", "migrate", "--to", f"sqlite:{tmp_path / 'other.sqlite'}"])
    assert both.exit_code == 2 and "from SQLite to PostgreSQL or back" in both.output
    with sqlite3.connect(live) as db:  # a table of a newer smwar, say
        db.execute("CREATE TABLE plans (id INTEGER PRIMARY KEY)")
    newer = CliRunner().invoke(main, ["journal", "migrate", "--to", postgres_url])
    assert newer.exit_code == 2 and "does not know how to copy the tables ['plans']" in newer.output


def test_a_copy_matches_on_a_database_that_orders_text_by_a_locale(postgres_server: Server) -> None:
    from smwar.journal.postgres.copy import copy_journal

    url = postgres_server.new_database(icu_locale="en-US")
    live = _live_journal()
    keys = ["a_b", "aB", "ab", "B", "a-c"]
    with open_journal(f"sqlite:{live}") as journal:
        journal.set_meta(dict.fromkeys(keys, "x"))
        journal.add_mentions([], cursors=dict.fromkeys(keys, "since:1"))
    heard: list[tuple[str, int, int]] = []
    checked = copy_journal(f"sqlite:{live}", url, lambda *progress: heard.append(progress))
    assert {item.table: item.target_rows for item in checked}["meta"] == 6
    assert ("meta", 6, 6) in heard and ("cursors", 6, 6) in heard


def test_a_machine_without_postgresql_binaries_is_told_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Where none are found, the tests that need a server are skipped (conftest's `postgres_server`)."""
    import glob
    import shutil

    from tests.tools.postgres import binaries

    empty = tmp_path / "15" / "bin"  # a version's folder without initdb and postgres
    empty.mkdir(parents=True)
    monkeypatch.setattr(glob, "glob", lambda pattern: [str(empty)])
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert binaries() is None


def test_a_database_the_role_may_not_build_in_says_what_it_needs(postgres_server: Server) -> None:
    """A database the journal's role neither owns nor may create in (PostgreSQL 15's schema
    public): one line saying so, not a traceback, and nothing half built."""
    import psycopg

    url = postgres_server.new_database()
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("CREATE ROLE visitor NOLOGIN")
        admin.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    as_visitor = f"{url}&options=-c%20role%3Dvisitor"
    with pytest.raises(JournalError) as refused:
        open_journal(as_visitor)
    assert "cannot set the journal up in" in str(refused.value)
    assert "permission denied for schema public" in str(refused.value)
    assert str(refused.value).endswith("the role needs to own the database (or CREATE on it and on its schema public)")
    with psycopg.connect(url) as admin:
        assert admin.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
