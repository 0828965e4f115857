"""Words as the matcher compares them: folded case, umlauts spelled out, hashtags split."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_TOKEN = re.compile(r"[#@]?[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_CAMEL = re.compile(r"[A-ZÄÖÜ]+(?![a-zäöüß])|[A-ZÄÖÜ]?[a-zäöüß]+|\d+")
_SUFFIXES = ("ungen", "ung", "ing", "en", "ed", "er", "es", "em", "e", "s", "n")


def fold(word: str) -> str:
    """Case, umlauts and accents folded: "Wasserschäden" -> "wasserschaeden"."""
    folded = word.casefold().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def stem(word: str) -> str:
    """A light German/English suffix strip, enough to meet "leaking" with "leak"."""
    for suffix in _SUFFIXES:
        if len(word) - len(suffix) >= 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True, slots=True)
class Word:
    """A folded word and the original text it came from (for explanations)."""

    text: str
    original: str


def words(text: str) -> list[Word]:
    """Split a mention into folded words; #ElektroMuellerFail gives elektro, mueller, fail."""
    result: list[Word] = []
    for found in _TOKEN.finditer(text):
        token = found.group()
        if token[0] in "#@":
            body = token[1:]
            parts = _CAMEL.findall(body)
            if len(parts) > 1:
                result.extend(Word(fold(part), token) for part in parts)
            result.append(Word(fold(body), token))
        else:
            result.append(Word(fold(token), token))
    return result


def term_words(term: str) -> tuple[str, ...]:
    """The folded words of a runbook term; a term of several words is a phrase."""
    return tuple(word.text for word in words(term.lstrip("#@")))
