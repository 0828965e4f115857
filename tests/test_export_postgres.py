"""Exports and the review read from either backend: a journal moved from SQLite to PostgreSQL
(`smwar journal migrate`) exports the same bytes in every format, the review screen shows the
same post-mortem, and `smwar export` reads the configured PostgreSQL journal."""

from __future__ import annotations

import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from textual.widgets import DataTable, Input

from smwar.cli import main
from smwar.clock import ManualClock
from smwar.engine.export import export, pseudonyms_of
from smwar.engine.pipeline import Idle
from smwar.engine.review import ReadingSession, span_of
from smwar.engine.session import Session
from smwar.journal.address import open_journal
from smwar.journal.pages import MentionFilter
from smwar.journal.postgres.copy import copy_journal
from smwar.journal.reading import Span
from smwar.journal.store import Journal
from smwar.model import Match, Mention, Triage
from smwar.paths import config_file
from smwar.review import tables
from smwar.runbooks.definitions import RunbookSet
from smwar.tui.app import WarRoomApp
from smwar.tui.screens.review import ReviewScreen

from .conftest import screen_text
from .test_export_stream import T0, hostile_incident
from .test_review import worked

FORMATS = ["md", "html", "csv", "json"]


def moved(path: Path, url: str) -> None:
    """The SQLite journal at `path` copied to the PostgreSQL database at `url`."""
    copy_journal(f"sqlite:{path}", url, lambda *_: None)


def written(session: Session, incident_id: int, fmt: str, target: Path, *, shared: bool) -> dict[str, bytes]:
    """What an export writes: the file's bytes, or for the zip each file's in it (the zip's own
    bytes carry the time it was written)."""
    export(session, incident_id, fmt, target, pseudonymise=shared)
    if fmt == "csv":
        with zipfile.ZipFile(target) as archive:
            return {name: archive.read(name) for name in archive.namelist()}
    return {target.name: target.read_bytes()}


def same_exports(sqlite: Session, postgres: Session, incident_id: int, tmp_path: Path) -> None:
    for fmt in FORMATS:
        for shared in (False, True):
            kept = written(sqlite, incident_id, fmt, tmp_path / f"sqlite.{fmt}", shared=shared)
            moved_over = written(postgres, incident_id, fmt, tmp_path / f"postgres.{fmt}", shared=shared)
            assert moved_over.values() and list(moved_over.values()) == list(kept.values()), (fmt, shared)


def test_a_hostile_incident_exports_the_same_bytes_from_either_backend(
    tmp_path: Path, runbooks: RunbookSet, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Escape sequences, formulas, quotes, line breaks, text past ASCII, a score Python writes
    otherwise than SQLite, a mention linked by hand, read three at a time: byte for byte."""
    monkeypatch.setattr(tables, "CHUNK", 3)
    path = tmp_path / "journal.sqlite"
    with Journal.open(path) as journal:
        session, incident_id = hostile_incident(journal, runbooks)
        late = Mention("mastodon", "thirds", "@drittel@x.social", "ein Drittel, plain", T0 + timedelta(seconds=30))
        journal.add_mentions(
            [
                (
                    late,
                    T0 + timedelta(seconds=30),
                    (Match("product-defect", 1 / 3, ()),),
                    (),
                    Triage("respond", "affected-customers", ("complaint",)),
                )
            ]
        )
        pseudonyms_of(session)  # the journal's salt, moved with it: the same pseudonyms on both
        moved(path, postgres_url)
        clock = ManualClock(session.clock.now())
        with open_journal(postgres_url) as postgres:
            same_exports(
                ReadingSession(journal, runbooks, clock),
                ReadingSession(postgres, runbooks, clock),
                incident_id,
                tmp_path,
            )


def test_a_worked_drill_exports_the_same_bytes_from_either_backend(
    tmp_path: Path, runbooks: RunbookSet, postgres_url: str
) -> None:
    run, clock, session, incident_id = worked(runbooks)
    pseudonyms_of(session)
    moved(run.journal.path, postgres_url)
    with open_journal(postgres_url) as postgres:
        same_exports(session, ReadingSession(postgres, runbooks, clock), incident_id, tmp_path)
    run.journal.close()


def test_the_review_searches_a_postgresql_journal_with_its_text_search(runbooks: RunbookSet, postgres_url: str) -> None:
    run, _clock, session, incident_id = worked(runbooks)
    moved(run.journal.path, postgres_url)
    with open_journal(postgres_url) as postgres, postgres.reader() as reader:
        span = span_of(session.desk.incident(incident_id), session)
        found = {
            text: [row.author for row in reader.search(span, MentionFilter.parse(text))]
            for text in ("aquapro network:mastodon", "author:WUTBUERGER", "ausgel", "100%_")
        }
    assert found["aquapro network:mastodon"] == ["@jana_k@chaos.social", "@kai@muenchen.social"]
    assert found["author:WUTBUERGER"] == ["@wutbuerger77@mastodon.social"]
    assert found["ausgel"] and found["100%_"] == []
    run.journal.close()


async def test_the_review_screen_shows_the_post_mortem_of_a_postgresql_journal(
    runbooks: RunbookSet, postgres_url: str
) -> None:
    run, clock, _session, incident_id = worked(runbooks)
    moved(run.journal.path, postgres_url)
    run.journal.close()
    with open_journal(postgres_url) as postgres:
        session = Session(postgres, runbooks, ManualClock(clock.now()), Idle(), "tester")  # type: ignore[arg-type]
        app = WarRoomApp(session, poll_seconds=3600)
        async with app.run_test(size=(140, 50)) as pilot:
            app.push_screen(ReviewScreen(session, incident_id))
            await pilot.pause()
            shown = screen_text(app)
            assert "Post-mortem: Product defect: leaking washing machines — incident #1" in shown
            assert "Mentions: 6 (mastodon 4, bluesky 1, reddit 1)" in shown
            assert "Time to first reply: 1m" in shown and "Deadlines missed: 1" in shown
            assert "facts: skipped — the quality team had them already" in shown
            app.screen.query_one("#review-search", Input).value = "aquapro network:mastodon"
            app.screen.query_one("#review-search", Input).focus()
            await pilot.press("enter")
            mentions = app.screen.query_one("#review-mentions", DataTable)
            assert mentions.row_count == 2 and mentions.border_title == "Mentions: 2 found"


def test_smwar_export_reads_the_configured_postgresql_journal(
    tmp_path: Path, runbooks: RunbookSet, postgres_url: str
) -> None:
    run, _clock, _session, incident_id = worked(runbooks)
    moved(run.journal.path, postgres_url)
    run.journal.close()
    config_file().parent.mkdir(parents=True, exist_ok=True)
    config_file().write_text(f'journal = "{postgres_url}"\n', encoding="utf-8")
    for fmt in ("json", "md"):
        kept, moved_over = tmp_path / f"kept.{fmt}", tmp_path / f"moved.{fmt}"
        result = CliRunner().invoke(main, ["export", str(incident_id), "--format", fmt, "-o", str(moved_over)])
        assert result.exit_code == 0 and f"wrote {moved_over}" in result.output, result.output
        result = CliRunner().invoke(
            main, ["export", str(incident_id), "--format", fmt, "-o", str(kept), "--run", str(run.journal.path)]
        )
        assert result.exit_code == 0, result.output
        assert moved_over.read_bytes() == kept.read_bytes()
    wrong = CliRunner().invoke(main, ["export", "9"])
    assert wrong.exit_code == 2 and "no incident #9 in postgresql://" in wrong.output
    assert "(incidents: #1)" in wrong.output


def test_a_postgresql_reader_reads_the_journal_as_it_was_when_it_began(postgres_url: str) -> None:
    """An export is of one moment of the journal, whatever the team writes while it runs."""

    def leak(native_id: str) -> tuple[Mention, datetime, tuple[Match, ...], tuple[str, ...], None]:
        mention = Mention("mastodon", native_id, "@jana@chaos.social", "AquaPro ausgelaufen", T0)
        return mention, T0, (Match("product-defect", 0.9, ()),), (), None

    span = Span("product-defect", T0, T0 + timedelta(hours=1))
    with open_journal(postgres_url) as journal:
        journal.add_mentions([leak("1")])
        with journal.reader() as reader:
            assert reader.tally(span, ()).mentions == 1
            journal.add_mentions([leak("2")])
            assert reader.tally(span, ()).mentions == 1 and [row[0] for row in reader.rows(span)] == [1]
        with journal.reader() as reader:
            assert [row[0] for row in reader.rows(span)] == [1, 2]
