"""Which language a mention is read in, German or English: the one its source gives, or else
guessed from its function words."""

from __future__ import annotations

import re

# a word as the sentiment's tokens have it ("I'm" is one word, not "I"); it does not end in an
# apostrophe: in 'quality' that is a closing quote
WORD_PATTERN = r"[^\W\d_][\w'’-]*(?<!['’])"
WORD = re.compile(WORD_PATTERN, re.UNICODE)
UMLAUT = re.compile(r"[äöüßÄÖÜ]")

GERMAN_MARKERS = {"der", "die", "das", "und", "ist", "nicht", "ich", "mit", "ein", "eine", "für", "auf", "zu"}
GERMAN_MARKERS |= {"es", "wir", "den", "dem", "von", "hab", "habe", "mein", "meine", "schon", "noch", "auch"}
GERMAN_MARKERS |= {"im", "bei", "nach", "wie", "aber", "oder", "sehr", "bitte", "danke", "heute", "leider", "wieder"}
GERMAN_MARKERS |= {"gerne", "sind", "war", "hat", "kann", "mir", "mich", "uns", "euch", "ihr", "man", "seit", "doch"}
ENGLISH_MARKERS = {"the", "and", "is", "not", "i", "with", "a", "for", "on", "to", "it", "my", "this", "of"}
ENGLISH_MARKERS |= {"you", "was", "are", "have", "just", "your", "they", "what", "be", "at", "but"}


def language_of(text: str, lang: str | None) -> str:
    """The language the analysed `text` is read in: that of `lang` ("de-DE" is German), or
    guessed from its words when None."""
    return lang.split("-")[0].casefold() if lang else guess_language(text)


def guess_language(text: str) -> str:
    """ "de" or "en" by the function words in `text` (umlauts decide a tie)."""
    found = [word.casefold() for word in WORD.findall(text)]
    german = sum(word in GERMAN_MARKERS for word in found)
    english = sum(word in ENGLISH_MARKERS for word in found)
    if german != english:
        return "de" if german > english else "en"
    return "de" if UMLAUT.search(text) else "en"
