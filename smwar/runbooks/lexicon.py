"""Every word the runbooks' terms use, indexed so that a mention's word finds them fast.

A mention's word stands for a term's word when it is the same after folding, shares an
inflection base with it ("leaking" ~ "leak", "defekte" ~ "defekt"), extends it by a short
ending ("leckt" ~ "leck"), is the same up to a few typos, or holds it as part of a German
compound ("Kellerwasserschaden" ~ "wasserschaden"). Typo candidates come from a deletion
index (a word within k typos of a term shares a string with it after at most k deletions
from each), so a lookup never compares against every term. Lookups are cached per word:
the words of a stream repeat, so almost every lookup after the first minutes is one dict hit.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz.distance import OSA

from smwar.runbooks.text import bases

INFLECTION_SIMILARITY = 0.95
EXTENSION_SIMILARITY = 0.9
COMPOUND_SIMILARITY = 0.9
MAX_EXTENSION = 3
MIN_EXTENDED = 4
MIN_SHARED_BASE = 5
MIN_COMPOUND_PART = 5
MAX_TYPOS = 2
LONGEST_EXACT = 6
LONGEST_ONE_TYPO = 10
CACHE_LIMIT = 200_000

Hits = tuple[tuple[int, float], ...]


def allowed_typos(length: int) -> int:
    """Tolerance grows with word length: none up to 6 letters ("floor" is no "flood", "Wasser"
    no "washer"), one up to 10, then two."""
    if length <= LONGEST_EXACT:
        return 0
    return 1 if length <= LONGEST_ONE_TYPO else MAX_TYPOS


def deletions(word: str, depth: int) -> set[str]:
    """`word` and every string left after deleting up to `depth` of its letters."""
    found = {word}
    frontier = {word}
    for _ in range(min(depth, len(word) - 1)):
        frontier = {part[:index] + part[index + 1 :] for part in frontier for index in range(len(part))}
        found |= frontier
    return found


class Lexicon:
    def __init__(self, words: Iterable[str]) -> None:
        self.words: list[str] = []
        self._ids: dict[str, int] = {}
        for word in words:
            if word not in self._ids:
                self._ids[word] = len(self.words)
                self.words.append(word)
        self._bases: dict[str, set[int]] = {}
        self._deleted: dict[str, set[tuple[int, str]]] = {}  # variant -> {(word id, form)}
        for word_id, word in enumerate(self.words):
            for base in bases(word):
                self._bases.setdefault(base, set()).add(word_id)
                # a form within two typos of this one is longer than 10 letters, so only
                # forms of 9 letters and more need the second deletion
                depth = MAX_TYPOS if len(base) >= LONGEST_ONE_TYPO - 1 else 1
                for variant in deletions(base, depth):
                    self._deleted.setdefault(variant, set()).add((word_id, base))
        self._part_lengths = sorted({len(word) for word in self.words if len(word) >= MIN_COMPOUND_PART})
        self._longest = max(map(len, self.words), default=0)
        self._cache: dict[str, Hits] = {}

    def id_of(self, word: str) -> int:
        return self._ids[word]

    def lookup(self, word: str) -> Hits:
        """The term words `word` may stand for, with how closely: ((word id, similarity), …)."""
        hits = self._cache.get(word)
        if hits is None:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            hits = self._cache[word] = self._compute(word)
        return hits

    def _compute(self, word: str) -> Hits:
        best: dict[int, float] = {}

        def offer(word_id: int, similarity: float) -> None:
            if similarity > best.get(word_id, 0.0):
                best[word_id] = similarity

        exact = self._ids.get(word)
        if exact is not None:
            offer(exact, 1.0)
        word_bases = bases(word)
        for base in word_bases:
            for word_id in self._bases.get(base, ()):
                # a short shared base says little: "leaks" ~ "leak", but "dates" is no "daten"
                if base == self.words[word_id] or len(base) >= MIN_SHARED_BASE:
                    offer(word_id, INFLECTION_SIMILARITY)
        for cut in range(1, MAX_EXTENSION + 1):
            prefix = word[:-cut]
            if len(prefix) < MIN_EXTENDED:
                break
            if (word_id := self._ids.get(prefix)) is not None:
                offer(word_id, EXTENSION_SIMILARITY)
        for form in word_bases:
            # typos, also in an inflected form ("ausgelaufne" ~ "ausgelaufen"); the form's own
            # length sets the tolerance, so "floors" never reaches "flood" through "floor"
            limit = allowed_typos(len(form))
            if not limit or len(form) > self._longest + limit:
                continue
            for variant in deletions(form, limit):
                for word_id, term_form in self._deleted.get(variant, ()):
                    if term_form[0] != form[0]:
                        continue
                    # the shorter of the two sets the tolerance: "wassser" is no "wasser"
                    allowed = allowed_typos(min(len(form), len(term_form)))
                    distance = OSA.distance(form, term_form, score_cutoff=allowed)
                    if distance <= allowed:
                        ceiling = 1.0 if form == word and term_form == self.words[word_id] else INFLECTION_SIMILARITY
                        offer(word_id, ceiling * (1 - distance / max(len(form), len(term_form))))
        for length in self._part_lengths:
            if length >= len(word):
                break
            for start in range(len(word) - length + 1):
                if (word_id := self._ids.get(word[start : start + length])) is not None:
                    offer(word_id, COMPOUND_SIMILARITY)
        return tuple(best.items())
