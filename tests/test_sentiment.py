"""Sentiment per mention, German and English: clear cases, the German rules (negation after
the verb, inflections, "aber", the company's own name), and a labelled corpus written
separately from the code (tests/data/sentiment.jsonl), where both languages must beat the
majority guess clearly."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from smwar.triage.sentiment import NEGATIVE, NEUTRAL, POSITIVE, guess_language, sentiment

CORPUS = Path(__file__).parent / "data" / "sentiment.jsonl"


@pytest.mark.parametrize(
    ("text", "lang", "label"),
    [
        ("Meine Waschmaschine ist kaputt, total enttäuscht 😡", "de", NEGATIVE),
        ("Danke für die schnelle Hilfe, super freundlich!", "de", POSITIVE),
        ("Elektro-Müller eröffnet eine neue Filiale in Köln.", "de", NEUTRAL),
        ("Das Programm funktioniert leider nicht.", "de", NEGATIVE),  # the "nicht" after the verb
        ("Nicht schlecht, der neue Trockner!", "de", POSITIVE),
        ("Die Beratung war gut, aber die Lieferung eine einzige Katastrophe.", "de", NEGATIVE),
        ("enttauscht von der Hotline", "de", NEGATIVE),  # typed without the umlaut
        ("My washer is broken and support ignores me. Never again.", "en", NEGATIVE),
        ("Great service, the technician fixed it in 20 minutes 👍", "en", POSITIVE),
        ("You cannot be serious. 😡", "en", NEGATIVE),  # "cannot" must not turn the emoji round
    ],
)
def test_clear_cases(text: str, lang: str, label: str) -> None:
    assert sentiment(text, lang).label == label


def test_the_company_name_carries_no_sentiment_and_the_carrying_words_are_named() -> None:
    text = "Müller hat geliefert."
    assert sentiment(text, "de").label == NEGATIVE, "without the company's names, Müller is 'Müll'"
    assert sentiment(text, "de", neutral={"mueller"}).label == NEUTRAL
    assert sentiment("Kaputt und enttäuscht.", "de").words == ("Kaputt", "enttäuscht")


def test_the_language_is_guessed_when_the_network_does_not_say_and_regions_are_ignored() -> None:
    assert guess_language("Ich habe die Maschine gestern bestellt und sie ist nicht da") == "de"
    assert guess_language("I ordered the machine and it is not here") == "en"
    assert guess_language("Terrible service, schedule missed again!!") == "en", "'sch' is English too"
    angry = "Totale Abzocke, der Kundenservice ist eine Katastrophe und ignoriert mich"
    assert sentiment(angry, "de-DE").label == sentiment(angry, "DE").label == NEGATIVE
    assert sentiment("Das ist eine Frechheit und ich bin sauer", None).label == NEGATIVE


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_labelled_corpus_beats_the_majority_guess(lang: str) -> None:
    rows = [
        row for line in CORPUS.read_text(encoding="utf-8").splitlines() if (row := json.loads(line))["lang"] == lang
    ]
    right = sum(sentiment(row["text"], lang).label == row["sentiment"] for row in rows)
    majority = Counter(row["sentiment"] for row in rows).most_common(1)[0][1]
    assert len(rows) >= 100
    assert right / len(rows) >= majority / len(rows) + 0.1, f"{right}/{len(rows)} right, majority {majority}"
