from datetime import UTC, datetime

import pytest

from smwar.model import Mention
from smwar.plaintext import printable
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.matcher import RuleMatcher
from smwar.runbooks.text import fold, words

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def best(runbooks: RunbookSet, text: str) -> tuple[str | None, dict[str, tuple[str, ...]]]:
    matches = RuleMatcher(runbooks.scenarios, runbooks.deescalation).match(Mention("mastodon", "1", "@a@b.c", text, T0))
    if not matches:
        return None, {}
    return matches[0].scenario_id, {hit.rule: hit.words for hit in matches[0].hits}


@pytest.mark.parametrize(
    ("text", "scenario", "rule", "words"),
    [
        ("Unsere AquaPro ist heute Nacht ausgelaufen.", "product-defect", "leak", ("ausgelaufen",)),
        ("Die Waschmachine ist ausgelaufn!!", "product-defect", "leak", ("ausgelaufn",)),
        ("my washer is leaking all over the floor", "product-defect", "leak", ("leaking",)),
        ("My AquaPro is leakign again", "product-defect", "leak", ("leakign",)),
        ("Wasserschäden im Keller wegen der Waschmaschine", "product-defect", "leak", ("Wasserschäden",)),
        ("Wasserschaeden durch die AquaPro", "product-defect", "leak", ("Wasserschaeden",)),
        (
            "Keller komplett unter Wasser #ElektroMuellerFail",
            "product-defect",
            "product",
            ("#ElektroMuellerFail",),
        ),
        ("Die Müller Home App geht schon wieder nicht", "service-outage", "broken", ("geht", "nicht")),
        ("ACHTUNG Kundendaten bei Elektro-Müller geleakt", "data-leak-rumour", "leak", ("geleakt",)),
    ],
)
def test_typos_inflections_umlauts_and_hashtags_match(
    runbooks: RunbookSet, text: str, scenario: str, rule: str, words: tuple[str, ...]
) -> None:
    found, hits = best(runbooks, text)
    assert found == scenario
    assert hits[rule] == words


def test_a_phrase_matches_with_words_in_between(runbooks: RunbookSet) -> None:
    found, hits = best(runbooks, "Die Waschmaschine ist komplett übergelaufen, das Bad steht total unter dem Wasser")
    assert found == "product-defect"
    assert hits["leak"] == ("unter", "Wasser")


@pytest.mark.parametrize(
    "text",
    [
        "Thomas Müller trifft wieder für den FC Bayern, Wasserschaden hin oder her",
        "Bei Müller gibt's gerade 20 % auf Parfum",
        "Is Discord down for anyone else?",
        "My laptop is a leaky bucket of RAM",
    ],
)
def test_noise_does_not_match(runbooks: RunbookSet, text: str) -> None:
    assert best(runbooks, text)[0] is None


def test_short_words_need_exact_letters_and_typos_spare_the_first_letter(runbooks: RunbookSet) -> None:
    assert best(runbooks, "AquaPro has a lead pipe")[0] is None
    assert best(runbooks, "Fleck auf der AquaPro")[0] is None


def test_explanation_gives_rule_and_similarity(runbooks: RunbookSet) -> None:
    [match] = RuleMatcher(runbooks.scenarios, runbooks.deescalation).match(
        Mention("bluesky", "1", "x", "Waschmachine ausgelaufn", T0)
    )
    rules = {hit.rule: hit for hit in match.hits}
    assert set(rules) == {"product", "leak"}
    assert 0.9 < rules["leak"].similarity < 1.0
    assert match.score >= runbooks.scenario("product-defect").threshold


def test_folding_and_hashtag_splitting() -> None:
    assert fold("Straße Überschwemmung") == "strasse ueberschwemmung"
    assert [word for word, _ in words("#ElektroMuellerFail @lenatechnik")] == [
        "elektro",
        "mueller",
        "fail",
        "elektromuellerfail",
        "lenatechnik",
    ]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J\x1b[31mred", "␛[2J␛[31mred"),
        ("bell\x07 and null\x00", "bell␇ and null␀"),
        ("a\u202eevil\u202cb", "a<U+202E>evil<U+202C>b"),
        ("line\nbreak\ttab", "line break tab"),
        ("csi\x9bx del\x7f", "csi<U+009B>x del␡"),
        ("[bold]x[/bold] [@click=app.quit]y[/]", "[bold]x[/bold] [@click=app.quit]y[/]"),
    ],
)
def test_untrusted_text_is_made_printable(raw: str, shown: str) -> None:
    assert printable(raw) == shown
    assert printable("two\nlines", keep_newlines=True) == "two\nlines"
