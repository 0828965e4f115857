"""Several processes on one journal: the ingest lease, the change check, the sources' health
and pause requests, each seen through a second connection to the same journal as another
process would see them; and real `smwar lead` processes that hand the lease over when one dies.
Each runs on both backends (the `address` fixture): a SQLite file and a PostgreSQL database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from smwar.config import load_config
from smwar.engine import leader
from smwar.engine.leader import AUTOGROUP, NICENESS, IngestLeader, LeaderProcess
from smwar.journal import portable
from smwar.journal.address import open_journal
from smwar.journal.interface import JournalStore
from smwar.journal.rows import ClaimTaken
from smwar.journal.team import INGEST
from smwar.model import Event, Mention, Revision
from smwar.paths import bundled_runbooks_dir
from smwar.runbooks.watch import RunbookWatch
from smwar.sources.runner import Health
from tests.tools.journals import with_stream
from tests.tools.leaders import leading
from tests.tools.postgres import Server
from tests.tools.terminal import Terminal

NOW = 1_800_000_000.0


def test_one_holder_at_a_time_and_another_takes_over_when_it_lapses(address: str) -> None:
    with open_journal(address) as anna, open_journal(address) as ben:
        assert anna.take_lease(INGEST, "anna", NOW, 5)
        assert not ben.take_lease(INGEST, "ben", NOW + 1, 5)  # Anna's still runs
        assert anna.take_lease(INGEST, "anna", NOW + 4, 5, backlog=12)  # renewed until NOW + 9
        assert not ben.take_lease(INGEST, "ben", NOW + 8, 5)
        lease = ben.lease(INGEST)
        assert lease is not None and lease.holder == "anna" and lease.backlog == 12
        assert ben.take_lease(INGEST, "ben", NOW + 9.5, 5)  # Anna fell silent: Ben takes over
        assert not anna.take_lease(INGEST, "anna", NOW + 10, 5)  # and Anna learns she lost it
        ben.release_lease(INGEST, "anna")  # only the holder can give it up
        assert anna.lease(INGEST).holder == "ben"  # type: ignore[union-attr]
        ben.release_lease(INGEST, "ben")
        assert anna.take_lease(INGEST, "anna", NOW + 11, 5)  # given up: taken at once


def test_a_leader_slow_to_set_up_keeps_its_lease_and_no_second_one_leads_meanwhile(
    tmp_path: Path, address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Taking over on a busy host, the new leader reads the trends of a big journal and compiles
    the runbooks for longer than a lease lasts: it keeps the lease all the while, and a waiting
    leader does not take it from under it (two leaders would run the sources at once)."""
    monkeypatch.setattr(leader, "LEASE_SECONDS", 0.5)
    monkeypatch.setattr(leader, "RENEW_SECONDS", 0.1)
    set_up = leader.live_session

    def slowly(*args: Any) -> Any:
        time.sleep(1.5)  # three leases long
        return set_up(*args)

    monkeypatch.setattr(leader, "live_session", slowly)
    with_stream(tmp_path / "home", tmp_path / "stream.jsonl", address)
    with open_journal(address) as waiting, leading(load_config()):
        assert _until(lambda: (lease := waiting.lease(INGEST)) is not None and lease.holder == "test-leader", 15)
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:  # the setup's second and a half, and a round after
            assert not waiting.take_lease(INGEST, "waiting", time.time(), 0.5), "the lease is kept"
            time.sleep(0.1)


def test_a_leader_that_lost_its_lease_leaves_what_it_holds_to_the_new_one(
    tmp_path: Path, address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its host stalled past the lease and another leader took over: what its sources had
    handed over meanwhile is not journaled by it (the new leader reads it from the journal's
    cursors; journaled twice, an unreadable line would be quarantined twice)."""
    monkeypatch.setattr(leader, "RENEW_SECONDS", 0.1)
    stream = tmp_path / "stream.jsonl"
    with_stream(tmp_path / "home", stream, address)
    config = load_config()
    with open_journal(address) as journal, open_journal(address) as other:
        old = IngestLeader(config, RunbookWatch(bundled_runbooks_dir()), journal, holder="old")
        assert old._take()
        try:
            assert other.take_lease(INGEST, "new", time.time() + 60, 5)  # as once the old one's had lapsed
            assert _until(lambda: old._keeper is not None and old._keeper.lost.is_set(), 15)
            with stream.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"id": "late", "text": "Meine AquaPro leckt"}) + "\n{broken\n")
            assert _until(lambda: old._feed is not None and old._feed.backlog() == 1, 15)
            old._lead()
        finally:
            old.stopping.set()
            old.run()  # steps down, if it did not
        assert not old.leading and journal.mention_count() == 0 and journal.quarantine_counts() == {}
        assert journal.lease(INGEST).holder == "new"  # type: ignore[union-attr]


def test_a_commit_by_another_connection_is_noticed_and_only_once(address: str) -> None:
    with open_journal(address) as watcher, open_journal(address) as writer:
        watcher.changed()
        assert not watcher.changed()
        writer.append(Event("note", datetime(2026, 12, 1, tzinfo=UTC), "anna", payload={"text": "hi"}))
        assert watcher.changed()
        assert not watcher.changed()
        assert [event.kind for event in watcher.events(after_id=0)] == ["note"]
        assert list(watcher.events(after_id=watcher.last_event_id())) == []


def test_the_leaders_source_health_and_pause_requests_reach_the_others(address: str) -> None:
    until = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    with open_journal(address) as leader, open_journal(address) as room:
        leader.publish_health(
            [
                Health("masto", "mastodon", "live", mentions=40, per_minute=12.5),
                Health("rss", "rss", "backing off", "HTTP 503", until, quarantined=2),
            ]
        )
        assert room.source_health() == [
            Health("masto", "mastodon", "live", mentions=40, per_minute=12.5),
            Health("rss", "rss", "backing off", "HTTP 503", until, quarantined=2),
        ]
        room.set_paused("rss", True)
        room.set_paused("rss", True)
        assert leader.paused_sources() == {"rss"}
        room.set_paused("rss", False)
        assert leader.paused_sources() == set()


# -- real leader processes -------------------------------------------------------------


def _home(tmp_path: Path, address: str) -> tuple[dict[str, str], Path]:
    """The environment of processes whose live journal is at `address`, fed by a stream."""
    stream = tmp_path / "stream.jsonl"
    return with_stream(tmp_path / "home", stream, address), stream


def _write(stream: Path, first: int, count: int) -> None:
    with stream.open("a", encoding="utf-8") as out:
        for n in range(first, first + count):
            item = {"id": f"p{n}", "network": "mastodon", "author": f"@u{n}@example.social", "text": f"post {n}"}
            out.write(json.dumps(item) + "\n")


def _until(check, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return bool(check())


def test_when_the_leader_dies_another_takes_over_and_nothing_is_lost_or_doubled(tmp_path: Path, address: str) -> None:
    env, stream = _home(tmp_path, address)
    journal = open_journal(address)
    leaders = [
        subprocess.Popen([sys.executable, "-m", "smwar", "lead"], env=env, stderr=subprocess.PIPE) for _ in range(2)
    ]
    try:
        _write(stream, 0, 300)
        assert _until(lambda: len(journal.native_ids()) == 300, 30)
        lease = journal.lease(INGEST)
        assert lease is not None
        holder = next(p for p in leaders if lease.holder.endswith(f":{p.pid}"))
        waiting = next(p for p in leaders if p is not holder)
        ours = os.getpriority(os.PRIO_PROCESS, 0)

        def priorities() -> list[tuple[int, int | None]]:  # (priority, exit code) of each
            return [(os.getpriority(os.PRIO_PROCESS, p.pid), p.poll()) for p in leaders]

        # each lowers its priority as it starts: the one that waits may start after the other led
        assert _until(lambda: all(nice > ours for nice, _ in priorities()), 10), (
            f"the war rooms' actions come first: {priorities()}, ours {ours}"
        )
        holder.send_signal(signal.SIGKILL)  # no goodbye: the lease must lapse
        holder.wait()
        killed_at = time.monotonic()
        _write(stream, 300, 200)

        def taken_over() -> bool:
            now = journal.lease(INGEST)
            return now is not None and now.holder.endswith(f":{waiting.pid}")

        assert _until(taken_over, 15)
        assert time.monotonic() - killed_at < 10  # the lease lapses in 5 s, the other asks every second
        assert _until(lambda: len(journal.native_ids()) == 500, 30)
        assert sorted(journal.native_ids()) == sorted(f"p{n}" for n in range(500))  # each once
        waiting.send_signal(signal.SIGTERM)  # a clean stop gives the lease up at once
        assert waiting.wait(timeout=20) == 0
        assert journal.lease(INGEST) is None
    finally:
        for process in leaders:
            if process.poll() is None:
                process.kill()
                process.wait()
        journal.close()


def _in_an_autogroup() -> bool:
    """Linux groups a session only for tasks in the root cgroup of the CPU controller: in a
    container or a CI job's cgroup the file is there but empty, and there is nothing to yield."""
    try:
        return bool(AUTOGROUP.read_text(encoding="ascii").strip())
    except OSError:
        return False


@pytest.mark.skipif(not _in_an_autogroup(), reason="this process is in no autogroup")
def test_the_leader_a_war_room_starts_yields_in_its_own_session_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A war room starts its leader in a session of its own, which Linux schedules as a group
    beside the operators' sessions: the leader lowers that group's priority, or its nice value
    would count for nothing against them. One started in a terminal leaves the terminal's be."""
    env, _ = _home(tmp_path, f"sqlite:{tmp_path / 'live.sqlite'}")
    monkeypatch.setenv("SMWAR_HOME", env["SMWAR_HOME"])

    def autogroup(pid: int | str) -> str:
        return Path(f"/proc/{pid}/autogroup").read_text(encoding="ascii").split()[-1]  # "/autogroup-7 nice 0"

    ours = autogroup("self")
    started = LeaderProcess(tmp_path / "leader.log")
    in_terminal = subprocess.Popen([sys.executable, "-m", "smwar", "lead"], env=env, stderr=subprocess.DEVNULL)
    started.start()
    try:
        pid = started.pid
        assert pid is not None
        assert _until(lambda: autogroup(pid) == str(NICENESS), 10), autogroup(pid)
        assert os.getpriority(os.PRIO_PROCESS, pid) > os.getpriority(os.PRIO_PROCESS, 0)
        assert _until(lambda: os.getpriority(os.PRIO_PROCESS, in_terminal.pid) > os.getpriority(os.PRIO_PROCESS, 0), 10)
        assert autogroup("self") == ours, "the leader started in this session left its group as it was"
    finally:
        started.stop()
        in_terminal.terminate()
        in_terminal.wait(timeout=20)


def test_two_war_rooms_on_one_journal_see_the_same_storm_and_each_others_actions(tmp_path: Path, address: str) -> None:
    """Two operators run `smwar` on one live journal: each war room starts a leader process,
    one of them runs the source; both feeds show what it journaled, each sees the other is
    there, an incident one operator opens shows as open on the other's board, and a reply one
    opens shows as theirs on the other's feed. Quitting both leaves no leader behind."""
    env, stream = _home(tmp_path, address)
    home = Path(env["SMWAR_HOME"])
    anna = Terminal(["--as", "anna"], home, columns=120, rows=40)
    ben = Terminal(["--as", "ben"], home, columns=120, rows=40)
    try:
        assert anna.wait_for("Feed"), anna.text()
        assert ben.wait_for("Feed"), ben.text()
        with stream.open("a", encoding="utf-8") as out:
            for n in range(8):
                item = {"id": f"leak{n}", "network": "mastodon", "author": f"@u{n}@example.social"}
                out.write(json.dumps({**item, "text": f"Meine AquaPro ist ausgelaufen, Wasserschaden #{n}"}) + "\n")
        assert anna.wait_for("Wasserschaden #7", 20) and ben.wait_for("Wasserschaden #7", 20)
        assert anna.wait_for("PROPOSED", 10) and ben.wait_for("PROPOSED", 10)
        anna.send("o")
        assert anna.wait_for("State the goal", 10)
        anna.send("Stop the spread\r")
        assert ben.wait_for("OPEN #1", 10)
        assert ben.wait_for("with anna", 10)
        anna.send("\x1b")  # out of the checklist, back on the feed: the newest mention is selected
        assert anna.wait_for("with ben", 10)
        time.sleep(0.5)  # an escape and a key at once would read as alt+key
        anna.send("r")
        assert anna.wait_for("Reply to", 10)
        assert ben.wait_for("✍anna", 10), "ben sees that anna is replying"
        anna.send("\x1b")  # anna leaves the reply: her claim goes
        assert ben.wait_for("with anna (main)", 10)
        assert _until(lambda: "✍anna" not in ben.text(), 10)
    finally:
        assert anna.close() == 0
        assert ben.close() == 0
    with open_journal(address) as journal:
        assert journal.lease(INGEST) is None  # the leader stopped with its war room and gave the lease up
        assert sorted(journal.native_ids()) == sorted(f"leak{n}" for n in range(8))


@contextmanager
def anna_and_ben(address: str) -> Iterator[tuple[JournalStore, JournalStore, datetime]]:
    """Anna's and Ben's war rooms, both open, on a journal that holds one mention (id 1) to
    answer, and when it came."""
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with open_journal(address) as anna, open_journal(address) as ben:
        anna.beat("anna", "responder", "reply", time.time())
        ben.beat("ben", "responder", "reply", time.time())
        anna.add_mentions([(Mention("mastodon", "m1", "@kunde@x.social", "Meine AquaPro leckt", at), at, (), (), None)])
        yield anna, ben, at


def test_a_claim_is_one_operators_until_released_or_taken_over(address: str) -> None:
    with anna_and_ben(address) as (anna, ben, at):
        assert anna.claim(1, "anna", at) is None
        assert anna.claim(1, "anna", at) is None, "claiming again is fine"
        held = ben.claim(1, "ben", at)
        assert held is not None and held.operator == "anna", "ben sees that anna is replying"
        assert ben.claims()[1].operator == "anna"
        assert anna.stale_send(1, "anna", 0) is None
        assert ben.claim(1, "ben", at, steal=True) is None  # taken over, explicitly
        assert (anna.stale_send(1, "anna", 0) or "").startswith("ben took the reply over at")
        ben.append(Event("reply.recorded", at, "ben", payload={"mention_id": 1, "how": "by hand"}))
        ben.release(1, "ben")
        assert (anna.stale_send(1, "anna", 0) or "").startswith("ben already replied at"), "no second answer"
        assert anna.claims() == {}


def test_a_draft_is_saved_only_by_whoever_holds_the_reply(address: str) -> None:
    with anna_and_ben(address) as (anna, ben, at):
        assert anna.claim(1, "anna", at) is None
        first = anna.save_draft(1, "anna", "Das tut", None)
        assert ben.claim(1, "ben", at, steal=True) is None
        assert ben.save_draft(1, "ben", "Das tut uns leid", None).post_key == first.post_key
        with pytest.raises(ClaimTaken, match="Not saved: ben took the reply over at") as refused:
            anna.save_draft(1, "anna", "Das tut uns sehr leid", None)
        assert refused.value.claim.operator == "ben"
        assert anna.draft(1).text == "Das tut uns leid", "ben's draft stays"  # type: ignore[union-attr]


def test_while_one_operator_sends_a_reply_nobody_elses_goes_out(address: str) -> None:
    """Ben takes the claim over the moment Anna's guard let her reply go: his would be the
    second answer, so he is told to wait until hers is journaled, and then that she replied."""
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with open_journal(address) as anna, open_journal(address) as ben:
        anna.add_mentions([(Mention("mastodon", "m1", "@kunde@x.social", "Meine AquaPro leckt", at), at, (), (), None)])
        assert anna.claim(1, "anna", at) is None
        assert anna.stale_send(1, "anna", 0) is None  # anna's reply is on its way
        assert ben.claim(1, "ben", at, steal=True) is None
        assert ben.stale_send(1, "ben", 0) == "anna is sending a reply to it this moment"
        anna.append(Event("reply.recorded", at, "anna", payload={"mention_id": 1, "how": "by hand"}))
        anna.release(1, "anna")
        assert (ben.stale_send(1, "ben", 0) or "").startswith("anna already replied at")


def test_my_own_reply_from_another_war_room_after_this_editor_opened_stops_it(address: str) -> None:
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with open_journal(address) as terminal, open_journal(address) as tab:
        terminal.add_mentions(
            [(Mention("mastodon", "m1", "@kunde@x.social", "Meine AquaPro leckt", at), at, (), (), None)]
        )
        tab.append(Event("reply.recorded", at, "anna", payload={"mention_id": 1, "how": "by hand"}))
        opened = terminal.last_event_id()  # anna opens the reply again: a follow-up is hers to send
        assert terminal.claim(1, "anna", at) is None
        assert tab.claim(1, "anna", at) is None  # and opens it in her browser tab too
        assert terminal.stale_send(1, "anna", opened) is None
        terminal.sent(1, "anna")
        tab.append(Event("reply.recorded", at, "anna", payload={"mention_id": 1, "how": "posted"}))
        assert (
            terminal.stale_send(1, "anna", opened)
            == f"you already replied at {at.astimezone():%H:%M} from another war room"
        )


def test_a_post_deleted_meanwhile_is_not_answered_and_a_failed_post_is_no_reply(address: str) -> None:
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with open_journal(address) as journal:
        journal.add_mentions(
            [(Mention("mastodon", "m1", "@kunde@x.social", "Meine AquaPro leckt", at), at, (), (), None)]
        )
        journal.append(Event("reply.recorded", at, "ben", payload={"mention_id": 1, "how": "failed"}))
        assert journal.stale_send(1, "anna", 0) is None, "ben's post failed: nobody answered yet"
        journal.revise([Revision("mastodon", "m1", "deleted", at)])
        assert journal.stale_send(1, "anna", 0) == "its author deleted the post"


def test_who_is_here_is_who_said_so_lately(address: str) -> None:
    with open_journal(address) as journal:
        journal.beat("anna", "responder", "reply", NOW)
        journal.beat("ben", "lead", "incident", NOW - 60)  # gone a minute ago
        assert [(p.operator, p.doing) for p in journal.present(NOW)] == [("anna", "reply")]


def test_the_ingest_process_ends_with_a_war_room_that_was_killed(tmp_path: Path, address: str) -> None:
    """A war room that is killed (or whose terminal closes) cannot stop its ingest process;
    that one notices and ends by itself, giving the lease up, instead of running on unseen."""
    env, _stream = _home(tmp_path, address)
    room = Terminal([], Path(env["SMWAR_HOME"]), columns=120, rows=40)
    journal = open_journal(address)
    try:
        assert room.wait_for("Feed")

        def leading() -> bool:
            return journal.lease(INGEST) is not None

        assert _until(leading, 15)
        room.process.send_signal(signal.SIGKILL)
        room.process.wait()
        assert _until(lambda: not leading(), 15), "the lease is given up, not left to lapse"
    finally:
        room.close()
        journal.close()


def test_a_war_room_on_postgresql_goes_on_after_its_server_restarted(tmp_path: Path, postgres_server: Server) -> None:
    """While the journal's server is down the war room says its feed stalled and stays up;
    once the server is back, what arrived meanwhile shows (its leader process, which ended
    with the server, is started again and resumes from the stored cursors)."""
    env, stream = _home(tmp_path, postgres_server.new_database())
    room = Terminal(["--as", "anna"], Path(env["SMWAR_HOME"]), columns=120, rows=40)
    try:
        assert room.wait_for("Feed")
        _write(stream, 0, 1)
        assert room.wait_for("post 0", 20)
        with postgres_server.stopped():
            _write(stream, 1, 1)
            assert room.wait_for("The feed stalled", 20)
        assert room.wait_for("post 1", 30)
    finally:
        assert room.close() == 0


def test_a_leader_of_its_own_goes_on_after_the_journals_server_restarted(
    tmp_path: Path, postgres_server: Server
) -> None:
    """`smwar lead` run on its own (no war room to start it again) says it lost the journal,
    and once the server is back it leads again: what arrived meanwhile is journaled."""
    url = postgres_server.new_database()
    env, stream = _home(tmp_path, url)
    leader = subprocess.Popen([sys.executable, "-m", "smwar", "lead"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        _write(stream, 0, 1)
        assert _until(lambda: _journaled(url) == 1, 30)
        with postgres_server.stopped():
            _write(stream, 1, 1)
            time.sleep(2)
        assert _until(lambda: _journaled(url) == 2, 30), "the leader leads again"
        assert leader.poll() is None
    finally:
        leader.terminate()
        _, said = leader.communicate(timeout=20)
    assert "trying again in 5 s" in said and leader.returncode == 0


def _journaled(url: str) -> int:
    with open_journal(url) as journal:
        return journal.mention_count()


def test_the_claim_of_a_war_room_that_was_killed_goes_with_its_operators_presence(
    tmp_path: Path, address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anna's war room is killed with her reply open: her claim stays in the journal, but once
    her presence lapsed it no longer marks the mention as hers, and ben opens it without being
    asked to take it over."""
    present = 4.0  # seconds a war room's last word counts here: what ben's reads (15 in use), for a short test
    monkeypatch.setattr(portable, "PRESENT_SECONDS", present)
    env, stream = _home(tmp_path, address)
    anna = Terminal(["--as", "anna"], Path(env["SMWAR_HOME"]), columns=120, rows=40)
    journal = open_journal(address)
    try:
        assert anna.wait_for("Feed"), anna.text()
        _write(stream, 0, 1)
        assert anna.wait_for("post 0", 20)
        anna.send("r")
        assert anna.wait_for("Reply to", 10)
        assert _until(lambda: [claim.operator for claim in journal.claims().values()] == ["anna"], 10)
        anna.process.send_signal(signal.SIGKILL)
        anna.process.wait()
        killed_at = time.monotonic()
        assert _until(lambda: journal.claims() == {}, 30), "a claim nobody holds any more"
        assert time.monotonic() - killed_at < present + 5
        [mention_id] = [item.id for item in journal.mentions()]
        assert journal.claim(mention_id, "ben", datetime.now(UTC)) is None, "ben opens it without being asked"
    finally:
        anna.close()
        journal.close()
