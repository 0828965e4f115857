"""The live journal on PostgreSQL, chosen by the config (`journal = "postgresql://…"`): every
command that opens the live journal opens it there, its password comes from the keyring, and
a wrong address is refused with the config's line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest
from click.testing import CliRunner

from smwar.cli import main
from smwar.clock import ManualClock
from smwar.engine.pipeline import Idle
from smwar.engine.session import Session
from smwar.journal.address import open_journal
from smwar.model import Event
from smwar.paths import config_file, live_journal_path
from smwar.runbooks.definitions import RunbookSet
from smwar.tui.app import WarRoomApp
from tests.memory_keyring import FileKeyring
from tests.tools.postgres import Server

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _configure(text: str) -> None:
    config_file().parent.mkdir(parents=True, exist_ok=True)
    config_file().write_text(text, encoding="utf-8")


def test_the_live_journal_is_kept_in_postgresql_with_its_password_from_the_keyring(
    postgres_server: Server, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring.set_keyring(FileKeyring())
    _configure(f'operator = "anna"\njournal = "{postgres_url}"\n')
    runner = CliRunner()
    assert f"live:    {postgres_url}" in runner.invoke(main, ["paths"]).output

    host = str(postgres_server.socket_dir)
    listed = runner.invoke(main, ["auth", "list"]).output
    assert f"postgresql:{host}" in listed and "not set" in listed, "the journal's password is one of the secrets"
    password = postgres_server.passfile.read_text().strip().rsplit(":", 1)[1]
    stored = runner.invoke(main, ["auth", "set", f"postgresql:{host}"], input=f"{password}\n")
    assert stored.exit_code == 0 and "note:" not in stored.output and password not in stored.output
    monkeypatch.delenv("PGPASSFILE")  # from here on the keyring's password is the only one

    posts = tmp_path / "posts.jsonl"
    lines = [{"id": f"p{n}", "author": f"@kunde{n}@x.social", "text": "Meine AquaPro leckt"} for n in range(3)]
    posts.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    ingested = runner.invoke(main, ["ingest", str(posts)])
    assert ingested.exit_code == 0, ingested.output
    assert "3 mentions read, 3 new in the journal" in ingested.output
    assert not live_journal_path().exists(), "no SQLite journal was made beside it"
    with open_journal(postgres_url) as journal:
        assert sorted(journal.native_ids()) == ["p0", "p1", "p2"]
        assert journal.meta()["mode"] == "live"


@pytest.mark.parametrize(
    ("address", "said"),
    [
        ("postgresql://anna:hunter2@db.example/smwar", "must not carry its password"),
        ("postgresql://anna@db.example/smwar?password=hunter2", "must not carry its password"),
        ("mysql://db.example/smwar", "is no journal address: postgresql://USER@HOST/DB or sqlite:PATH"),
    ],
)
def test_a_wrong_journal_address_is_refused_with_the_config_line(address: str, said: str) -> None:
    _configure(f'operator = "anna"\njournal = "{address}"\n')
    result = CliRunner().invoke(main, ["paths"])
    assert result.exit_code != 0
    assert "config.toml:2: journal: " in result.output and said in result.output
    assert "hunter2" not in result.output.replace(address, "")


def test_a_password_in_an_address_never_shows_even_when_it_cannot_be_read() -> None:
    open_journal(str(live_journal_path())).close()  # the journal to copy
    for address in (
        "postgresql://anna:s3cr%zzet@db.example/smwar",
        "postgresql://anna@db.example/smwar?sslpassword=s3cr",
    ):
        result = CliRunner().invoke(main, ["journal", "migrate", "--to", address])
        assert result.exit_code != 0 and "must not carry its password" in result.output
        assert "s3cr" not in result.output


def test_journal_check_says_ok_for_a_sound_journal_and_names_what_is_broken(postgres_url: str) -> None:
    import psycopg

    _configure(f'operator = "anna"\njournal = "{postgres_url}"\n')
    with open_journal(postgres_url) as journal:
        journal.append_all([Event("note", T0, "anna"), Event("note", T0, "ben")])
    sound = CliRunner().invoke(main, ["journal", "check"])
    assert sound.exit_code == 0 and sound.output.strip() == "ok"
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("ALTER TABLE events DISABLE TRIGGER events_no_change")
    broken = CliRunner().invoke(main, ["journal", "check"])
    assert broken.exit_code != 0
    assert "the journal is damaged" in broken.output and "events can be changed" in broken.output


def test_a_journal_file_named_relatively_is_refused_as_each_war_room_would_find_its_own() -> None:
    _configure('operator = "anna"\njournal = "sqlite:live.sqlite"\n')
    result = CliRunner().invoke(main, ["paths"])
    assert result.exit_code != 0 and "config.toml:2: journal: " in result.output and "must be absolute" in result.output
    _configure('operator = "anna"\njournal = "sqlite:~/warroom.sqlite"\n')
    assert f"live:    {Path('~/warroom.sqlite').expanduser()}\n" in CliRunner().invoke(main, ["paths"]).output


def test_a_server_that_cannot_be_reached_is_named_as_configured_and_why_in_one_line() -> None:
    address = "postgresql://nobody@127.0.0.1:1/warroom"  # port 1: nothing listens, refused at once
    _configure(f'journal = "{address}"\n')
    for args in (["journal", "check"], ["journal", "check", "--journal", address]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2
        assert result.output.startswith(f"smwar: cannot open the PostgreSQL journal at {address} (connection failed: ")
        assert "Connection refused; Is the server running" in result.output
        assert result.output.count("\n") == 1


async def test_while_the_journals_server_is_down_the_status_line_says_so(
    postgres_server: Server, postgres_url: str, runbooks: RunbookSet
) -> None:
    """The war room keeps what it shows and says the journal is unreachable (not a source still
    'live' under a clock that stopped); once the server is back the status line is itself again."""
    journal = open_journal(postgres_url)
    session = Session(journal, runbooks, ManualClock(datetime(2026, 12, 1, 9, tzinfo=UTC)), Idle(), "anna")
    app = WarRoomApp(session, poll_seconds=3600)
    async with app.run_test(size=(140, 40)) as pilot:
        with postgres_server.stopped():
            app.main.refresh_views()
            await pilot.pause()
            status = str(app.main.query_one("#status").render())
            assert status.startswith(" journal unreachable, trying again: cannot open the PostgreSQL journal"), status
        app.main.refresh_views()
        await pilot.pause()
        assert "journal unreachable" not in str(app.main.query_one("#status").render())
    journal.close()
