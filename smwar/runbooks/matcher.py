"""The fuzzy matcher: which scenarios a mention belongs to, how strongly, and why.

Behind the small `Matcher` interface so a later, richer engine can replace it. Words are
compared after folding (case, umlauts, ß), and a runbook term matches a mention's word when
it is the same up to a few typos (more for longer words), shares its stem ("leaking" ~
"leak"), or sits inside a German compound ("Wasserschaden" in "Kellerwasserschaden").
A phrase matches when its words appear in order with at most `PHRASE_GAP` words between.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from rapidfuzz.distance import Levenshtein

from smwar.model import Match, Mention, TermHit
from smwar.runbooks.definitions import Rule, RunbookSet, Scenario
from smwar.runbooks.text import Word, stem, term_words, words

PHRASE_GAP = 3
STEM_SIMILARITY = 0.95
COMPOUND_SIMILARITY = 0.9
MIN_COMPOUND_PART = 5


class Matcher(Protocol):
    def match(self, mention: Mention) -> tuple[Match, ...]:
        """Every scenario whose score reaches its threshold, best first."""
        ...


def allowed_typos(length: int) -> int:
    """Tolerance grows with word length: none up to 5 letters ("floor" is no "flood"), one up
    to 9, then two."""
    if length <= 5:
        return 0
    return 1 if length <= 9 else 2


@lru_cache(maxsize=262_144)
def word_similarity(word: str, term: str) -> float:
    """How well one folded mention word stands for one folded term word, 0 when not at all.

    The mention word's length sets the typo tolerance, also when stems are compared
    ("leacking" may miss "leak" by one letter), and a typo never hits the first letter:
    that keeps "fleck" from matching "leck".
    """
    if word == term:
        return 1.0
    best = 0.0
    limit = allowed_typos(len(word))
    for left, right, ceiling in ((word, term, 1.0), (stem(word), stem(term), STEM_SIMILARITY)):
        if left == right:
            best = max(best, ceiling)
            continue
        if not limit or left[:1] != right[:1]:
            continue
        distance = Levenshtein.distance(left, right, score_cutoff=limit)
        if distance <= limit:
            best = max(best, ceiling * (1 - distance / max(len(left), len(right))))
    if len(term) >= MIN_COMPOUND_PART and len(word) > len(term) and term in word:
        best = max(best, COMPOUND_SIMILARITY)
    return best


class FuzzyMatcher:
    def __init__(self, runbooks: RunbookSet) -> None:
        self._scenarios = runbooks.scenarios

    def match(self, mention: Mention) -> tuple[Match, ...]:
        text_words = words(mention.text)
        matches = [self._score(scenario, text_words) for scenario in self._scenarios]
        found = [match for match in matches if match is not None]
        return tuple(sorted(found, key=lambda match: -match.score))

    def _score(self, scenario: Scenario, text_words: list[Word]) -> Match | None:
        score = 0.0
        hits: list[TermHit] = []
        for rule in scenario.rule:
            if any(_find(term, rule, text_words) for term in rule.none):
                return None
            best = max(
                (hit for term in rule.any if (hit := _find(term, rule, text_words))),
                key=lambda hit: hit.similarity,
                default=None,
            )
            if best is not None:
                hits.append(best)
                score += rule.weight * best.similarity
        score = min(score, 1.0)
        if score < scenario.threshold:
            return None
        return Match(scenario.id, round(score, 3), tuple(hits))


def _find(term: str, rule: Rule, text_words: list[Word]) -> TermHit | None:
    """The best occurrence of `term` (a word or a phrase) in the mention's words."""
    wanted = term_words(term)
    if not wanted:
        return None
    best: TermHit | None = None
    for start, first in enumerate(text_words):
        similarity = word_similarity(first.text, wanted[0])
        if not similarity:
            continue
        found = _follow(wanted[1:], text_words, start + 1)
        if found is None:
            continue
        similarities = [similarity, *(sim for _, sim in found)]
        originals = (first.original, *(text_words[index].original for index, _ in found))
        hit = TermHit(rule.id, term, originals, round(sum(similarities) / len(similarities), 3))
        if best is None or hit.similarity > best.similarity:
            best = hit
    return best


def _follow(rest: tuple[str, ...], text_words: list[Word], position: int) -> list[tuple[int, float]] | None:
    """Find the remaining phrase words in order, each within `PHRASE_GAP` words of the last."""
    found: list[tuple[int, float]] = []
    for wanted in rest:
        window = text_words[position : position + PHRASE_GAP + 1]
        step = next(
            ((offset, sim) for offset, word in enumerate(window) if (sim := word_similarity(word.text, wanted))), None
        )
        if step is None:
            return None
        found.append((position + step[0], step[1]))
        position += step[0] + 1
    return found
