"""Exports write mentions as SQLite formats them on the read, and a row with a value to
neutralise value by value: whichever way a row goes, it comes out as the value-by-value rules
write it (`_cell` and `csv.writer`, `json.dumps`), and nothing in it acts on a terminal or a
spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smwar.clock import ManualClock
from smwar.engine.export import export
from smwar.engine.pipeline import Idle
from smwar.engine.review import build_review, span_of
from smwar.engine.session import Session
from smwar.journal.store import Journal
from smwar.model import Match, Mention, Triage
from smwar.plaintext import printable
from smwar.review import sqlrows, tables
from smwar.runbooks.definitions import RunbookSet
from tests.test_hostile_outputs import active_in

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
TEXTS = [
    "Meine AquaPro ist ausgelaufen, das Bad steht unter Wasser",  # a comma: quoted
    "\x1b]0;PWNED\x07 \x1b[31mrot\x1b[0m \u202egnirts",  # escape sequences and a bidi override
    "=cmd|' /C calc'!A0",
    "@elektromueller answer (now)!",  # a reply that would run as a formula
    "@elektromueller thanks",
    "-1 star, +2 for the hotline",
    'Er sagte "nie wieder"\nund ging',  # a quote and a line break, kept
    "carriage\r\nreturn\tand tab\u2028and a line separator\x85",
    "\x1c\x1d\x1e\x1f separators \x7f DEL",
    "C:\\xyz \\U0001f600 backslashes",
    "Grüße 😀 \u00a0 \u200b",
    "",
]


KAI = "@kai@muenchen.social"
URLS = {4: None, 10: "https://elektro\u200bmueller.example"}
HOSTILE_NAMES = {5: "@Kai (Presse)", 7: "Kai\u202e", 8: "Kai, der Große", 9: "Elektro\u200bMüller"}


def _mention(number: int, text: str) -> Mention:
    return Mention(
        network=("mastodon", "bluesky", "reddit")[number % 3],
        native_id=f"post-{number}" if number != 5 else "post,5",
        author=KAI if number != 1 else '=HYPERLINK("https://evil.example","@elektro\u200bmueller")',
        text=text,
        posted_at=T0 + timedelta(seconds=number),
        lang="de",
        followers=number * 100 if number != 3 else None,
        url=URLS.get(number, f"https://example.social/@kai/{number}"),
        author_name=HOSTILE_NAMES.get(number, "Kai"),
    )


@pytest.fixture
def incident(tmp_path: Path, runbooks: RunbookSet, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Session, int]]:
    """An incident over the texts above (and a mention linked by hand, in the middle, that did
    not match), read three at a time: the linked one is merged in between chunks."""
    monkeypatch.setattr(tables, "CHUNK", 3)
    journal = Journal.open(tmp_path / "journal.sqlite")
    yield hostile_incident(journal, runbooks)
    journal.close()


def hostile_incident(journal: Journal, runbooks: RunbookSet) -> tuple[Session, int]:
    """The incident over the texts above in `journal`, with a reply."""
    matched = (Match("product-defect", 0.857, ()),)
    types = [("complaint",), ("complaint", "support"), ()]
    items = [
        (
            _mention(number, text),
            T0 + timedelta(seconds=number),
            matched if number != 6 else (),
            ("vip", "press") if number == 2 else (),
            Triage("respond", "affected-customers", types[number % 3]) if number != 7 else None,
        )
        for number, text in enumerate(TEXTS)
    ]
    journaled = journal.add_mentions(items)
    clock = ManualClock(T0 + timedelta(minutes=2))
    session = Session(journal, runbooks, clock, Idle(), "tester")
    opened = session.desk.open_from_mention(journaled[6], "product-defect", "answer everyone")
    session.desk.record_reply(journaled[3], "Das tut uns leid.", simulated=True)
    return session, opened.id


def _rows(session: Session, incident_id: int) -> list[tuple[object, ...]]:
    with session.journal.reader() as reader:
        return list(reader.rows(span_of(session.desk.incident(incident_id), session)))


def test_a_streamed_csv_is_what_the_rules_write_value_by_value(incident, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    session, incident_id = incident
    rows = _rows(session, incident_id)
    assert [row[0] for row in rows] == list(range(1, len(TEXTS) + 1)), "journal order, the linked one in between"
    with zipfile.ZipFile(export(session, incident_id, "csv", tmp_path / "x.zip", pseudonymise=False)) as archive:
        written = archive.read("mentions.csv")
    assert written == tables._csv_lines([tables.MENTION_FIELDS]) + tables._mention_lines(rows)
    text = written.decode()
    assert not active_in(text.replace("\r\n", "\n")), active_in(text)
    header, *cells = csv.reader(io.StringIO(text, newline=""))
    by_id = {int(row[0]): dict(zip(header, row, strict=True)) for row in cells}
    assert by_id[7]["text"] == 'Er sagte "nie wieder"\nund ging', "a quote and a line break survive csv.reader"
    assert by_id[2]["text"] == printable(TEXTS[1], keep_newlines=True) and "␛]0;PWNED␇" in by_id[2]["text"]
    assert by_id[3]["text"].startswith("'=cmd") and by_id[4]["text"].startswith("'@elektromueller")
    assert by_id[5]["text"] == "@elektromueller thanks" and by_id[6]["text"].startswith("-1 star")
    assert by_id[2]["author"].startswith("'=HYPERLINK") and by_id[6]["author_name"] == "'@Kai (Presse)"
    assert by_id[2]["request_types"] == "complaint,support" and by_id[3]["author_tags"] == "vip,press"
    # where one invisible character changes who or where, it shows
    assert (
        by_id[2]["author"].endswith('"@elektro<U+200B>mueller")')
        and by_id[10]["author_name"] == "Elektro<U+200B>Müller"
    )
    assert by_id[11]["url"] == "https://elektro<U+200B>mueller.example" and by_id[12]["url"].startswith(
        "https://example.social"
    )


def test_the_csv_zip_opens_with_unzip_as_with_python(incident, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A standard zip: `unzip` checks it and writes out the same files Python's zipfile reads."""
    if shutil.which("unzip") is None:
        pytest.skip("no unzip on this machine")
    session, incident_id = incident
    target = export(session, incident_id, "csv", tmp_path / "x.zip", pseudonymise=False)
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None and archive.namelist() == ["mentions.csv", "events.csv"]
        files = {name: archive.read(name) for name in archive.namelist()}
    subprocess.run(["unzip", "-tq", str(target)], check=True, capture_output=True)
    subprocess.run(["unzip", "-q", str(target), "-d", str(tmp_path / "out")], check=True, capture_output=True)
    assert {name: (tmp_path / "out" / name).read_bytes() for name in files} == files
    assert files["events.csv"].startswith(b"at,actor,kind,text\r\n") and b"Das tut uns leid." in files["events.csv"]


def test_a_streamed_json_keeps_every_text_exactly_and_escaped(incident, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    session, incident_id = incident
    rows = _rows(session, incident_id)
    written = export(session, incident_id, "json", tmp_path / "x.json", pseudonymise=False).read_bytes()
    assert b"\x7f" not in written and not active_in(written.decode())
    assert json.loads(written)["mentions"] == [list(row) for row in rows], "every text exactly"
    mentions = written[written.index(b'"mentions": [') :].splitlines()[1:-2]
    as_utf8 = [json.dumps(row, ensure_ascii=False, separators=(",", ":")) for row in rows]
    escaped = [json.dumps(row, separators=(",", ":")).replace("\x7f", "\\u007f") for row in rows]
    lines = [line.strip().rstrip(b",").decode() for line in mentions]
    assert all(line in pair for line, pair in zip(lines, zip(as_utf8, escaped, strict=True), strict=True))
    assert "Grüße 😀" in lines[10], "UTF-8 where nothing in the chunk acts on a terminal"
    assert lines[0] == escaped[0] and lines[1] == escaped[1] != as_utf8[1], "escaped where something does"


def test_the_figures_count_every_mention_of_the_incident(incident) -> None:  # type: ignore[no-untyped-def]
    session, incident_id = incident
    review = build_review(session, incident_id)
    matched = len(TEXTS) - 1  # all but the one linked by hand
    assert review.mentions == len(TEXTS) and review.networks == {"bluesky": 4, "reddit": 4, "mastodon": 3}
    assert list(review.networks) == ["bluesky", "reddit", "mastodon"], "most first, a tie by name"
    assert sum(review.volume.series["product-defect"]) == matched
    [reply] = review.replies
    assert (reply.author, reply.author_before, reply.volume_before) == (KAI, matched - 1, matched)
    with session.journal.reader() as reader:
        tally = reader.tally(span_of(session.desk.incident(incident_id), session), {KAI})
    assert (tally.must_answer, tally.answered) == (matched - 1, matched - 2), "triaged on arrival; one not by Kai"
    assert [row.id for row in tally.untriaged] == [8, 7], "to triage now: one journaled untriaged, the linked one"


@pytest.mark.parametrize(
    "value", [*TEXTS, "=1+1", "-1 star", "@kai (Presse)", "+cmd|x", "@kai@x.social", "a =b", "\t=x", "-hilf!"]
)
def test_a_csv_row_is_written_as_the_rules_write_each_of_its_values(value: str) -> None:
    """Rows whose texts need nothing done are written as they are: the same lines."""
    for row in [(value,), (7, "mastodon", value, None, 0.5), ("", value), (value, "=SUM(A1)")]:
        expected = io.StringIO(newline="")
        csv.writer(expected).writerow([tables._cell(cell) for cell in row])
        assert tables._csv_lines([row]) == expected.getvalue().encode(), row


@pytest.mark.parametrize(
    "text", ["plain", "Grüße", "😀 and ü", "C:\\xyz", "\\U0001f600", 'say "hi"\\n', "\x1e\x00", "\u202e"]
)
def test_json_past_ascii_is_escaped_as_json_dumps_escapes_it(text: str) -> None:
    rows = [[text, 1, None], ["ü", 2.5]]
    as_sqlite = ",\n  ".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) for row in rows)
    as_json = ",\n  ".join(json.dumps(row, separators=(",", ":")) for row in rows)
    assert sqlrows.ascii_json(as_sqlite.encode()) == as_json.encode()


def test_a_score_sqlite_writes_otherwise_and_a_stretch_without_the_incidents_mentions(
    tmp_path: Path, runbooks: RunbookSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A score of many digits, a third or past 1e12, is written by Python's rules; ids of other scenarios' mentions
    make blocks with none of the incident's, which leave no trace in the file."""
    monkeypatch.setattr(tables, "CHUNK", 1)
    scores = {0: 1 / 3, 1: None, 2: 0.5, 3: 1.0, 4: 6253747606555.893, 5: -0.007}  # None: matched only another scenario
    with Journal.open(tmp_path / "journal.sqlite") as journal:
        journaled = journal.add_mentions(
            [
                (
                    _mention(number, f"post {number}, plain"),
                    T0 + timedelta(seconds=number),
                    (Match("product-defect" if score is not None else "outage", score or 0.9, ()),),
                    (),
                    Triage("respond", "affected-customers", ("complaint",)),
                )
                for number, score in scores.items()
            ]
        )
        session = Session(journal, runbooks, ManualClock(T0 + timedelta(minutes=2)), Idle(), "tester")
        incident_id = session.desk.open_from_mention(journaled[0], "product-defect", "answer everyone").id
        rows = _rows(session, incident_id)
        assert [row[-1] for row in rows] == [1 / 3, 0.5, 1.0, 6253747606555.893, -0.007]
        with zipfile.ZipFile(export(session, incident_id, "csv", tmp_path / "x.zip", pseudonymise=False)) as archive:
            assert archive.read("mentions.csv") == tables._csv_lines([tables.MENTION_FIELDS, *rows])
        written = export(session, incident_id, "json", tmp_path / "x.json", pseudonymise=False).read_bytes()
        assert json.loads(written)["mentions"] == [list(row) for row in rows]
