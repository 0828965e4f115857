"""Live mode: sources configured from the command line, secrets in the keyring, and the war
room fed by them, with each source's health on screen."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest
from click.testing import CliRunner
from keyring.backends.fail import Keyring as FailKeyring
from textual.pilot import Pilot
from textual.widgets import TextArea

from smwar.cli import main
from smwar.config import load_config
from smwar.engine.follow import follow
from smwar.engine.live import MAX_INTAKE, LiveFeed, live_session, open_live_journal
from smwar.journal.store import Journal
from smwar.model import Mention
from smwar.paths import bundled_runbooks_dir, config_file, live_journal_path
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.loader import load_runbook_set
from smwar.sources.base import Batch
from smwar.tui.app import WarRoomApp
from smwar.tui.widgets.feed import Feed
from smwar.tui.widgets.sources import sources_text

from .conftest import notices, screen_text
from .memory_keyring import FileKeyring
from .tools.leaders import leading


def test_sources_are_added_listed_tested_and_removed_in_the_config(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    export.write_text('{"text": "Meine AquaPro leckt", "id": "1"}\n{oops\n', encoding="utf-8")
    runner = CliRunner()
    config_file().parent.mkdir(parents=True)
    config_file().write_text('# my settings\noperator = "Anna"\n', encoding="utf-8")
    added = runner.invoke(main, ["sources", "add", "jsonl", "export", f"path={export}"])
    assert added.exit_code == 0, added.output
    assert "# my settings" in config_file().read_text(encoding="utf-8"), "the rest of the file is kept"
    assert load_config().find_source("export").kind == "jsonl"
    assert f"export           jsonl      path={export}" in runner.invoke(main, ["sources", "list"]).output
    tested = runner.invoke(main, ["sources", "test", "export"])
    assert tested.exit_code == 0
    assert "export: 1 mentions, 1 unreadable items" in tested.output
    assert "jsonl : Meine AquaPro leckt" in tested.output
    wrong = runner.invoke(main, ["sources", "add", "jsonl", "other", "pathh=x"])
    assert wrong.exit_code == 2 and "path: Field required; pathh: Extra inputs are not permitted" in wrong.output
    empty = runner.invoke(main, ["sources", "add", "jsonl", "other", "path="])
    assert empty.exit_code == 2 and "path: String should have at least 1 character" in empty.output
    twice = runner.invoke(main, ["sources", "add", "jsonl", "export", f"path={export}"])
    assert twice.exit_code == 2 and "a source 'export' exists already" in twice.output
    assert runner.invoke(main, ["sources", "remove", "export"]).exit_code == 0
    assert load_config().source == []
    assert runner.invoke(main, ["sources", "test", "export"]).exit_code == 2


def test_sources_test_says_when_a_files_path_leads_to_nothing_or_to_a_directory(tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(main, ["sources", "add", "jsonl", "feed", f"path={tmp_path / 'nope.jsonl'}"])
    runner.invoke(main, ["sources", "add", "jsonl", "dir", f"path={tmp_path}"])
    missing = runner.invoke(main, ["sources", "test", "feed", "--seconds", "5"])
    assert missing.exit_code == 1
    assert f"feed: waiting for {tmp_path / 'nope.jsonl'} (no such file yet)" in missing.output
    folder = runner.invoke(main, ["sources", "test", "dir", "--seconds", "5"])
    assert folder.exit_code == 1 and f"dir: FAILED: {tmp_path} is a directory, not a file" in folder.output


def test_a_webhook_secret_lives_in_the_keyring_and_never_in_the_config() -> None:
    keyring.set_keyring(FileKeyring())
    runner = CliRunner()
    runner.invoke(main, ["sources", "add", "webhook", "hook", "port=0"])
    failed = runner.invoke(main, ["sources", "test", "hook"])
    assert failed.exit_code == 1 and "no signing secret: set one with `smwar auth set webhook:hook`" in failed.output
    stored = runner.invoke(main, ["auth", "set", "webhook:hook"], input="s3cret-value\n")
    assert stored.exit_code == 0 and "s3cret-value" not in stored.output
    assert "webhook:hook             set" in runner.invoke(main, ["auth", "list"]).output
    assert "s3cret-value" not in config_file().read_text(encoding="utf-8")
    quiet = runner.invoke(main, ["sources", "test", "hook", "--seconds", "0.5"])
    assert "hook: nothing arrived within 0.5 s" in quiet.output


async def shows(pilot: Pilot[None], app: WarRoomApp, words: str, seconds: float = 10) -> bool:
    """Whether `words` come on screen within `seconds` (the leader renews and reports every second)."""
    deadline = time.monotonic() + seconds
    while words not in screen_text(app):
        if time.monotonic() > deadline:
            return False
        await pilot.pause(0.1)
    return True


def test_live_mode_without_sources_says_how_to_add_one() -> None:
    result = CliRunner().invoke(main, [])
    assert result.exit_code == 1
    assert "smwar sources add jsonl export path=" in result.output and "smwar drill" in result.output


def test_a_leader_without_sources_is_refused_and_takes_no_lease() -> None:
    """On a host whose config names no sources, `smwar lead` would hold the ingest lease while
    the team's sources stopped: it is refused before it opens the journal."""
    result = CliRunner().invoke(main, ["lead"])
    assert result.exit_code == 2
    assert result.output.startswith("smwar: no sources configured on this host: a leader without them")
    assert not live_journal_path().exists()


async def test_the_live_war_room_shows_sources_and_pauses_one(tmp_path: Path, runbooks: RunbookSet) -> None:
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"text": "Meine AquaPro ist ausgelaufen", "id": "1"}) + "\n", encoding="utf-8")
    CliRunner().invoke(main, ["sources", "add", "jsonl", "export", f"path={export}", "poll_seconds=0.2"])
    config = load_config()
    journal = open_live_journal(config)
    follower = follow(journal, runbooks, config.operator)
    app = WarRoomApp(follower.session, follower=follower, poll_seconds=0.05, config=config)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            assert await shows(pilot, app, "no ingest process is running"), "before a leader runs, it says so"
            with leading(config):  # the leader process a war room starts, here on a thread
                assert await shows(pilot, app, "Meine AquaPro ist ausgela")
                assert await shows(pilot, app, "● export live")
                shown = screen_text(app)
                assert "LIVE · 1 sources · notifications go out for real" in shown
                assert "no ingest process" not in shown
                await pilot.press("S", "enter")
                await pilot.pause(0.2)
                assert "export paused." in notices(app)
                assert await shows(pilot, app, "⏸ export paused"), "the leader pauses it, whoever asked"
            copied: list[str] = []
            app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
            await pilot.press("r")
            app.screen.query_one(TextArea).text = "Das tut uns leid, bitte schreib uns eine DM."
            await pilot.press("ctrl+o")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert copied == ["Das tut uns leid, bitte schreib uns eine DM."], "live: to the clipboard, to post"
    finally:
        journal.close()
    events = list(open_live_journal(load_config()).events())
    assert [e.kind for e in events] == ["source.paused", "reply.recorded"]
    assert events[1].payload["simulated"] is False and events[1].payload["network"] == "jsonl"


async def test_a_war_room_behind_the_leaders_storm_catches_up_and_goes_on_following(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    """Another process journals more than a war room reads at once: it reads on at once, slice
    after slice, and then the next mention as ever."""
    path = tmp_path / "live.sqlite"
    journal, leader = Journal.open(path), Journal.open(path)  # the leader: a connection of its own
    follower = follow(journal, runbooks, "tester")
    app = WarRoomApp(follower.session, follower=follower, poll_seconds=0.05)
    at = datetime(2026, 12, 6, tzinfo=UTC)
    storm = 2 * MAX_INTAKE + 7
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause(0.2)
            leader.add_mentions(
                [(Mention("mastodon", str(n), "@a", f"Post {n}", at), at, (), (), None) for n in range(storm)]
            )
            assert await shows(pilot, app, f"{storm:,} mentions"), "every slice read"
            leader.add_mentions([(Mention("mastodon", "canary", "@b", "CANARY after the storm", at), at, (), (), None)])
            assert await shows(pilot, app, "CANARY after the storm"), "and the next mention as ever"
            assert app.query_one(Feed).count == storm + 1
    finally:
        journal.close()
        leader.close()


def test_a_storm_faster_than_the_pipeline_goes_through_in_slices_and_says_it_is_behind() -> None:
    feed = LiveFeed([], {})
    size = MAX_INTAKE * 5 // 2
    storm = [Mention("mastodon", str(n), "@a", f"Post {n}", datetime(2026, 12, 6, tzinfo=UTC)) for n in range(size)]
    feed._deliver("stream", Batch(mentions=storm))  # a source hands a storm over at once
    first = feed.due(datetime.now(UTC))
    assert [m.native_id for m in first.mentions] == [str(n) for n in range(MAX_INTAKE)], "the oldest first"
    assert feed.backlog() == size - MAX_INTAKE
    assert f"⧗ {size - MAX_INTAKE:,} waiting: the pipeline is behind" in sources_text([], feed.backlog()).plain
    feed.due(datetime.now(UTC))
    assert feed.backlog() == size - 2 * MAX_INTAKE and "waiting" not in sources_text([], feed.backlog()).plain


def test_a_drill_journal_is_never_taken_for_the_live_one() -> None:
    journal = open_live_journal(load_config())
    journal.set_meta({"mode": "drill"})
    journal.close()
    with pytest.raises(Exception, match="is a drill journal, not the live one"):
        open_live_journal(load_config())


def test_a_secret_belongs_to_one_instance_and_never_goes_over_plain_http_and_that_source_alone_fails() -> None:
    keyring.set_keyring(FileKeyring())
    runner = CliRunner()
    runner.invoke(main, ["sources", "add", "mastodon", "social", "instance=https://mastodon.social", "hashtags=a"])
    runner.invoke(main, ["sources", "add", "mastodon", "other", "instance=http://evil.example", "hashtags=a"])
    listed = runner.invoke(main, ["auth", "list"]).output
    assert "mastodon:mastodon.social" in listed and "mastodon:evil.example" in listed
    runner.invoke(main, ["auth", "set", "mastodon:evil.example"], input="tok\n")
    refused = runner.invoke(main, ["sources", "test", "other"])
    assert refused.exit_code == 2
    assert "source 'other': its secret would go unencrypted to evil.example; use https" in refused.output
    export = config_file().parent / "export.jsonl"
    export.write_text(json.dumps({"text": "Meine AquaPro ist ausgelaufen", "id": "1"}) + "\n", encoding="utf-8")
    runner.invoke(main, ["sources", "add", "jsonl", "export", f"path={export}"])
    config = load_config()
    with open_live_journal(config) as journal:  # the leader's session: that one source fails, the others run
        session, feed = live_session(config, load_runbook_set(bundled_runbooks_dir()), journal)
        feed.start()
        try:
            texts: list[str] = []
            deadline = time.monotonic() + 10
            while not texts and time.monotonic() < deadline:
                texts = [item.mention.text for item in session.pipeline.poll().mentions]
                time.sleep(0.1)
            assert texts == ["Meine AquaPro ist ausgelaufen"], "the others run"
            other = {health.source_id: health for health in feed.health()}["other"]
            assert other.state == "failing"
            assert other.reason == "source 'other': its secret would go unencrypted to evil.example; use https"
        finally:
            feed.stop()
            session.pipeline.close()


def test_without_a_keyring_auth_says_what_to_install() -> None:
    keyring.set_keyring(FailKeyring())
    CliRunner().invoke(main, ["sources", "add", "webhook", "hook", "port=0"])
    result = CliRunner().invoke(main, ["auth", "list"])
    assert result.exit_code == 2 and "no usable OS keyring" in result.output and "keyrings.alt" in result.output


def test_a_password_in_an_address_is_refused_and_lists_take_one_item_or_many() -> None:
    runner = CliRunner()
    refused = runner.invoke(main, ["sources", "add", "rss", "feed", "url=https://me:hunter2@feeds.example/x"])
    assert refused.exit_code == 2 and "url must not hold a user or password" in refused.output
    assert not config_file().exists() or "hunter2" not in config_file().read_text(encoding="utf-8")
    runner.invoke(main, ["sources", "add", "mastodon", "m", "instance=https://mastodon.social", "hashtags=AquaPro"])
    runner.invoke(main, ["sources", "add", "reddit", "r", "query=AquaPro, recall"])
    assert load_config().find_source("m").hashtags == ["aquapro"]  # type: ignore[union-attr]
    assert load_config().find_source("r").query == "AquaPro, recall"  # type: ignore[union-attr]


def test_config_edits_keep_a_symlink_and_a_private_mode_and_refuse_an_inline_array(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "smwar.toml"
    real.parent.mkdir()
    real.write_text('operator = "Anna"\n', encoding="utf-8")
    real.chmod(0o600)
    config_file().parent.mkdir(parents=True)
    config_file().symlink_to(real)
    runner = CliRunner()
    assert runner.invoke(main, ["sources", "add", "jsonl", "e", "path=/tmp/x.jsonl"]).exit_code == 0
    assert config_file().is_symlink() and (real.stat().st_mode & 0o777) == 0o600
    assert 'kind = "jsonl"' in real.read_text(encoding="utf-8")
    real.write_text('source = [{id = "e", kind = "jsonl", path = "/tmp/x.jsonl"}]\n', encoding="utf-8")
    refused = runner.invoke(main, ["sources", "add", "jsonl", "f", "path=/tmp/y.jsonl"])
    assert refused.exit_code == 2 and "inline array; write them as [[source]] tables" in refused.output


def test_ingest_reads_a_pipe_or_a_file_into_the_live_journal(tmp_path: Path) -> None:
    lines = "".join(json.dumps({"text": t, "id": str(n)}) + "\n" for n, t in enumerate(["AquaPro leckt", "hallo"]))
    piped = CliRunner().invoke(main, ["ingest", "-"], input=lines + "not json\n")
    assert piped.exit_code == 0, piped.output
    assert "2 mentions read, 2 new in the journal, 1 unreadable lines quarantined" in piped.output
    assert "  quarantined (Expecting value: line 1 column 1 (char 0)): not json" in piped.output, "it says why"
    export = tmp_path / "export.jsonl"
    export.write_text(lines + json.dumps({"text": "third", "id": "9"}), encoding="utf-8")  # no last newline
    again = CliRunner().invoke(main, ["ingest", str(export)])
    assert "3 mentions read, 1 new in the journal" in again.output, "repeats are kept once"
    missing = CliRunner().invoke(main, ["ingest", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "nope.jsonl: no such file" in missing.output
    folder = CliRunner().invoke(main, ["ingest", str(tmp_path)])
    assert folder.exit_code == 2 and f"{tmp_path}: is a directory, not a file" in folder.output


async def test_the_detail_pane_shows_a_mentions_display_name_and_what_it_replies_to(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    item = {"text": "Same here, my AquaPro leaks", "id": "r1", "author": "@ann@x.social", "author_name": "Ann \x1b[31m",
            "reply_to": "https://x.social/@bob/1", "quote_of": "https://x.social/@eve/2"}  # fmt: skip
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps(item) + "\n" + json.dumps({"text": "later", "id": "r2"}) + "\n", encoding="utf-8")
    ingested = await asyncio.to_thread(CliRunner().invoke, main, ["ingest", str(export)])  # it runs its own loop
    assert "2 new in the journal" in ingested.output, ingested.output
    journal = open_live_journal(load_config())
    follower = follow(journal, runbooks, "tester")
    app = WarRoomApp(follower.session, follower=follower, poll_seconds=3600)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("up")  # the first of the two
        await pilot.pause()
        shown = screen_text(app)
    journal.close()
    assert "@ann@x.social (Ann ␛[31m)" in shown, "display names are untrusted text too"
    assert "replies to https://x.social/@bob/1" in shown and "quotes https://x.social/@eve/2" in shown


@pytest.mark.parametrize("command", [[], ["drill"], ["serve"]])
def test_a_blank_name_to_work_as_is_refused_before_anything_starts(command: list[str]) -> None:
    result = CliRunner().invoke(main, ["--as", "  ", *command])
    assert result.exit_code == 2 and "Invalid value for '--as': needs a name" in result.output
