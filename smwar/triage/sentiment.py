"""How a mention feels about the company: negative, neutral or positive, with the words that
carried it. English goes to VADER (a lexicon with rules for negation, boosters, capitals,
exclamation and "but"). German gets the same method with German resources: the German Polarity
Lexicon of Klenner, Clematide, Wiegand and Peters (shipped with textblob-de), a short list of
words people use in complaints and praise online, German negators (also after the verb: "das
klappt nicht"), boosters and dampeners, and the "aber" rule."""

from __future__ import annotations

import importlib.util
import math
import re
import xml.etree.ElementTree as ElementTree
from bisect import bisect_left
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer, SentiText, normalize

from smwar.runbooks.text import analysed, fold

NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"
CACHE_LIMIT = 200_000  # words whose lookup is remembered
CUTOFF = 0.05  # VADER's: |compound| below this is neutral

# VADER's constants, which its authors derived from human ratings
BOOST, CAPS, NEGATION, ALPHA = 0.293, 0.733, -0.74, 15.0
# the lexicon's polarity on VADER's valence scale (-4…4): its strong entries (±1.0) as VADER's
# typical strong words, its weak ones (±0.7, many of them near neutral in use) as mild words
STRONG, WEAK = 2.0, 0.9

NEGATORS = {"nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie", "niemals", "nichts", "ohne"}
NEGATORS |= {"nix", "net", "garnicht", "niemand", "niemandem", "niemanden", "weder", "nirgends", "keinerlei"}
BOOSTERS = {
    "sehr": BOOST, "total": BOOST, "mega": BOOST, "extrem": BOOST, "echt": BOOST, "voll": BOOST,
    "absolut": BOOST, "richtig": BOOST, "so": BOOST, "wirklich": BOOST, "völlig": BOOST, "komplett": BOOST,
    "unglaublich": BOOST, "besonders": BOOST, "äußerst": BOOST, "ziemlich": BOOST, "dermaßen": BOOST,
    "kaum": -BOOST, "etwas": -BOOST, "bisschen": -BOOST, "eher": -BOOST, "halbwegs": -BOOST, "leicht": -BOOST,
}  # fmt: skip
# inflection endings, longest first; after a verb's ending the infinitive is tried too
ENDINGS = ("est", "ten", "tet", "en", "er", "es", "em", "st", "te", "et", "e", "n", "t", "s")
VERB_ENDINGS = {"est", "ten", "tet", "st", "te", "et", "t"}
BUT = {"aber", "doch", "jedoch", "allerdings", "trotzdem", "dennoch"}
CLAUSE_END = re.compile(r"[.!?;:,]")
# words of online complaints and praise the lexicon (written from newspaper text) lacks
EXTRA = {
    "kaputt": -2.0, "defekt": -1.8, "abzocke": -2.8, "abzocken": -2.5, "betrug": -2.8, "betrüger": -2.8,
    "frechheit": -2.5, "schrott": -2.5, "mist": -1.8, "müll": -2.0, "scheiße": -3.0, "scheiss": -3.0,
    "beschissen": -3.0, "mies": -2.0, "lächerlich": -2.0, "unverschämt": -2.5, "ätzend": -2.2,
    "nervig": -1.8, "nervt": -1.8, "peinlich": -2.0, "unfähig": -2.5, "wucher": -2.2, "reinfall": -2.2,
    "ärgerlich": -1.8, "sauer": -1.8, "wütend": -2.5, "stinksauer": -3.0, "hinhalten": -1.5,
    "ausgelaufen": -1.5, "undicht": -1.5, "ignoriert": -1.5, "vertröstet": -1.5, "finger weg": -2.5,
    "nie wieder": -2.5, "na toll": -2.0, "danke": 1.8, "dankeschön": 2.0, "vielen dank": 2.2, "top": 2.0,
    "klasse": 2.2, "spitze": 2.2, "genial": 2.5, "klappt": 1.0, "funktioniert": 0.8, "zufrieden": 2.0,
    "begeistert": 2.5, "hilfreich": 1.8, "freundlich": 1.8, "kompetent": 1.8, "empfehlenswert": 2.2,
    "lieblings": 1.5, "geil": 2.2, "cool": 1.5, "schnell": 0.8, "unkompliziert": 1.5, "super": 2.2,
    "katastrophe": -2.8, "desaster": -2.8, "leider": -0.8, "ausgefallen": -1.2, "ärger": -1.8, "problem": -1.2,
    "beschwerde": -1.2, "reklamation": -1.0, "wartezeit": -1.0, "warteschleife": -1.2, "skandal": -2.5,
    "sorry": -0.5, "unmöglich": -1.8, "zumutung": -2.5, "schade": -1.2, "blöd": -1.8, "doof": -1.8,
}  # fmt: skip
EXTRA_VERBS = {"klappt", "funktioniert", "nervt", "ignoriert", "vertröstet", "hinhalten", "abzocken"}
# emoji VADER's English lexicon has no words for (its names: "enraged face", "thumbs down"…)
EMOJI = {
    "😡": -2.5, "🤬": -3.0, "😠": -2.2, "😤": -1.8, "🙄": -1.5, "👎": -2.0, "💩": -2.0, "🤮": -2.5, "😒": -1.5,
    "👍": 2.0, "😍": 2.8, "🥰": 2.5, "🎉": 2.0, "🙏": 1.5, "💪": 1.5, "👏": 2.0,
}  # fmt: skip
EMOJI_PATTERN = re.compile("|".join(map(re.escape, EMOJI)))
WORD = re.compile(r"[^\W\d_][\w'’-]*|[\U0001f000-\U0001faff\u2600-\u27bf]", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Sentiment:
    score: float  # -1 (most negative) … +1 (most positive)
    label: str  # NEGATIVE, NEUTRAL or POSITIVE
    words: tuple[str, ...] = ()  # what carried it (German scores only)


def label_of(score: float) -> str:
    return POSITIVE if score >= CUTOFF else NEGATIVE if score <= -CUTOFF else NEUTRAL


def sentiment(text: str, lang: str | None, neutral: Collection[str] = ()) -> Sentiment:
    """The sentiment of `text` in `lang` (guessed from its words when None); the folded words
    in `neutral` (the company's names: "Müller" is no "Müll") carry none. Only the analysed
    start of the text counts: VADER's English rules take time quadratic in the number of words."""
    text = analysed(text)
    language = lang.split("-")[0].casefold() if lang else guess_language(text)  # "de-DE" is German
    if language == "de":
        return _german().score(text, neutral)
    return _english_score(text)


def _english_score(text: str) -> Sentiment:
    """VADER's compound, with the emoji its lexicon lacks added to its sum of valences (VADER
    would let a "not" before them turn them round, across the end of a sentence). A text with
    nothing VADER knows is not given to it: every valence it would sum is 0."""
    emoji = EMOJI_PATTERN.findall(text)
    rest = EMOJI_PATTERN.sub(" ", text) if emoji else text
    compound = _english().polarity_scores(rest)["compound"] if _vader_knows(rest) else 0.0
    if not emoji:
        return Sentiment(compound, label_of(compound))
    compound = max(-0.9999, min(0.9999, compound))
    total = compound * math.sqrt(ALPHA / (1 - compound * compound)) + sum(EMOJI[found] for found in emoji)
    score = round(normalize(total, ALPHA), 4)
    return Sentiment(score, label_of(score), tuple(emoji))


GERMAN_MARKERS = {"der", "die", "das", "und", "ist", "nicht", "ich", "mit", "ein", "eine", "für", "auf", "zu"}
GERMAN_MARKERS |= {"es", "wir", "den", "dem", "von", "hab", "habe", "mein", "meine", "schon", "noch", "auch"}
GERMAN_MARKERS |= {"im", "bei", "nach", "wie", "aber", "oder", "sehr", "bitte", "danke", "heute", "leider", "wieder"}
GERMAN_MARKERS |= {"gerne", "sind", "war", "hat", "kann", "mir", "mich", "uns", "euch", "ihr", "man", "seit", "doch"}
ENGLISH_MARKERS = {"the", "and", "is", "not", "i", "with", "a", "for", "on", "to", "it", "my", "this", "of"}
ENGLISH_MARKERS |= {"you", "was", "are", "have", "just", "your", "they", "what", "be", "at", "but"}


def guess_language(text: str) -> str:
    """ "de" or "en" by the function words in `text` (umlauts decide a tie)."""
    found = [word.casefold() for word in WORD.findall(text)]
    german = sum(word in GERMAN_MARKERS for word in found)
    english = sum(word in ENGLISH_MARKERS for word in found)
    if german != english:
        return "de" if german > english else "en"
    return "de" if re.search(r"[äöüßÄÖÜ]", text) else "en"


@cache
def _english() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@cache
def _english_emoji() -> frozenset[str]:
    return frozenset(_english().emojis)


def _vader_knows(text: str) -> bool:
    """Whether `text` has one of VADER's emoji or a word of its lexicon, as VADER splits
    words; only such a word is given a valence (boosters and negations modify one)."""
    lexicon = _english().lexicon
    return not _english_emoji().isdisjoint(text) or any(
        SentiText._strip_punc_if_word(word).lower() in lexicon for word in text.split()
    )


@cache
def _german() -> GermanScorer:
    spec = importlib.util.find_spec("textblob_de")  # its data only: textblob itself is not loaded
    assert spec is not None and spec.submodule_search_locations
    lexicon = Path(next(iter(spec.submodule_search_locations))) / "data" / "de-sentiment.xml"
    return GermanScorer(lexicon, _english())


def _plain(word: str) -> str:
    """Umlauts dropped, as hasty typing does: "enttäuscht" -> "enttauscht"."""
    return word.casefold().translate(str.maketrans("äöü", "aou")).replace("ß", "ss")


class GermanScorer:
    def __init__(self, lexicon: Path, english: SentimentIntensityAnalyzer) -> None:
        self.valence: dict[str, float] = {}
        self.verbs: set[str] = set()
        for entry in ElementTree.parse(lexicon).getroot().iter("word"):
            form, polarity = entry.get("form", ""), float(entry.get("polarity") or 0)
            if polarity and "_" not in form:
                value = math.copysign(STRONG if abs(polarity) >= 1 else WEAK, polarity)
                self._add(form, value, entry.get("pos") == "VB")
        for form, value in EXTRA.items():
            self._add(form, value, form in EXTRA_VERBS)
        self._seen: dict[str, tuple[float, bool]] = {}  # words looked up, with what was found
        self.phrases = {tuple(form.split()): value for form, value in EXTRA.items() if " " in form}
        self.phrase_heads = {words[0] for words in self.phrases}
        # an emoji counts as its name's words do in VADER's English lexicon
        self.emoji = {
            emoji: total
            for emoji, name in english.emojis.items()
            if (total := sum(english.lexicon.get(word, 0.0) for word in name.split()))
        } | EMOJI

    def _add(self, form: str, value: float, verb: bool) -> None:
        keys = {fold(form)}
        if len(form) >= 6:  # a short word without its umlaut is often another word ("schön", "schon")
            keys.add(_plain(form))
        for key in keys:
            self.valence[key] = value
            if verb:
                self.verbs.add(key)

    def lookup(self, word: str) -> tuple[float, bool]:
        """The valence of `word` (0: none) and whether it is a verb, trying its inflections."""
        known = self._seen.get(word)
        if known is None:
            if len(self._seen) >= CACHE_LIMIT:
                self._seen.clear()
            known = self._seen[word] = self._look_up(word)
        return known

    def _look_up(self, word: str) -> tuple[float, bool]:
        for key in (fold(word), _plain(word)):
            for form in _forms(key):
                if form in self.valence:
                    return self.valence[form], form in self.verbs
        return 0.0, False

    def score(self, text: str, neutral: Collection[str] = ()) -> Sentiment:
        tokens = [(match.group(), match.start()) for match in WORD.finditer(text)]
        lowered = [token.casefold() for token, _ in tokens]
        shouting = any(token.isupper() and len(token) > 1 for token, _ in tokens) and not text.isupper()
        clause = _clauses(text, [start for _, start in tokens])
        valences, carried = [0.0] * len(tokens), []
        skip = 0
        for index, (token, _) in enumerate(tokens):
            if skip:
                skip -= 1
                continue
            phrase = None
            if lowered[index] in self.phrase_heads:
                phrase = next((words for words in self.phrases if _starts(lowered, index, words)), None)
            if phrase:
                valences[index], skip = self.phrases[phrase], len(phrase) - 1
                carried.append(" ".join(phrase))
                continue
            if token in self.emoji:
                valences[index] = self.emoji[token]
                carried.append(token)
                continue
            if lowered[index] in BOOSTERS or lowered[index] in NEGATORS:
                continue
            value, verb = self.lookup(token)
            if not value or (neutral and fold(token) in neutral):
                continue
            if shouting and token.isupper():
                value += CAPS if value > 0 else -CAPS
            for distance in (1, 2, 3):
                before = index - distance
                if before < 0 or clause[before] != clause[index]:
                    break
                boost = BOOSTERS.get(lowered[before], 0.0) * (1 - 0.05 * (distance - 1))
                value += boost if value > 0 else -boost
            if self._negated(lowered, clause, index, verb):
                value *= NEGATION
            valences[index] = value
            carried.append(token)
        total = _but_rule(lowered, valences)
        if total:
            total += math.copysign(min(text.count("!"), 4) * 0.292, total)
        score = normalize(total, ALPHA)
        return Sentiment(round(score, 4), label_of(score), tuple(carried))

    @staticmethod
    def _negated(lowered: list[str], clause: list[int], index: int, verb: bool) -> bool:
        """A negator up to three words before, in the same clause; for a verb also after it, as
        German puts it ("funktioniert leider nicht")."""
        window = [index - distance for distance in (1, 2, 3)]
        if verb:
            window += [index + distance for distance in (1, 2, 3)]
        return any(
            0 <= other < len(lowered) and clause[other] == clause[index] and lowered[other] in NEGATORS
            for other in window
        )


def _forms(word: str) -> Iterator[str]:
    """`word`, then what is left after one inflection ending (three letters at least): "guter"
    -> gut; "klappt" -> klapp, klappen."""
    yield word
    for ending in ENDINGS:
        base = word[: -len(ending)]
        if word.endswith(ending) and len(base) >= 3:
            yield base
            if ending in VERB_ENDINGS:
                yield base + "en"
                yield base + "n"


def _starts(lowered: list[str], index: int, words: tuple[str, ...]) -> bool:
    return tuple(lowered[index : index + len(words)]) == words


def _clauses(text: str, starts: list[int]) -> list[int]:
    """The clause number of each token (punctuation ends a clause): how many clause ends come
    before it, found by bisection, as counting them for every token was quadratic in the text."""
    ends = [match.start() for match in CLAUSE_END.finditer(text)]
    return [bisect_left(ends, start) for start in starts]


def _but_rule(lowered: list[str], valences: list[float]) -> float:
    """VADER's "but": what comes after it counts 1.5 times, what comes before half."""
    pivot = next((index for index, word in enumerate(lowered) if word in BUT), None)
    if pivot is None:
        return sum(valences)
    return sum(value * (0.5 if index < pivot else 1.5) for index, value in enumerate(valences))
