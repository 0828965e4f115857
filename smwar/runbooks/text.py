"""Words as the matcher compares them: folded case, umlauts spelled out, hashtags split."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_PICTOGRAPH = "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2190-\u2bff\u3030\u303d\U0001f000-\U0001faff"
# words (with a leading # or @), and pictographs, which are words too ("🙄" in a rule's terms)
TOKEN = re.compile(rf"[#@]?[^\W_]+(?:['’][^\W_]+)?|[{_PICTOGRAPH}]\ufe0f?", re.UNICODE)
_IS_PICTOGRAPH = re.compile(rf"[{_PICTOGRAPH}]")
_CAMEL = re.compile(r"[A-ZÄÖÜ]+(?![a-zäöüß])|[A-ZÄÖÜ]?[a-zäöüß]+|\d+")

# German and English inflection endings; stripping one leaves a base two forms may share.
_ENDINGS = (
    "ungen", "ung", "ing", "ies", "est", "ten", "ter", "tes", "en", "er", "es", "em", "ed", "st", "te", "et",
    "e", "n", "t", "s",
)  # fmt: skip
_MIN_BASE = 4
_MIN_PLURAL_BASE = 3  # "apps" -> "app", but not "ads" -> "ad"


def fold(word: str) -> str:
    """Case, umlauts and accents folded: "Wasserschäden" -> "wasserschaeden"."""
    folded = word.casefold().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def bases(word: str) -> set[str]:
    """The word and what is left after stripping one inflection ending: "defekte" -> defekte,
    defekt, defek. Two forms of one word share a base ("leaking" and "leaks" share "leak")."""
    found = {word}
    for ending in _ENDINGS:
        rest = len(word) - len(ending)
        if word.endswith(ending) and rest >= (_MIN_PLURAL_BASE if ending == "s" else _MIN_BASE):
            found.add(word[:rest])
    return found


def token_words(token: str) -> tuple[str, ...]:
    """The folded words of one token; a hashtag or handle in CamelCase also gives its parts:
    #ElektroMuellerFail -> elektro, mueller, fail, elektromuellerfail."""
    if _IS_PICTOGRAPH.match(token):
        return (token.removesuffix("\ufe0f"),)  # as it is: folding would turn the information sign into "i"
    if token[0] not in "#@":
        return (fold(token),)
    body = token[1:]
    parts = _CAMEL.findall(body)
    whole = fold(body)
    return (*(fold(part) for part in parts), whole) if len(parts) > 1 else (whole,)


def words(text: str) -> Iterator[tuple[str, str]]:
    """Each folded word of `text` with the token it came from (for explanations)."""
    for token in TOKEN.findall(text):
        for word in token_words(token):
            yield word, token


def term_words(term: str) -> tuple[str, ...]:
    """The folded words of a runbook term; a term of several words is a phrase."""
    return tuple(word for word, _ in words(term.lstrip("#@")))
