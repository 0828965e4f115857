"""One hostile set (tests/tools/terminal.py: escape sequences, C1 controls, bidi, zero-width
characters and markup in mention text, authors, URLs, runbook and drill titles) through every
output path that is not the screen: exports, the reply draft, the CLI and the log file. None of
them may carry a character that acts on a terminal; the text itself is kept, made visible."""

from __future__ import annotations

import json
import logging
import unicodedata
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from smwar.cli import main
from smwar.engine.export import export
from smwar.logfile import log_to_file
from smwar.plaintext import printable, printable_name
from smwar.replies.drafting import fill, values_for
from smwar.review.tables import _cell
from smwar.runbooks.loader import load_runbook_set
from tests.conftest import start_drill
from tests.tools.terminal import HOSTILE, PAYLOADS, hostile_set

ACTIVE = {chr(code) for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]} - {"\n"}
ACTIVE |= set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def active_in(text: str) -> list[str]:
    return sorted({f"U+{ord(char):04X}" for char in text if char in ACTIVE})


@pytest.fixture
def hostile_incident(tmp_path: Path):  # type: ignore[no-untyped-def]
    runbook_dir, drill = hostile_set(tmp_path)
    runbooks = load_runbook_set(runbook_dir)
    run, clock, session = start_drill(runbooks, drill)
    clock.advance(timedelta(minutes=2))
    [proposal, *_] = session.pipeline.poll().proposals
    session.desk.open_incident(proposal.id, "answer " + PAYLOADS["title"])
    yield runbooks, session, proposal.id
    run.journal.close()


@pytest.mark.parametrize("fmt", ["md", "html", "csv", "json"])
def test_exports_carry_no_active_character(hostile_incident, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    _runbooks, session, incident_id = hostile_incident
    path = export(session, incident_id, fmt, tmp_path / f"x.{fmt}", pseudonymise=False)
    if fmt == "csv":
        with zipfile.ZipFile(path) as archive:
            text = "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
        assert "␛]0;PWNED-TITLE␇" in text and "\r\n" in text  # csv's own line ends are no payload
        text = text.replace("\r\n", "\n")
    else:
        text = path.read_text(encoding="utf-8")
    assert not active_in(text), active_in(text)
    if fmt == "json":  # the exact text survives, escaped
        document = json.loads(text)
        assert any(PAYLOADS["title"] in str(cell) for row in document["mentions"] for cell in row)
    elif fmt != "csv":
        assert "PWNED-TITLE" in text


def test_a_reply_draft_shows_the_authors_hidden_characters(hostile_incident) -> None:  # type: ignore[no-untyped-def]
    runbooks, session, _ = hostile_incident
    mention = session.journal.mentions()[0].mention
    draft = fill("Hallo {author}, " + PAYLOADS["colour"], values_for(mention, runbooks))
    assert not active_in(draft)
    assert "<U+200B>" in draft, "a zero-width space in a handle is shown where it changes who is meant"


def test_the_cli_prints_outside_text_inert(tmp_path: Path) -> None:
    runbook_dir, _ = hostile_set(tmp_path)
    result = CliRunner().invoke(
        main, ["runbooks", "try", "--runbooks", str(runbook_dir), "AquaPro ausgelaufen " + HOSTILE]
    )
    assert result.exit_code == 0, result.output
    assert "PWNED-TITLE" in result.output and not active_in(result.output)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "plan.toml").write_text(f'[company]\nname = "x"\n{json.dumps(HOSTILE)} = 1\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["runbooks", "check", str(broken)])
    assert result.exit_code != 0 and "unknown key" in result.output and not active_in(result.output)


def test_the_log_file_is_written_inert() -> None:
    path = log_to_file()
    assert path is not None
    logging.getLogger("smwar.sources").warning("server said: %s", HOSTILE)
    for handler in logging.getLogger().handlers:
        handler.flush()
    written = path.read_text(encoding="utf-8")
    assert "PWNED-TITLE" in written and not active_in(written)


def test_the_sanitiser_leaves_every_printable_character_as_it_is() -> None:
    """`printable` returns text Python calls printable untouched, without looking further:
    the characters it replaces must all be ones Python calls unprintable."""
    shown = "".join(char for char in map(chr, range(0x110000)) if char.isprintable())
    assert printable("\n" + shown, keep_newlines=True) == "\n" + shown  # the full pass, forced by the line break


@pytest.mark.parametrize("hidden", ["\u200b", "\U000e0100", "\U0001bca0", "\ufff9", "\U0001d173", "\U00013430"])
def test_a_handle_shows_the_character_that_makes_it_another(hidden: str) -> None:
    assert printable_name(f"@elektro{hidden}mueller") == f"@elektro<U+{ord(hidden):04X}>mueller"


def test_every_format_character_and_variation_selector_is_shown_in_a_name() -> None:
    hidden = [
        char
        for char in map(chr, range(0x110000))
        if unicodedata.category(char) == "Cf" or "VARIATION SELECTOR" in unicodedata.name(char, "")
    ]
    assert [f"U+{ord(char):04X}" for char in hidden if printable_name(char) == char] == []


def test_emoji_sequences_stay_whole_in_text() -> None:
    emoji = "👩\u200d💻 ❤\ufe0f 🏳\ufe0f\u200d🌈 👍🏽"
    assert printable(emoji) == emoji, "a joiner or a selector binds an emoji in prose"
    assert printable_name("anna 👩\u200d💻") == "anna 👩<U+200D>💻", "in a name, where it could hide, it shows"


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("https://evil.example","x")', '\'=HYPERLINK("https://evil.example","x")'),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3!", "'-2+3!"),
        ("=\x1b[31m", "'=␛[31m"),
        ("@kai@social.example", "@kai@social.example"),
        ("-1 star", "-1 star"),
        ("\t=1+1", "    =1+1"),
        ("line\nbreak\r\u202e", "line\nbreak␍<U+202E>"),
        ("", ""),
        (7, 7),
        (None, None),
    ],
)
def test_a_csv_cell_is_printable_and_never_a_formula(cell: object, written: object) -> None:
    assert _cell(cell) == written
