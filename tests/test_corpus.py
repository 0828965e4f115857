"""The shipped runbooks against a labelled corpus of realistic mentions (tests/data/corpus.jsonl):
German and English, misspelled, inflected, with hashtags, and with look-alikes that must not match."""

from collections import Counter

import pytest

from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.evaluate import Quality, quality
from smwar.runbooks.matcher import RuleMatcher
from smwar.sources.jsonl import read_jsonl
from tests.conftest import DATA, T0

CORPUS = DATA / "corpus.jsonl"


@pytest.fixture(scope="module")
def table(runbooks: RunbookSet) -> dict[str, Quality]:
    matcher = RuleMatcher(runbooks.scenarios, runbooks.deescalation)
    labelled = [
        (set(raw["expect"]), {match.scenario_id for match in matcher.match(mention)})
        for _, mention, raw in read_jsonl(CORPUS, T0)
    ]
    return quality([scenario.id for scenario in runbooks.scenarios], labelled)


def test_the_corpus_is_large_bilingual_and_has_look_alikes() -> None:
    rows = [raw for _, _, raw in read_jsonl(CORPUS, T0)]
    assert len(rows) >= 300
    languages = Counter(raw["lang"] for raw in rows)
    assert languages["de"] >= 100 and languages["en"] >= 100
    assert sum(1 for raw in rows if not raw["expect"]) >= 100, "negatives and look-alikes"


@pytest.mark.parametrize(
    "scenario", ["product-defect", "data-leak-rumour", "offensive-post", "service-outage", "positive-hype"]
)
def test_precision_and_recall_per_scenario(table: dict[str, Quality], scenario: str) -> None:
    entry = table[scenario]
    assert entry.true_positives >= 50
    assert entry.precision >= 0.9, entry
    assert entry.recall >= 0.9, entry
