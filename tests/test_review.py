"""The post-mortem: built from a worked incident's journal, on screen, and exported as
Markdown, HTML (opened in a real headless browser), CSV and JSON, also pseudonymised."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from smwar.cli import main
from smwar.engine.drill import DrillRun
from smwar.engine.export import export
from smwar.engine.review import add_lesson, build_review, span_of
from smwar.journal.pages import MentionFilter
from smwar.runbooks.definitions import RunbookSet
from smwar.tui.app import WarRoomApp
from smwar.tui.rooms.drill import DrillInfo
from smwar.tui.screens.review import ReviewScreen

from .conftest import screen_text, shown_in, start_drill
from .test_scoring import SCORED_DRILL

BROWSER = shutil.which("chromium-headless-shell") or shutil.which("chromium") or shutil.which("chromium-browser")


def worked(runbooks: RunbookSet, script: Path = SCORED_DRILL):  # type: ignore[no-untyped-def]
    """The scored drill's leak incident, worked: opened, a step done, one skipped late, two
    replies (one to a troll), a note, resolved, a lesson."""
    run, clock, session = start_drill(runbooks, script)
    clock.advance(timedelta(minutes=2))
    [proposal] = session.pipeline.poll().proposals
    session.desk.open_incident(proposal.id, "answer every affected customer within 2 hours")
    clock.advance(timedelta(minutes=1))
    session.desk.complete_step(proposal.id, "notify-pr")
    by_author = {item.mention.author: item for item in session.journal.mentions()}
    session.desk.record_reply(
        by_author["u/wasserschaden_ffm"], "Das tut uns leid! Bitte schreib uns per DM.", simulated=True
    )
    clock.advance(timedelta(minutes=28))  # T+31:00: facts was due at T+22:00
    session.desk.skip_step(proposal.id, "facts", "the quality team had them already")
    session.desk.record_reply(by_author["@wutbuerger77@mastodon.social"], "Wir schweigen nicht.", simulated=True)
    session.desk.add_note(proposal.id, None, "press called, see https://example.org/presse")
    session.desk.resolve_incident(proposal.id, "statement out, every affected customer answered")
    add_lesson(session, proposal.id, "Put the hotline number on the status page at once")
    return run, clock, session, proposal.id


def test_the_review_has_the_figures_timeline_deviations_replies_and_lessons(runbooks: RunbookSet) -> None:
    run, _clock, session, incident_id = worked(runbooks)
    review = build_review(session, incident_id)
    assert review.metrics.time_to_detect == timedelta(seconds=120) - timedelta(seconds=120)  # all arrived at once
    assert review.metrics.time_to_open == timedelta(0)
    assert review.first_reply == timedelta(minutes=1)
    assert [step.step_id for step in review.metrics.missed] == ["facts"]
    # the Hacker News post is still held back by the drill's outage
    assert review.mentions == 6 and review.networks == {"mastodon": 4, "bluesky": 1, "reddit": 1}
    # the plan says: answer VIPs, journalists, complaints and support requests; ignore trolls
    assert review.must_answer == sum(
        1 for item in session.journal.mentions() if item.triage and item.triage.action == "respond"
    )
    assert review.must_answer == 5, "every affected customer; not the troll, nor the football news (not about us)"
    assert review.answered == 1
    kinds = [entry.kind for entry in review.timeline]
    assert kinds[:3] == ["incident.proposed", "incident.opened", "step.done"]
    assert kinds.count("reply.recorded") == 2 and "lesson.added" in kinds and kinds[-1] == "lesson.added"
    assert "step facts skipped: the quality team had them already" in review.deviations
    assert "step facts missed its deadline (20 min after opening)" in review.deviations
    first = review.replies[0]
    assert (first.author, first.took, first.simulated) == ("u/wasserschaden_ffm", timedelta(minutes=1), True)
    assert [lesson.text for lesson in review.lessons] == ["Put the hotline number on the status page at once"]
    assert sum(review.volume.series["product-defect"]) == review.mentions
    run.journal.close()


def test_markdown_html_csv_and_json_exports(tmp_path: Path, runbooks: RunbookSet) -> None:
    run, _clock, session, incident_id = worked(runbooks)
    paths = {
        fmt: export(session, incident_id, fmt, tmp_path / f"x.{fmt}", pseudonymise=False)
        for fmt in ["md", "html", "csv", "json"]
    }

    markdown = paths["md"].read_text()
    for heading in ("## Metrics", "## Reaction chain", "## Timeline", "## Replies", "## Lessons learned"):
        assert heading in markdown
    assert "| Time to first reply | 1m |" in markdown
    assert "| Deadlines missed | 1 |" in markdown
    assert "| Steps done on time | 1 of 2 due; 5 not due by its close |" in markdown, "one done, one skipped late"
    assert "- Put the hotline number on the status page at once (tester)" in markdown

    page = paths["html"].read_text()
    assert "<script" not in page and "src=" not in page and "<link" not in page, "self-contained, nothing to fetch"
    assert page.count('class="series"') == 1 and page.count('class="step"') == 7 and page.count('class="reply"') == 2

    with zipfile.ZipFile(paths["csv"]) as archive:
        assert sorted(archive.namelist()) == ["events.csv", "mentions.csv"]
        mentions = list(csv.DictReader(io.TextIOWrapper(archive.open("mentions.csv"), encoding="utf-8")))
        events = list(csv.DictReader(io.TextIOWrapper(archive.open("events.csv"), encoding="utf-8")))
    assert len(mentions) == 6 and {m["author"] for m in mentions} >= {"anna.bsky.social", "@kai@muenchen.social"}
    assert [e["kind"] for e in events][:2] == ["incident.proposed", "incident.opened"]

    document = json.loads(paths["json"].read_text())
    fields = document["mention_fields"]
    assert len(document["mentions"]) == 6 and fields[3] == "author"
    assert document["metrics"]["deadlines_missed"] == 1 and document["incident"]["status"] == "resolved"
    assert [s["id"] for s in document["steps"] if s["missed"]] == ["facts"]
    run.journal.close()


def test_pseudonymised_exports_hide_authors_and_links_and_keep_them_apart(tmp_path: Path, runbooks: RunbookSet) -> None:
    run, _clock, session, incident_id = worked(runbooks)
    texts = {}
    for fmt in ("md", "html", "json"):
        texts[fmt] = export(session, incident_id, fmt, tmp_path / f"s.{fmt}", pseudonymise=True).read_text()
    archive = zipfile.ZipFile(export(session, incident_id, "csv", tmp_path / "s.zip", pseudonymise=True))
    texts["csv"] = archive.read("mentions.csv").decode() + archive.read("events.csv").decode()
    authors = {item.mention.author for item in session.journal.mentions()}
    for fmt, text in texts.items():
        for author in authors:
            assert author not in text, (fmt, author)
        assert "https://example.org" not in text and "example.org/presse" not in text, fmt
        assert "link removed" in text, fmt
    document = json.loads(texts["json"])
    by_author = [row[3] for row in document["mentions"]]
    again = json.loads(export(session, incident_id, "json", tmp_path / "t.json", pseudonymise=True).read_text())
    assert [row[3] for row in again["mentions"]] == by_author, "the same author, the same pseudonym"
    assert len(set(by_author)) == len(by_author) == 6, "six authors, six pseudonyms"
    native_ids = [row[2] for row in document["mentions"]]
    assert all(native.startswith("post-") for native in native_ids), "post ids lead to their authors"
    assert document["replies"][0]["to"] in by_author
    run.journal.close()


@pytest.mark.skipif(BROWSER is None and not os.environ.get("CI"), reason="no headless Chromium on this machine")
def test_the_html_export_renders_its_charts_in_a_real_browser(tmp_path: Path, runbooks: RunbookSet) -> None:
    assert BROWSER is not None, "CI installs chromium-headless-shell (see .ci/run)"
    run, _clock, session, incident_id = worked(runbooks)
    page = export(session, incident_id, "html", tmp_path / "x.html", pseudonymise=False)
    shot = tmp_path / "x.png"
    flags = ["--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"]
    dom = subprocess.run(
        [BROWSER, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert dom.count("<svg") == 3 and "Post-mortem: Product defect" in dom and 'class="milestone"' in dom
    subprocess.run(
        [BROWSER, *flags, f"--screenshot={shot}", "--window-size=1000,1800", page.as_uri()],
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert shot.stat().st_size > 20_000, "a page with charts, not a blank one"
    run.journal.close()


def test_the_export_command_writes_a_file_or_says_which_incidents_exist(tmp_path: Path, runbooks: RunbookSet) -> None:
    run, _clock, _session, incident_id = worked(runbooks)
    target = tmp_path / "pm.md"
    result = CliRunner().invoke(main, ["export", str(incident_id), "--run", run.name, "-o", str(target)])
    assert result.exit_code == 0 and f"wrote {target}" in result.output
    assert target.read_text().startswith("# Post-mortem: Product defect")
    wrong = CliRunner().invoke(main, ["export", "9", "--run", run.name])
    assert wrong.exit_code == 2 and "no incident #9" in wrong.output and "(incidents: #1)" in wrong.output
    run.journal.close()


def test_search_finds_mentions_by_words_network_author_scenario_and_action(runbooks: RunbookSet) -> None:
    run, _clock, session, incident_id = worked(runbooks)
    span = span_of(session.desk.incident(incident_id), session)
    with run.journal.reader() as reader:
        assert [r.author for r in reader.search(span, MentionFilter.parse("aquapro network:mastodon"))] == [
            "@jana_k@chaos.social",
            "@kai@muenchen.social",
        ]
        assert [r.author for r in reader.search(span, MentionFilter.parse("author:wutbuerger"))] == [
            "@wutbuerger77@mastodon.social"
        ]
        assert "fussballfan.bsky.social" not in {
            r.author for r in reader.search(span, MentionFilter.parse("scenario:product-defect"))
        }
        assert reader.search(span, MentionFilter.parse("100%_")) == [], "LIKE wildcards are taken literally"
        ignored = reader.search(span, MentionFilter.parse("action:IGNORE"))
        assert ignored and {row.action for row in ignored} == {"ignore"}, "the same search as the feed's"
    run.journal.close()


@asynccontextmanager
async def reviewing(runbooks: RunbookSet) -> AsyncIterator[tuple[WarRoomApp, Pilot[None], DrillRun, int]]:
    """The post-mortem of the worked incident, on screen: the app, its pilot, the run and the incident."""
    run, _clock, session, incident_id = worked(runbooks)
    app = WarRoomApp(session, drill=DrillInfo.of(run), poll_seconds=3600)
    async with app.run_test(size=(140, 50)) as pilot:
        app.push_screen(ReviewScreen(session, incident_id))
        await pilot.pause()
        yield app, pilot, run, incident_id


async def test_the_review_screen_filters_searches_and_keeps_a_lesson(runbooks: RunbookSet) -> None:
    async with reviewing(runbooks) as (app, pilot, run, incident_id):
        shown = screen_text(app)
        assert "Post-mortem: Product defect: leaking washing machines — incident #1" in shown
        assert "Time to first reply: 1m" in shown and "Deadlines missed: 1" in shown
        timeline = app.screen.query_one("#review-timeline", DataTable)
        everything = timeline.row_count
        app.screen.query_one("#review-filter", Input).value = "reply"
        await pilot.pause()
        assert timeline.row_count == 2 < everything
        app.screen.query_one("#review-search", Input).value = "author:kai"
        app.screen.query_one("#review-search", Input).focus()
        await pilot.press("enter")
        mentions = app.screen.query_one("#review-mentions", DataTable)
        assert mentions.row_count == 1
        app.screen.query_one("#review-search", Input).value = "network:mastdon"
        await pilot.press("enter")
        assert "not searched: unknown network “mastdon” (mastodon," in str(mentions.border_title)
        assert mentions.row_count == 1, "what was found stays"
        app.screen.query_one(DataTable).focus()
        await pilot.press("L")
        app.screen.query_one(Input).value = "Answer the consumer portal first"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert [x.text for x in app.screen.review.lessons][-1] == "Answer the consumer portal first"
    kinds = [event.kind for event in run.journal.events(incident_id)]
    assert kinds.count("lesson.added") == 2
    run.journal.close()


async def test_a_refused_search_is_named_as_typed_never_as_markup(runbooks: RunbookSet) -> None:
    async with reviewing(runbooks) as (app, pilot, run, _incident_id):
        mentions = app.screen.query_one("#review-mentions", DataTable)
        search = app.screen.query_one("#review-search", Input)
        search.focus()
        for typed, named in [
            ("scenario:[reverse]REV[/reverse]", "“[reverse]REV[/reverse]”"),
            ("scenario:x[/]", "“x[/]”"),
        ]:
            search.value = typed
            await pilot.press("enter")
            await pilot.pause()
            shown = shown_in(mentions)
            assert f"Mentions: not searched: unknown scenario {named}" in shown, shown
        assert isinstance(app.screen, ReviewScreen) and app.is_running
        await pilot.press("escape")
        assert not isinstance(app.screen, ReviewScreen), "the keys still work"
    run.journal.close()


async def test_lessons_come_back_when_the_scenario_fires_again(runbooks: RunbookSet, tmp_path: Path) -> None:
    script = tmp_path / "twice.toml"
    again = "".join(
        f'\n[[inject]]\nat = "00:40:{n * 5:02d}"\nnetwork = "mastodon"\nauthor = "@neu{n}@social.example"\n'
        f'lang = "de"\ntext = "Meine AquaPro ist ausgelaufen, alles unter Wasser #{n}"\n'
        for n in range(7)
    )
    script.write_text(SCORED_DRILL.read_text() + again, encoding="utf-8")
    run, clock, session, first = worked(runbooks, script)
    app = WarRoomApp(session, drill=DrillInfo.of(run), poll_seconds=3600)
    async with app.run_test(size=(140, 40)) as pilot:
        clock.advance(timedelta(minutes=10))  # T+42:00
        [proposal] = app.main.poll_now().proposals
        await pilot.pause()
        assert proposal.id != first and proposal.scenario_id == "product-defect"
        [lesson] = app.main.desk.journal.notices("lesson", "product-defect")
        assert "Put the hotline number on the status page at once (#1)" in lesson.body, "waiting in the inbox"
        await pilot.press("i")
        assert "Lesson from incident #1: Put the hotline number on the status page at once" in screen_text(app)
    run.journal.close()
