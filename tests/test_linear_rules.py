"""Hostile input never stops the war room: runbook regexes run in linear time (and patterns
that would need backtracking are refused with their line), a mention of a megabyte is
analysed by its first part only, and a set of tens of thousands of terms compiles in one
pass that tells its progress, finding every typo the small sets find."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from rapidfuzz.distance import OSA

from smwar.cli import main
from smwar.model import Mention
from smwar.runbooks.definitions import RunbookSet, compile_regex
from smwar.runbooks.lexicon import Lexicon, allowed_typos
from smwar.runbooks.loader import load_runbook_set
from smwar.runbooks.matcher import RuleMatcher
from smwar.runbooks.terms import PROGRESS_STEPS
from smwar.runbooks.text import MAX_ANALYSED_CHARS
from smwar.triage.campaigns import Campaigns
from smwar.triage.sentiment import NEGATIVE, NEUTRAL, sentiment

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
PLAN = '[company]\nname = "Elektro-Müller AG"\n'
SCENARIO = """\
[[scenario]]
id = "serial"
title = "Serial numbers"
severity = "high"

[scenario.trigger]
mentions = 3
within = "10m"

[[scenario.rule]]
id = "serial"
{rule}

[[scenario.step]]
id = "notify"
title = "Notify"
role = "lead"
deadline = "10m"
"""
LEAK = "ACHTUNG Kundendaten bei Elektro-Müller gehackt"
FILLER = " 42"  # no term of the bundled set, no sentiment


def write_set(folder: Path, **scenarios: str) -> Path:
    """A set of the plan and one scenario file per keyword, each with the given rule body."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.toml").write_text(PLAN, encoding="utf-8")
    for name, rule in scenarios.items():
        (folder / f"{name}.toml").write_text(SCENARIO.format(rule=rule), encoding="utf-8")
    return folder


def mention(text: str) -> Mention:
    return Mention("mastodon", "1", "@a@b.c", text, T0)


def matched(runbooks: RunbookSet, text: str) -> set[str]:
    return {match.scenario_id for match in RuleMatcher(runbooks.scenarios, runbooks.deescalation).match(mention(text))}


def padded(before: int, text: str, after: int = 0) -> str:
    """`text` with at least `before` characters of filler before it and `after` after it."""
    return FILLER * -(-before // len(FILLER)) + " " + text + FILLER * -(-after // len(FILLER))


# -- regexes -------------------------------------------------------------------------------


def test_a_backtracking_regex_answers_at_once_on_a_hostile_mention(tmp_path: Path) -> None:
    """`(a+)+$` against "aaaa…b" never returns with Python's re; with RE2 it is one pass."""
    assert compile_regex("(a+)+$").search("a" * 100_000 + "b") is None
    runbooks = load_runbook_set(write_set(tmp_path / "set", serial='regex = ["(a+)+$"]'))
    assert matched(runbooks, "a" * (MAX_ANALYSED_CHARS - 1) + "b") == set()
    assert matched(runbooks, "b" + "a" * (MAX_ANALYSED_CHARS - 1)) == {"serial"}


def test_regexes_stay_case_insensitive_and_unicode_aware(tmp_path: Path) -> None:
    rule = 'regex = ["wasserschäden", "\\\\bAP-\\\\d{6}\\\\b"]'
    runbooks = load_runbook_set(write_set(tmp_path / "set", serial=rule))
    assert matched(runbooks, "WASSERSCHÄDEN im Keller") == {"serial"}
    assert matched(runbooks, "meine ap-123456 leckt") == {"serial"}
    assert matched(runbooks, "meine AP-1234567 leckt") == set()


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(?=x)leak", "is not supported: RE2 has no lookaround"),
        ("(?<!no )leak", "is not supported: RE2 has no lookaround"),
        ("(leak)\\\\1", "is not supported: RE2 has no backreferences"),
        ("(?P<word>leak)(?P=word)", "is not supported: RE2 has no backreferences"),
    ],
)
def test_check_refuses_what_re2_cannot_run_with_file_and_line(tmp_path: Path, pattern: str, reason: str) -> None:
    folder = write_set(tmp_path / "set", leaks=f'regex = ["{pattern}"]')
    line = SCENARIO.splitlines().index("{rule}") + 1
    result = CliRunner().invoke(main, ["runbooks", "check", str(folder)])
    assert result.exit_code == 2
    written = pattern.replace("\\\\", "\\")
    assert f"{folder / 'leaks.toml'}:{line}: scenario.rule.regex: regex {written!r} {reason}" in result.output
    assert "linear time" in result.output and "Traceback" not in result.output


# -- a mention's analysed part -------------------------------------------------------------


@pytest.mark.parametrize("size", [100_000, 1_000_000])
def test_a_huge_mention_is_matched_by_its_first_part(runbooks: RunbookSet, size: int) -> None:
    assert matched(runbooks, LEAK + FILLER * (size // len(FILLER))) == {"data-leak-rumour"}
    assert matched(runbooks, padded(size, LEAK)) == set(), "the leak comes only after the analysed part"


def test_the_cap_is_where_a_term_stops_counting(runbooks: RunbookSet) -> None:
    inside = padded(MAX_ANALYSED_CHARS - len(LEAK) - len(FILLER) - 2, LEAK, after=10_000)
    assert inside.index(LEAK) + len(LEAK) <= MAX_ANALYSED_CHARS
    assert matched(runbooks, inside) == {"data-leak-rumour"}
    assert matched(runbooks, padded(MAX_ANALYSED_CHARS, LEAK)) == set()


@pytest.mark.parametrize("lang", ["de", "en", None])
def test_the_sentiment_of_a_huge_mention_is_that_of_its_first_part(lang: str | None) -> None:
    angry = "Kaputt, enttäuscht und wütend!" if lang != "en" else "Broken, useless and I am furious!"
    assert sentiment(angry + FILLER * 250_000, lang).label == NEGATIVE
    assert sentiment(padded(MAX_ANALYSED_CHARS, angry), lang).label == NEUTRAL


def test_copies_of_a_huge_text_are_one_campaign_and_keep_their_whole_text() -> None:
    text = "Boycott Elektro-Müller until they recall every AquaPro. " * 20_000  # 1.1 MB
    campaigns = Campaigns()
    for number, author in enumerate(("anna", "bob", "carl"), start=1):
        campaigns.add(number, "mastodon", author, text + f" {author} says so", T0)
    [campaign] = campaigns.campaigns()
    assert campaign.members == [1, 2, 3]
    assert campaign.text == text + " anna says so"


# -- large sets ----------------------------------------------------------------------------


def catalogue(folder: Path, count: int) -> Path:
    names = ", ".join(f'"Ersatzteil {number:05d}"' for number in range(count))
    return write_set(folder, catalogue=f"any = [{names}]")


def test_compiling_tells_its_progress_a_bounded_number_of_times(tmp_path: Path) -> None:
    runbooks = load_runbook_set(catalogue(tmp_path / "set", 25_000))
    told: list[tuple[int, int]] = []
    matcher = RuleMatcher(runbooks.scenarios, runbooks.deescalation, lambda done, total: told.append((done, total)))
    assert len(told) <= PROGRESS_STEPS + 1
    assert [done for done, _ in told] == sorted({done for done, _ in told})
    assert told[-1] == (25_000, 25_000) and {total for _, total in told} == {25_000}
    assert [match.scenario_id for match in matcher.match(mention("Ersatzteil 24999 ist defekt"))] == ["serial"]


def test_check_shows_progress_for_a_large_set_only(tmp_path: Path) -> None:
    large = CliRunner().invoke(main, ["runbooks", "check", str(catalogue(tmp_path / "large", 25_000))])
    assert large.exit_code == 0, large.output
    assert "compiling 25,000 terms" in large.stderr
    small = CliRunner().invoke(main, ["runbooks", "check", str(catalogue(tmp_path / "small", 100))])
    assert small.exit_code == 0, small.output
    assert "compiling" not in small.output


def test_every_typo_within_the_tolerance_is_found_in_a_large_lexicon() -> None:
    """The typo index is cut into pieces instead of listing every deletion: whatever the edits
    (a letter wrong, missing, extra, two swapped, anywhere after the first), a word within the
    tolerance of a term word must still find it."""
    rng = random.Random(5)
    letters = "abdeghiklmnorstuwz"
    words = sorted({"".join(rng.choices(letters, k=rng.randint(7, 16))) for _ in range(20_000)})
    lexicon = Lexicon(words)
    for _ in range(3_000):
        word = rng.choice(words)
        typo = word
        for _ in range(rng.randint(1, 2)):
            at = rng.randrange(1, len(typo) - 1)
            typo = rng.choice(
                [
                    typo[:at] + rng.choice(letters) + typo[at + 1 :],
                    typo[:at] + typo[at + 1 :],
                    typo[:at] + rng.choice(letters) + typo[at:],
                    typo[:at] + typo[at + 1] + typo[at] + typo[at + 2 :],
                ]
            )
        if OSA.distance(word, typo) <= allowed_typos(min(len(word), len(typo))):
            assert lexicon.add(word) in dict(lexicon.lookup(typo)), (word, typo)
