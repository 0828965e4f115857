"""A text as sentiment reads it: its tokens and their clauses and sentences, which words a
negator reaches, what stands in scare quotes; and what was found for each token as it is read
(smwar.triage.sentiment reads it)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterator

from smwar.triage import sentiment_words as vocabulary

FILLERS = 3  # at most this many fillers are passed over
SCARE_WORDS = 3
QUOTES = "\"'„“”«»"
CLAUSE_END = re.compile(r"[.!?;:,]")
SENTENCE_END = re.compile(r"[.!?;]")
# quotes around a few words, not a quoted sentence: "Express-Versand", "premium"
QUOTED = re.compile(r"[\"„“”«»]([^\"„“”«»\n]{1,40})[\"“”«»]|(?<!\w)'([^'\n]{1,40})'(?!\w)")  # or 'quality'
# numbers, as tokens are compared with them: case-folded
NUMERALS = frozenset(word.casefold() for word in vocabulary.NUMERALS)


class Reading:
    """A text as it is read: its tokens (words, phrases' first words, emoji and emoticons) and
    their clauses, and what was found for each: valence, role, whether sarcasm may turn it,
    the text that carried it."""

    __slots__ = (
        "_corrections", "_last_words", "_ranks", "_scopes", "_sentences", "clause", "contextual", "flippable",
        "lowered", "roles", "shouting", "text", "texts", "tokens", "valences",
    )  # fmt: skip

    def __init__(self, text: str, tokens: list[tuple[str, int]]) -> None:
        self.text, self.tokens, self.lowered = text, tokens, [token.casefold() for token, _ in tokens]
        self.clause = spans(CLAUSE_END, text, [start for _, start in tokens])
        self.shouting = any(token.isupper() and len(token) > 1 for token, _ in tokens) and not text.isupper()
        self.valences = [0.0] * len(tokens)
        self.roles: list[str | None] = [None] * len(tokens)
        self.flippable = [False] * len(tokens)  # praise sarcasm may turn round
        self.texts = [token for token, _ in tokens]  # a word, or the phrase that starts at it
        self.contextual: list[int] = []  # emoji whose sense depends on the rest: 🔥 👏
        self._sentences: list[int] | None = None
        self._corrections: list[int] | None = None
        self._ranks: list[int] | None = None
        self._scopes: list[int] | None = None
        self._last_words: dict[int, int] | None = None

    def set(self, index: int, value: float, role: str | None, flippable: bool, text: str = "") -> None:
        self.valences[index], self.roles[index], self.flippable[index] = value, role, flippable
        if text:
            self.texts[index] = text

    def sentences(self) -> list[int]:
        """The sentence number of each token."""
        if self._sentences is None:
            self._sentences = spans(SENTENCE_END, self.text, [start for _, start in self.tokens])
        return self._sentences

    def ranks(self) -> list[int]:
        """How many tokens that are no fillers come before each token: a negator's reach."""
        if self._ranks is None:
            self._ranks, rank = [], 0
            for word in self.lowered:
                self._ranks.append(rank)
                rank += word not in vocabulary.SCOPE_FILLERS and word not in NUMERALS
        return self._ranks

    def scopes(self) -> list[int]:
        """How many words that end a negation's scope come up to each token (itself included):
        "kein Tropfen mehr seit der Reparatur" negates no repair."""
        if self._scopes is None:
            self._scopes, scope = [], 0
            for word in self.lowered:
                scope += word in vocabulary.SCOPE_ENDS
                self._scopes.append(scope)
        return self._scopes

    def last_word(self, index: int) -> int:
        """The last word (no emoji or emoticon) of the clause of `index`, found for every clause
        in one pass when first asked: a separable verb's particle stands there."""
        if self._last_words is None:
            self._last_words = {}
            for at, (token, _) in enumerate(self.tokens):
                if token[0].isalnum():
                    self._last_words[self.clause[at]] = at
        return self._last_words.get(self.clause[index], index)

    def corrected(self, index: int) -> bool:
        """Whether a "sondern" (rather, instead) follows `index` in its sentence: "nicht laut,
        sondern leise"."""
        if self._corrections is None:
            self._corrections = [other for other, word in enumerate(self.lowered) if word in vocabulary.CORRECTION]
        after = bisect_right(self._corrections, index)
        if after == len(self._corrections):
            return False
        sentence = self.sentences()
        return sentence[self._corrections[after]] == sentence[index]


def near(
    positions: list[int],
    reading: Reading,
    index: int,
    before: int,
    after: int,
    spans: list[int] | None = None,
    scoped: bool = False,
    skip: Collection[int] = (),
) -> int:
    """The first of the sorted `positions` from `before` words before `index` to `after` words
    after it, in its clause (or its span of `spans`), fillers not counted, and if `scoped` with
    no word that ends a negation's scope between one before and `index`; -1 if none. Negators
    are looked for before a word, and after a German verb ("geht seit heute früh nicht")."""
    if not positions:
        return -1
    clause, ranks = spans or reading.clause, reading.ranks()
    scopes = reading.scopes() if scoped else ranks
    start, end = bisect_left(positions, index - before - FILLERS), bisect_right(positions, index + after + FILLERS)
    for other in positions[start:end]:
        if (
            other != index
            and clause[other] == clause[index]
            and -after <= ranks[index] - ranks[other] <= before
            and (not scoped or other > index or scopes[other] == scopes[index])
            and other not in skip
        ):
            return other
    return -1


def spans(boundary: re.Pattern[str], text: str, starts: list[int]) -> list[int]:
    """The clause (or sentence) number of each token: how many boundaries come before it,
    found by bisection, as counting them for every token was quadratic in the text."""
    ends = [match.start() for match in boundary.finditer(text)]
    return [bisect_left(ends, start) for start in starts]


def questions(text: str, sentence: list[int]) -> list[bool]:
    """Whether each token (by its sentence number) stands in a sentence that asks."""
    marks = [text[match.start()] for match in SENTENCE_END.finditer(text)]
    return [number < len(marks) and marks[number] == "?" for number in sentence]


def alone(reading: Reading, index: int) -> bool:
    """Whether the token at `index` is a sentence of its own after another: "… ever. Not." """
    token, start = reading.tokens[index]
    end = start + len(token)
    before, after = reading.text[max(0, start - FILLERS) : start].rstrip(), reading.text[end : end + FILLERS].lstrip()
    return before[-1:] in (".", "!") and (not after or after[0] in ".!")


def runs(flags: list[bool]) -> Iterator[tuple[int, int]]:
    """The start and end of each run of true flags."""
    start = None
    for index, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            yield start, index
            start = None


def in_scare_quotes(text: str, starts: list[int]) -> list[bool]:
    """Whether each token stands in scare quotes: quotes around at most three words."""
    if not any(quote in text for quote in QUOTES):
        return [False] * len(starts)
    found = (match.span(1) if match.group(1) is not None else match.span(2) for match in QUOTED.finditer(text))
    spans = [(start, end) for start, end in found if len(text[start:end].split()) <= SCARE_WORDS]
    if not spans:
        return [False] * len(starts)
    openings = [start for start, _ in spans]
    return [
        (slot := bisect_right(openings, start) - 1) >= 0 and spans[slot][0] <= start < spans[slot][1]
        for start in starts
    ]
