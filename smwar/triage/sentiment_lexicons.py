"""The lexicons sentiment reads (smwar.triage.sentiment), loaded once a language is first
read: VADER's for English, with its emoticons and, through their names, emoji; the German
Polarity Lexicon of Klenner, Clematide, Wiegand and Peters (shipped with textblob-de) for
German; each with the words of online complaint and praise, their roles in a complaint, the
negators, boosters and contrast words of smwar.triage.sentiment_words."""

from __future__ import annotations

import importlib.util
import math
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentimentIntensityAnalyzer

from smwar.runbooks.text import fold
from smwar.triage import sentiment_words as vocabulary

# the German lexicon's polarity on VADER's valence scale (-4…4): its strong entries (±1.0) as
# VADER's typical strong words, its weak ones (±0.7, many of them near neutral in use) as mild words
STRONG, WEAK = 2.0, 0.6
TAKES_TRAILING = (vocabulary.FAILURE, vocabulary.RESOLUTION, vocabulary.RESPONSE)
EMOJI = r"[\U0001f000-\U0001faff\u2600-\u27bf]"
EMOTICON = r"(?<![\w:/])(?:[:;=]'?-?[)(\]\[DPpO/\\|*]+|[xX]D+|<3)(?![\w/])"
EMOJI_OR_EMOTICON = re.compile(EMOTICON + "|" + EMOJI)


@dataclass(frozen=True, slots=True)
class Language:
    """What a language's scorer reads: valences of words and phrases (multi-word keys), the
    roles of words in a complaint, its negators, boosters and contrast words, and whether its
    words are inflected (German: "guter" is "gut")."""

    valence: Mapping[str, float]
    roles: Mapping[str, str]
    verbs: Collection[str]  # negated also by a negator after them: "funktioniert leider nicht"
    negators: frozenset[str]
    boosters: Mapping[str, float]
    contrast: Collection[str]
    inflected: bool
    heads: Collection[str] = ()  # what a compound may end in and take its sense from: nouns, words of complaint


@cache
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@cache
def english() -> Language:
    vader = _vader()
    valence = {word: value for word, value in vader.lexicon.items() if word.isascii()}
    roles = _with_roles(valence, vocabulary.ENGLISH_WORDS, vocabulary.ENGLISH_ROLES)
    boosters = {word: abs(value) if value > 0 else value for word, value in BOOSTER_DICT.items() if " " not in word}
    english = Language(
        valence=valence,
        roles=roles,
        verbs=(),
        negators=vocabulary.ENGLISH_NEGATORS,
        boosters=boosters | vocabulary.ENGLISH_BOOSTERS,
        contrast=vocabulary.ENGLISH_CONTRAST,
        inflected=False,
    )
    return english


@cache
def german() -> Language:
    spec = importlib.util.find_spec("textblob_de")  # its data only: textblob itself is not loaded
    assert spec is not None and spec.submodule_search_locations
    lexicon = Path(next(iter(spec.submodule_search_locations))) / "data" / "de-sentiment.xml"
    valence: dict[str, float] = {}
    verbs: set[str] = set()
    heads: set[str] = set()
    for entry in ElementTree.parse(lexicon).getroot().iter("word"):
        form, polarity = entry.get("form", ""), float(entry.get("polarity") or 0)
        if polarity and "_" not in form:
            keys = _keys(form)
            valence.update(dict.fromkeys(keys, math.copysign(STRONG if abs(polarity) >= 1 else WEAK, polarity)))
            if entry.get("pos") == "VB":
                verbs.update(keys)
            elif entry.get("pos") == "NN":
                heads.update(keys)
    extra = {key: value for form, value in vocabulary.GERMAN_WORDS.items() for key in _keys(form)}
    roles = _with_roles(valence, extra, {role: _folded(terms) for role, terms in vocabulary.GERMAN_ROLES.items()})
    verbs.update(key for form in vocabulary.GERMAN_VERBS for key in _keys(form))
    # a German word of a complaint is negated by a negator after it too: "tropft nicht mehr"
    verbs.update(key for role in TAKES_TRAILING for form in vocabulary.GERMAN_ROLES[role] for key in _keys(form))
    german = Language(
        valence=valence,
        roles=roles,
        verbs=verbs,
        negators=vocabulary.GERMAN_NEGATORS,
        boosters={word.casefold(): value for word, value in vocabulary.GERMAN_BOOSTERS.items()},
        contrast=vocabulary.GERMAN_CONTRAST,
        inflected=True,
        heads=heads | {key for form in vocabulary.GERMAN_WORDS if " " not in form for key in _keys(form)},
    )
    return german


def _keys(form: str) -> set[str]:
    """How a German word is looked up: folded, and without umlauts as hasty typing has it
    ("enttauscht"), unless it is short: a short word without its umlaut is often another
    ("schön", "schon"). A phrase is only case-folded."""
    if " " in form:  # a phrase is matched word by word, as the words are written
        return {form.casefold()}
    keys = {fold(form)}
    if len(form) >= 6:
        keys.add(plain(form))
    return keys


def _folded(terms: Mapping[str, float]) -> dict[str, float]:
    return {key: value for form, value in terms.items() for key in _keys(form)}


def _with_roles(
    valence: dict[str, float], extra: Mapping[str, float], roles: Mapping[str, Mapping[str, float]]
) -> dict[str, str]:
    """`extra` and the role words added to `valence` (a value of 0 silences a word, its
    inflections too: "lieber" is not "lieb"; a role word of 0 keeps the lexicon's valence); the
    role of each role word."""
    valence.update(extra)
    found: dict[str, str] = {}
    for role, terms in roles.items():
        for term, value in terms.items():
            found[term] = role
            if value:
                valence[term] = value
    return found


@cache
def emoji_valences() -> dict[str, float]:
    """Emoji and emoticons: an emoji counts as its name's words do in VADER's lexicon, unless
    given here; emoticons as VADER's lexicon rates them."""
    vader = _vader()
    named = {
        emoji: total
        for emoji, name in vader.emojis.items()
        if (total := sum(vader.lexicon.get(word, 0.0) for word in name.split()))
    }
    emoticons = {word: value for word, value in vader.lexicon.items() if EMOJI_OR_EMOTICON.fullmatch(word)}
    return named | vocabulary.EMOJI | emoticons | vocabulary.EMOTICONS | vocabulary.SARCASM_EMOJI


def plain(word: str) -> str:
    """Umlauts dropped, as hasty typing does: "enttäuscht" -> "enttauscht"."""
    return word.casefold().translate(str.maketrans("äöü", "aou")).replace("ß", "ss")
