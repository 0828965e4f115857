"""Every word the runbooks' terms use, indexed so that a mention's word finds them fast.

A mention's word stands for a term's word when it is the same after folding, shares an
inflection base with it ("ausgelaufene" ~ "ausgelaufen", "defekte" ~ "defekt"), extends it by
a short ending ("undichte" ~ "undicht"), is the same up to a few typos, or ends a German
compound with it, the compound's head ("Kellerwasserschaden" ~ "wasserschaden"; less surely a
part before it, and
"Datenlecktest" as surely, a test). A term's word of fewer than `MIN_LOOSE` letters is only itself, its
plural and a compound's head ("leak", "leaks", "Kundendaten"; not "leaking", "lecker",
"helping"), unless it was added `loose`.

Typo candidates come from an index of pieces of the terms' forms (see `pieces`), a few
entries per form, so the index is built in time linear in the terms and a lookup never
compares against every term. Lookups are cached per word: the words of a stream repeat, so
almost every lookup after the first minutes is one dict hit.
"""

from __future__ import annotations

from bisect import insort
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from itertools import pairwise

from rapidfuzz.distance import OSA

from smwar.runbooks.text import bases

INFLECTION_SIMILARITY = 0.95
EXTENSION_SIMILARITY = 0.9
COMPOUND_SIMILARITY = 0.9  # the head of a compound, or a stem before a derivational ending
MODIFIER_SIMILARITY = 0.7  # a part before the head: "Hackergruppe" is about hackers, less surely
MAX_EXTENSION = 3
# the endings that extend a word as an inflection or a degree does ("undichte", "greatest",
# "hacked"), also with a letter left out, as in a hasty "leakng"; "bestelle" is no "beste"
INFLECTION_ENDINGS = (
    "s", "es", "e", "en", "er", "em", "ern", "n", "r", "d", "ed", "st", "t", "te", "ten", "ter", "tes", "est",
    "ste", "ing", "y", "ly",
)  # fmt: skip
EXTENSION_ENDINGS = frozenset(INFLECTION_ENDINGS) | {
    ending[:gap] + ending[gap + 1 :] for ending in INFLECTION_ENDINGS if len(ending) > 2 for gap in range(len(ending))
}
MIN_EXTENDED = 4
MIN_SHARED_BASE = 5
MIN_COMPOUND_PART = 5
MIN_LOOSE = 6  # letters a term's word needs to match inflections, extensions and compounds
PLURALS = ("s", "es")
# what may follow a compound's head (inflections), and derivational endings, after which the
# part is the stem: "Peinlichkeit" ~ "peinlich", "recommendations" ~ "recommend"
HEAD_ENDINGS = frozenset(
    {"", "s", "es", "e", "en", "n", "er", "ern", "keit", "heit", "ung", "ungen", "lich", "isch", "ation", "ations",
     "ness", "ity", "ment", "ments"}
)  # fmt: skip
SHORT_HEAD_ENDINGS = frozenset({"", *PLURALS})  # after the head of fewer than MIN_LOOSE letters
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


@cache
def pieces(length: int) -> tuple[tuple[int, int], ...]:
    """Where the typo index cuts a form of `length` letters: into k + 1 pieces, (start, end)
    each, for the k typos its length allows (none for a short form), with one letter left out
    between two pieces. A typo (a letter wrong, missing or extra, or two letters swapped, which
    cannot straddle the left-out letter into both neighbours) spoils at most one piece, so a word
    within k typos of the form holds one of its pieces unchanged, at most k places off. That is
    two or three entries per form, where indexing every string left after k deletions took up
    to length²/2 (and two minutes for 100,000 terms)."""
    typos = allowed_typos(length)
    if not typos:
        return ()
    letters = length - typos  # the rest are left out between the pieces
    bounds = [letters * number // (typos + 1) for number in range(typos + 2)]
    return tuple((start + number, end + number) for number, (start, end) in enumerate(pairwise(bounds)))


@cache
def probes(length: int) -> tuple[tuple[int, int, tuple[tuple[int, int], ...]], ...]:
    """Where a form of `length` letters is looked up in the typo index: (start, end) of each
    substring that may be a piece (see `pieces`) of an indexed form within the typos the shorter
    of the two allows, moved as far as those typos may move it, with the (form length, piece
    number) of each piece it may be."""
    limit = allowed_typos(length)
    places: defaultdict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for other in range(length - limit, length + limit + 1):
        shift = allowed_typos(min(length, other))
        for number, (start, end) in enumerate(pieces(other)):
            for at in range(max(0, start - shift), min(start + shift, length - end + start) + 1):
                places[at, at + end - start].append((other, number))
    return tuple((start, end, tuple(found)) for (start, end), found in places.items())


class Lexicon:
    def __init__(self, words: Iterable[str] = ()) -> None:
        self.words: list[str] = []
        self._ids: dict[str, int] = {}
        self._bases: defaultdict[str, list[int]] = defaultdict(list)  # a word gives a base once
        self._forms: list[tuple[int, str]] = []  # (word id, form) of every form a typo may reach
        # first letter -> piece -> (form length, piece number) -> indexes into _forms
        self._pieces: defaultdict[str, defaultdict[str, defaultdict[tuple[int, int], list[int]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(list))
        )
        self._part_lengths: list[int] = []  # of the words that may be part of a compound, sorted
        self._part_heads: set[str] = set()  # and their first MIN_COMPOUND_PART letters
        self._loose: set[int] = set()  # short words that match like long ones
        self._cache: dict[str, Hits] = {}
        for word in words:
            self.add(word)

    def add(self, word: str, loose: bool = False) -> int:
        """The id of `word`, indexed now if it is new: a set's words are indexed as its terms are
        compiled, so compiling a large set is one pass that can tell how far it got. A short
        word `loose` matches like a long one."""
        known = self._ids.get(word)
        if known is not None:
            if loose and known not in self._loose:
                self._loose.add(known)
                self._cache.clear()
            return known
        word_id = self._ids[word] = len(self.words)
        self.words.append(word)
        if loose:
            self._loose.add(word_id)
        for base in bases(word):
            self._bases[base].append(word_id)
            cuts = pieces(len(base))
            if cuts:
                form = len(self._forms)
                self._forms.append((word_id, base))
                for number, (start, end) in enumerate(cuts):
                    self._pieces[base[0]][base[start:end]][len(base), number].append(form)
        if len(word) >= MIN_COMPOUND_PART:
            self._part_heads.add(word[:MIN_COMPOUND_PART])
            if len(word) not in self._part_lengths:
                insort(self._part_lengths, len(word))
        self._cache.clear()  # a word looked up before may stand for this one
        return word_id

    def lookup(self, word: str, glued: bool = False) -> Hits:
        """The term words `word` may stand for, with how closely: ((word id, similarity), …).
        A `glued` word is a hashtag or handle written as one ("aquaproleak"): its parts are
        words side by side, each as sure as the last, not a compound's modifiers and head."""
        key = "#" + word if glued else word
        hits = self._cache.get(key)
        if hits is None:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            hits = self._cache[key] = self._compute(word, glued)
        return hits

    def _compute(self, word: str, glued: bool) -> Hits:
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
                if (base == self.words[word_id] or len(base) >= MIN_SHARED_BASE) and self._may_stand(word, word_id):
                    offer(word_id, INFLECTION_SIMILARITY)
        for cut in range(1, MAX_EXTENSION + 1):
            prefix = word[:-cut]
            if len(prefix) < MIN_EXTENDED:
                break
            if word[-cut:] not in EXTENSION_ENDINGS:
                continue
            if (word_id := self._ids.get(prefix)) is not None and self._may_stand(word, word_id):
                offer(word_id, EXTENSION_SIMILARITY)
        for form in word_bases:
            # typos, also in an inflected form ("ausgelaufne" ~ "ausgelaufen"); the form's own
            # length sets the tolerance, so "floors" never reaches "flood" through "floor"
            for index in self._typo_candidates(form):
                word_id, term_form = self._forms[index]
                # the shorter of the two sets the tolerance: "wassser" is no "wasser"
                allowed = allowed_typos(min(len(form), len(term_form)))
                distance = OSA.distance(form, term_form, score_cutoff=allowed)
                if distance <= allowed:
                    ceiling = 1.0 if form == word and term_form == self.words[word_id] else INFLECTION_SIMILARITY
                    offer(word_id, ceiling * (1 - distance / max(len(form), len(term_form))))
        # a part of a compound starts where the first letters of one are (in most words nowhere)
        starts = [
            start
            for start in range(len(word) - MIN_COMPOUND_PART + 1)
            if word[start : start + MIN_COMPOUND_PART] in self._part_heads
        ]
        for length in self._part_lengths:
            if not starts or length >= len(word):
                break
            for start in starts:
                if start + length > len(word):
                    break
                if (word_id := self._ids.get(word[start : start + length])) is not None:
                    # not the compound's head, less surely what it means: "Datenlecktest" is a test
                    if glued or self._heads(word[start + length :], word_id):
                        offer(word_id, COMPOUND_SIMILARITY)
                    elif length >= MIN_LOOSE:  # a short word is no modifier: "flooded", "Datenlecktest"
                        offer(word_id, MODIFIER_SIMILARITY)
        return tuple(best.items())

    def _heads(self, rest: str, word_id: int) -> bool:
        """Whether the term word `word_id` followed by `rest` ends a compound as its head: a
        short one only with no ending or a plural's ("Kundendaten", "Datenlecks"; not the
        "ratio" of "registration" or "frustration")."""
        if len(self.words[word_id]) >= MIN_LOOSE or word_id in self._loose:
            return rest in HEAD_ENDINGS
        return rest in SHORT_HEAD_ENDINGS

    def _may_stand(self, word: str, word_id: int) -> bool:
        """Whether `word` may stand for the term word `word_id` otherwise than as it is: a
        short term word only as its plural, unless it is loose."""
        term = self.words[word_id]
        return len(term) >= MIN_LOOSE or word_id in self._loose or word in (term + ending for ending in PLURALS)

    def _typo_candidates(self, form: str) -> set[int]:
        """The indexed forms with the first letter of `form` that hold, near its place, a
        substring of `form` as one of their pieces: every form within its typos of it, and a
        few more that the distance then rules out."""
        found: set[int] = set()
        if (index := self._pieces.get(form[:1])) is not None:
            for start, end, places in probes(len(form)):
                if (indexed := index.get(form[start:end])) is not None:
                    for place in places:
                        found.update(indexed.get(place, ()))
        return found
