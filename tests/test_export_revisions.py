"""Exports carry both: a mention's text as first seen, and what became of it on its network (an
edit's text, or that it was deleted), sanitised like every other text."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from smwar.clock import ManualClock
from smwar.engine.export import export
from smwar.engine.pipeline import Idle
from smwar.engine.review import span_of
from smwar.engine.session import Session
from smwar.journal.store import Journal
from smwar.model import DELETED, EDITED, Match, Mention, Revision, Triage
from smwar.review import tables
from smwar.runbooks.definitions import RunbookSet
from tests.test_hostile_outputs import active_in

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FIRST = {
    "m1": "Meine AquaPro ist ausgelaufen, das Bad steht unter Wasser",
    "m2": "AquaPro undicht, nie wieder Elektro-Müller!",
    "m3": "AquaPro leckt, Hotline hilft nicht",
}
EDIT = "Hat sich erledigt, danke \x1b]0;PWNED\x07 https://example.social/@kunde1/1"


def _item(native_id: str) -> tuple[Mention, datetime, tuple[Match, ...], tuple[str, ...], Triage]:
    mention = Mention("mastodon", native_id, f"@kunde-{native_id}@x.social", FIRST[native_id], T0, "de")
    return mention, T0, (Match("product-defect", 0.9, ()),), (), Triage("respond", "affected-customers", ())


def _exported(tmp_path: Path, runbooks: RunbookSet, fmt: str, *, pseudonymise: bool = False) -> bytes:
    with Journal.open(tmp_path / "live.sqlite") as journal:
        first = journal.add_mentions([_item("m1"), _item("m2"), _item("m3")])
        journal.add_mentions(  # the edit and the deletion, as a source hands them over with its next batch
            [],
            revisions=[
                Revision("mastodon", "m2", EDITED, T0 + timedelta(minutes=1), "erst bearbeitet"),
                Revision("mastodon", "m1", EDITED, T0 + timedelta(minutes=2), EDIT),
                Revision("mastodon", "m2", DELETED, T0 + timedelta(minutes=3)),
            ],
        )
        session = Session(journal, runbooks, ManualClock(T0 + timedelta(minutes=5)), Idle(), "anna")
        incident = session.desk.open_from_mention(first[0], "product-defect", "answer everyone")
        target = tmp_path / f"export.{fmt}"
        export(session, incident.id, fmt, target, pseudonymise=pseudonymise)
    if fmt == "csv":
        with zipfile.ZipFile(target) as archive:
            return archive.read("mentions.csv")
    return target.read_bytes()


def test_the_csv_carries_the_first_text_and_the_edit_or_deletion(tmp_path: Path, runbooks: RunbookSet) -> None:
    written = _exported(tmp_path, runbooks, "csv").decode()
    assert not active_in(written.replace("\r\n", "\n")), "the edit's escape sequence is made inert"
    rows = {row["native_id"]: row for row in csv.DictReader(io.StringIO(written, newline=""))}
    assert rows["m1"]["text"] == FIRST["m1"], "the text as first seen stays"
    assert (rows["m1"]["revised"], rows["m1"]["revised_text"]) == (
        EDITED,
        EDIT.replace("\x1b", "␛").replace("\x07", "␇"),
    )
    assert (rows["m2"]["text"], rows["m2"]["revised"], rows["m2"]["revised_text"]) == (FIRST["m2"], DELETED, "")
    assert (rows["m3"]["revised"], rows["m3"]["revised_text"]) == ("", "")


def test_the_json_carries_the_first_text_and_the_edit_or_deletion(tmp_path: Path, runbooks: RunbookSet) -> None:
    written = json.loads(_exported(tmp_path, runbooks, "json"))
    rows = {
        row["native_id"]: row
        for row in (dict(zip(written["mention_fields"], m, strict=True)) for m in written["mentions"])
    }
    assert (rows["m1"]["text"], rows["m1"]["revised"], rows["m1"]["revised_text"]) == (FIRST["m1"], EDITED, EDIT)
    assert (rows["m2"]["text"], rows["m2"]["revised"], rows["m2"]["revised_text"]) == (FIRST["m2"], DELETED, None)
    assert (rows["m3"]["revised"], rows["m3"]["revised_text"]) == (None, None)


def test_a_shared_export_drops_the_links_of_an_edit_too(tmp_path: Path, runbooks: RunbookSet) -> None:
    written = json.loads(_exported(tmp_path, runbooks, "json", pseudonymise=True))
    fields = written["mention_fields"]
    [edited] = [row for row in written["mentions"] if row[fields.index("revised")] == EDITED]
    assert edited[fields.index("revised_text")].startswith("Hat sich erledigt")
    assert "example.social" not in edited[fields.index("revised_text")]


def test_the_post_mortem_lists_what_became_of_the_incidents_posts(tmp_path: Path, runbooks: RunbookSet) -> None:
    markdown = _exported(tmp_path, runbooks, "md").decode()
    section = markdown[markdown.index("## Edited and deleted posts") : markdown.index("## Deviations")]
    assert FIRST["m1"] in section and "edited: Hat sich erledigt, danke ␛\\]0;PWNED␇" in section
    assert f"| {FIRST['m2']} | deleted |" in section and FIRST["m3"] not in section, "only what was revised"
    html = _exported(tmp_path / "html", runbooks, "html").decode()
    assert "<h2>Edited and deleted posts</h2>" in html and "edited: Hat sich erledigt, danke ␛]0;PWNED␇" in html
    assert not active_in(markdown) and not active_in(html)


def test_an_edit_to_quote_or_mark_is_written_as_the_rules_write_it(tmp_path: Path, runbooks: RunbookSet) -> None:
    """An edit's text with a comma, quotes and a line break, or one a spreadsheet would run, is
    quoted and marked in the CSV as `csv.writer` and the sanitiser write it; so is a mention
    edited to nothing of the kind, beside them."""
    edits = ["nun doch, mit Komma", 'Er sagte "nie"\nund ging', "@elektromueller answer (now)!", "=1+1", "ok"]
    with Journal.open(tmp_path / "live.sqlite") as journal:
        items = [
            (Mention("mastodon", f"e{n}", "@kunde@x.social", f"Erst {n}", T0, "de"), T0, *_item("m1")[2:])
            for n in range(len(edits))
        ]
        first = journal.add_mentions(items)
        edited = T0 + timedelta(minutes=1)
        revisions = [Revision("mastodon", f"e{n}", EDITED, edited, edit) for n, edit in enumerate(edits)]
        journal.add_mentions([], revisions=revisions)
        session = Session(journal, runbooks, ManualClock(T0 + timedelta(minutes=5)), Idle(), "anna")
        incident = session.desk.open_from_mention(first[0], "product-defect", "answer everyone")
        with journal.reader() as reader:
            rows = list(reader.rows(span_of(session.desk.incident(incident.id), session)))
        with zipfile.ZipFile(export(session, incident.id, "csv", tmp_path / "x.zip", pseudonymise=False)) as archive:
            written = archive.read("mentions.csv")
    assert [row[-2] for row in rows] == edits
    assert written == tables._csv_lines([tables.MENTION_FIELDS, *rows])
    by_id = {row["native_id"]: row for row in csv.DictReader(io.StringIO(written.decode(), newline=""))}
    assert by_id["e1"]["revised_text"] == 'Er sagte "nie"\nund ging' and by_id["e3"]["revised_text"] == "'=1+1"
