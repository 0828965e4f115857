"""Where a set of terms turns up in a mention: the words of the terms indexed once in a
`Lexicon`, then one pass over a mention's tokens (one cached lookup each) and a look at only
the terms whose words turned up.

A term of one word is found where its word is; a phrase where its words follow one another in
order, each within `gap` words of the one before, or where they are written as one word
("elektromueller"). Of each term, the best occurrence that no negation governs is kept, and
apart from it the best one that a negation governs ("läuft nicht mehr aus" is no "läuft aus").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from operator import itemgetter

from smwar.runbooks.lexicon import CACHE_LIMIT, Hits, Lexicon
from smwar.runbooks.negation import is_cue
from smwar.runbooks.reading import Reading
from smwar.runbooks.text import term_words, token_words

PHRASE_GAP = 4
PROGRESS_STEPS = 100
Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    words: tuple[int, ...]  # lexicon ids, in order
    joined: int | None  # a phrase's words written as one ("elektromueller"), if a phrase
    each: frozenset[int]  # a phrase's words


@dataclass(slots=True)  # not frozen: one is made for every term found, a frozen one in twice the time
class Occurrence:
    similarity: float
    words: tuple[str, ...]
    tokens: tuple[int, ...] = ()  # their numbers among the mention's tokens


Found = dict[int, Occurrence]  # term (or a matcher's pattern) index -> its best occurrence
Seen = dict[int, list[tuple[int, float]]]  # lexicon id -> [(position, similarity)]
Origin = dict[int, tuple[int, str]]  # position -> (token number, token), for explanations


class TermFinder:
    """Terms compiled for finding; `find` is safe to call from one thread at a time."""

    def __init__(
        self,
        texts: Collection[str],
        loose: Collection[str] = (),
        progress: Progress | None = None,
        gap: int = PHRASE_GAP,
    ) -> None:
        """`texts` in the order of their indexes, those in `loose` with loose words (see
        `Lexicon`); `progress` is told (terms compiled, terms in all) about `PROGRESS_STEPS`
        times as they compile: a set of 100,000 terms takes seconds."""
        self.lexicon = Lexicon()
        self.gap = gap
        self.terms = self._compile(texts, loose, progress)
        # the terms of one word by their word; each phrase by the one of its words that fewest
        # phrases share (a phrase is found only where all its words are, so any one of them
        # leads to it, and a common word leading to many would have each looked at in vain)
        # and by its words written as one
        self._words_by_word: defaultdict[int, list[int]] = defaultdict(list)
        self._phrases_by_word: defaultdict[int, list[int]] = defaultdict(list)
        shared = Counter(word for term in self.terms if term.joined is not None for word in term.each)
        for index, term in enumerate(self.terms):
            if term.joined is None:  # one word
                self._words_by_word[term.words[0]].append(index)
                continue
            self._phrases_by_word[min(term.words, key=shared.__getitem__)].append(index)
            self._phrases_by_word[term.joined].append(index)
        self._tokens: dict[str, tuple[Hits, ...]] = {}  # token -> the hits of each of its words
        self._silent: set[str] = set()  # tokens of one word that stands for no term's word: most

    def _compile(self, texts: Collection[str], loose: Collection[str], progress: Progress | None) -> tuple[Term, ...]:
        """Each term folded and its words (and a phrase's words written as one) indexed in the
        lexicon (`loose` ones as such), telling `progress` along the way."""
        compiled: list[Term] = []
        step = -(-len(texts) // PROGRESS_STEPS)  # rounded up
        add = self.lexicon.add
        for done, text in enumerate(texts, start=1):
            words = term_words(text)
            wide = text in loose
            ids = tuple(add(word, wide) for word in words)
            joined = add("".join(words), wide) if len(words) > 1 else None
            compiled.append(Term(text, ids, joined, frozenset(ids)))
            if progress is not None and (done % step == 0 or done == len(texts)):
                progress(done, len(texts))
        return tuple(compiled)

    def find(self, reading: Reading, negations: bool) -> tuple[Found, Found]:
        """Every term found in the `reading` of a mention, with its best occurrence that no
        negation governs, and apart from them the terms whose best occurrence a negation
        governs (none unless `negations` are looked for)."""
        silent = self._silent
        found_tokens = reading.tokens
        if silent.issuperset(found_tokens):
            return {}, {}  # most mentions: no word of them stands for a term's word
        seen: Seen = {}
        origin: Origin = {}
        shift = 0  # words before a token beyond one a token (a hashtag gives several)
        for number, token in enumerate(found_tokens):
            if token in silent:
                continue
            position = number + shift  # a silent token is one word
            per_word = self._tokens.get(token) or self._learn(token)
            for hits in per_word:
                if hits:
                    origin[position] = (number, token)
                    for word_id, similarity in hits:
                        seen.setdefault(word_id, []).append((position, similarity))
                position += 1
            shift += len(per_word) - 1
        if not seen:
            return {}, {}
        negation = reading.negated if negations else frozenset()
        found: Found = {}
        governed: Found = {}
        for word_id, occurrences in seen.items():
            singles = self._words_by_word.get(word_id)
            if singles:
                free, bound = _best(occurrences, origin, negation)
                for term_index in singles:  # a term of one word is reached by its word alone
                    if free is not None:
                        found[term_index] = free
                    if bound is not None:
                        governed[term_index] = bound
            for term_index in self._phrases_by_word.get(word_id, ()):
                if term_index in found or term_index in governed:
                    continue
                term = self.terms[term_index]
                if term.joined not in seen and not seen.keys() >= term.each:
                    continue  # a word of the phrase is not there (most phrases that share a word)
                free, bound = self._locate(term, seen, origin, negation)
                if free is not None:
                    found[term_index] = free
                if bound is not None:
                    governed[term_index] = bound
        return found, governed

    def _learn(self, token: str) -> tuple[Hits, ...]:
        words = token_words(token)
        glued = token[0] in "#@"  # the whole of a hashtag or handle (its last word) is its parts glued
        per_word = tuple(
            self.lexicon.lookup(word, glued and number == len(words) - 1) for number, word in enumerate(words)
        )
        if len(self._tokens) + len(self._silent) >= CACHE_LIMIT:
            self._tokens.clear()
            self._silent.clear()
        if per_word == ((),):
            self._silent.add(token)
        else:
            self._tokens[token] = per_word
        return per_word

    def _locate(
        self, term: Term, seen: Seen, origin: Origin, negation: frozenset[int]
    ) -> tuple[Occurrence | None, Occurrence | None]:
        """The term's best occurrence that no negation governs, and its best one that one
        does (a phrase by its first word)."""
        occurrences: list[tuple[float, tuple[int, ...]]] = []  # (similarity, positions), in order
        if term.joined is not None:
            occurrences.extend((similarity, (position,)) for position, similarity in seen.get(term.joined, ()))
        rest = term.words[1:]
        for position, similarity in seen.get(term.words[0], ()):
            chain = _follow(rest, seen, position, self.gap)
            if chain is not None:
                occurrences.append(((similarity + chain[0]) / len(term.words), (position, *chain[1])))
        return _free_and_governed(occurrences, origin, negation)


def _quoted(tokens: list[tuple[int, str]]) -> tuple[str, ...]:
    """The `tokens` (number, token) of an occurrence, with "…" where tokens were skipped; a
    hashtag that gave several of the words is quoted once."""
    quoted: list[str] = []
    previous: int | None = None
    for number, token in tokens:
        if number == previous:
            continue
        if previous is not None and number - previous > 1:
            quoted.append("…")
        quoted.append(token)
        previous = number
    return tuple(quoted)


def _best(
    occurrences: list[tuple[int, float]], origin: Origin, negation: frozenset[int]
) -> tuple[Occurrence | None, Occurrence | None]:
    """The best of a word's `occurrences` (position, similarity) that no negation governs, and
    the best one that one does: the first of the closest."""
    if not negation:  # most mentions: every occurrence is free
        position, similarity = max(occurrences, key=itemgetter(1))  # max keeps the first of equals
        number, token = origin[position]
        return Occurrence(similarity, (token,), (number,)), None
    return _free_and_governed([(similarity, (position,)) for position, similarity in occurrences], origin, negation)


def _free_and_governed(
    occurrences: list[tuple[float, tuple[int, ...]]], origin: Origin, negation: frozenset[int]
) -> tuple[Occurrence | None, Occurrence | None]:
    """Of `occurrences` (similarity, positions), the first of the closest that no negation
    governs and the first of the closest that one does, as found: by its first word, or by a
    negation between a phrase's words ("läuft nicht mehr aus" is no "läuft aus"; the "nicht" of
    "geht nicht" is the phrase's own)."""
    best: list[tuple[float, tuple[int, ...]] | None] = [None, None]  # free, governed
    for occurrence in occurrences:
        slot = bool(negation) and _governed([origin[position] for position in occurrence[1]], negation)
        current = best[slot]
        if current is None or occurrence[0] > current[0]:
            best[slot] = occurrence
    return _occurrence(best[0], origin), _occurrence(best[1], origin)


def _governed(tokens: list[tuple[int, str]], negation: frozenset[int]) -> bool:
    """Whether a negation governs an occurrence's `tokens` (number, token): one of them, unless
    one of its own words is a negation ("geht nicht" says it: its "nicht" denies nothing more)."""
    return any(number in negation for number, _ in tokens) and not any(is_cue(token) for _, token in tokens)


def _occurrence(found: tuple[float, tuple[int, ...]] | None, origin: Origin) -> Occurrence | None:
    """An occurrence (similarity, positions) as found: its tokens quoted, and their numbers."""
    if found is None:
        return None
    similarity, positions = found
    tokens = [origin[position] for position in positions]
    return Occurrence(similarity, _quoted(tokens), tuple([number for number, _ in tokens]))


_NOTHING_LEFT: tuple[float, tuple[int, ...]] = (0.0, ())


def _follow(rest: tuple[int, ...], seen: Seen, start: int, gap: int) -> tuple[float, tuple[int, ...]] | None:
    """The best way to find the remaining phrase words in order, each within `gap` words of
    the one before: (sum of their similarities, their positions), or None."""
    if not rest:
        return _NOTHING_LEFT
    best: tuple[float, tuple[int, ...]] | None = None
    for at, similarity in seen.get(rest[0], ()):
        if start < at <= start + gap + 1 and (tail := _follow(rest[1:], seen, at, gap)) is not None:
            total = similarity + tail[0]
            if best is None or total > best[0]:
                best = (total, (at, *tail[1]))
    return best
