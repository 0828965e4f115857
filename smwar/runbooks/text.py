"""Words as the matcher compares them: folded case, umlauts spelled out, hashtags split."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

MAX_ANALYSED_CHARS = 5_000
"""How much of a mention's text is analysed (matched by terms and regexes, scored for
sentiment, compared for campaigns). Posts are far shorter; a hostile megabyte then costs no
more than a long post. The whole text is still journaled and shown."""

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_PICTOGRAPH = "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2190-\u2bff\u3030\u303d\U0001f000-\U0001faff"
# words (with a leading # or @), and pictographs, which are words too ("🙄" in a rule's terms)
_WORD = r"[#@]?{letter}+(?:[{apostrophes}]{letter}+)?"
TOKEN = re.compile(_WORD.format(letter=r"[^\W_]", apostrophes="'’") + rf"|[{_PICTOGRAPH}]\ufe0f?", re.UNICODE)
# ASCII text (most posts) holds no pictograph or curly apostrophe: the same tokens, a third faster
_ASCII_TOKEN = re.compile(_WORD.format(letter="[A-Za-z0-9]", apostrophes="'"))
# and without # @ or ' its tokens are its runs of letters and digits, what is left when every
# other byte is made a space
_TO_SPACE = bytes(byte if chr(byte).isascii() and chr(byte).isalnum() else ord(" ") for byte in range(256))
_IS_PICTOGRAPH = re.compile(rf"[{_PICTOGRAPH}]")
_POSSESSIVE = re.compile(r"['’]s$")  # "Elektro-Müller's" is Elektro-Müller
_CAMEL = re.compile(r"[A-ZÄÖÜ]+(?![a-zäöüß])|[A-ZÄÖÜ]?[a-zäöüß]+|\d+")

# German and English inflection endings; stripping one leaves a base two forms may share.
_ENDINGS = (
    "ungen", "ung", "ing", "ies", "est", "ten", "ter", "tes", "en", "er", "es", "em", "ed", "st", "te", "et",
    "e", "n", "t", "s",
)  # fmt: skip
# by last letter: a word is only tried against the endings it can have (every word of every term is)
_ENDINGS_BY_LAST = {last: tuple(e for e in _ENDINGS if e[-1] == last) for last in {e[-1] for e in _ENDINGS}}
_MIN_BASE = 4
_MIN_PLURAL_BASE = 3  # "apps" -> "app", but not "ads" -> "ad"


def analysed(text: str) -> str:
    """The part of a mention's `text` that is analysed: its first `MAX_ANALYSED_CHARS` characters."""
    return text[:MAX_ANALYSED_CHARS]


def fold(word: str) -> str:
    """Case, umlauts and accents folded: "Wasserschäden" -> "wasserschaeden"."""
    folded = word.casefold()
    if folded.isascii():  # most words: no umlaut or accent to fold (a large set's terms fold fast)
        return folded
    decomposed = unicodedata.normalize("NFKD", folded.translate(_FOLD))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


_PLAIN_VOWELS = str.maketrans("äöüÄÖÜ", "aouAOU")


def without_umlauts(term: str) -> str:
    """`term` as it is written without umlauts, their dots left off: "Elektro-Müller" ->
    "Elektro-Muller" (folding reads "ü" as "ue", and a typo of one letter is too many for
    "Muller" to stand for "Mueller")."""
    return term.translate(_PLAIN_VOWELS)


def bases(word: str) -> set[str]:
    """The word and what is left after stripping one inflection ending: "defekte" -> defekte,
    defekt, defek. Two forms of one word share a base ("leaking" and "leaks" share "leak")."""
    found = {word}
    for ending in _ENDINGS_BY_LAST.get(word[-1:], ()):
        rest = len(word) - len(ending)
        if word.endswith(ending) and rest >= (_MIN_PLURAL_BASE if ending == "s" else _MIN_BASE):
            found.add(word[:rest])
    return found


def tokens(text: str) -> list[str]:
    """What `TOKEN` finds in `text`, found faster in ASCII text: splitting it after a byte table
    made its separators spaces takes a third of the time of the pattern."""
    if not text.isascii():
        return TOKEN.findall(text)
    if "#" in text or "@" in text or "'" in text:
        return _ASCII_TOKEN.findall(text)
    return text.encode("ascii").translate(_TO_SPACE).decode("ascii").split()


def token_words(token: str) -> tuple[str, ...]:
    """The folded words of one token; a hashtag or handle in CamelCase also gives its parts:
    #ElektroMuellerFail -> elektro, mueller, fail, elektromuellerfail."""
    if _IS_PICTOGRAPH.match(token):
        return (token.removesuffix("\ufe0f"),)  # as it is: folding would turn the information sign into "i"
    if token[0] not in "#@":
        return (fold(_POSSESSIVE.sub("", token)),)
    body = token[1:]
    parts = _CAMEL.findall(body)
    whole = fold(body)
    return (*(fold(part) for part in parts), whole) if len(parts) > 1 else (whole,)


def words(text: str) -> Iterator[tuple[str, str]]:
    """Each folded word of `text` with the token it came from (for explanations)."""
    for token in tokens(text):
        for word in token_words(token):
            yield word, token


def term_words(term: str) -> tuple[str, ...]:
    """The folded words of a runbook term; a term of several words is a phrase."""
    return tuple(word for word, _ in words(term.lstrip("#@")))


def has_words(term: str) -> bool:
    """Whether `term_words(term)` finds any word, without folding them (checking 100,000 terms)."""
    return TOKEN.search(term.lstrip("#@")) is not None
