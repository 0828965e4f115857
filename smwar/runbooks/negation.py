"""Which words of a mention a negation governs: "not leaking", "nicht mehr undicht", "kein
Datenleck", "never broken".

A negation word governs the next `WINDOW` words of its clause; a clause ends at . ! ? ; : , a
dash, a bracket or a line break, at "but", "aber", "sondern", "doch" ("nicht kaputt, sondern
undicht": "undicht" stands), at a comparison's "wie", "als", "than" ("nie so gut wie seit
dem Update": the update is not denied), and where a clause of time or reason begins ("day 9
without a washing machine since it flooded", "kein Rückruf seit die Küche geflutet ist": the flood
stands). "not only", "nicht nur", "can't believe", "kein Wunder" negate nothing. A German
"nicht" or "nie" that ends its clause, alone or with "mehr", negates the word before it:
"Meine Maschine leckt nicht mehr!", "Die AquaPro tropft nicht, sie ist nur laut"; one before
more words ("leckt nicht schlecht") is left to them.
"""

from __future__ import annotations

from collections.abc import Sequence

from smwar.runbooks.text import TOKEN

WINDOW = 6  # German puts the verb last: "nie ist auch nur ein Tropfen ausgelaufen"
CUES = frozenset(
    {
        "not", "no", "never", "without", "nor", "neither", "cannot", "cant", "dont", "doesnt", "didnt", "isnt",
        "wasnt", "arent", "werent", "wont", "hasnt", "havent", "hadnt", "shouldnt", "wouldnt", "couldnt",
        "nicht", "nichts", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie", "niemals", "ohne",
        "weder", "nirgends",
    }
)  # fmt: skip
# the word after a negation that makes it no denial: "not only", "can't believe", "kein Wunder",
# "not sure if", "no doubt"
NOT_NEGATING = frozenset(
    {"only", "just", "believe", "wonder", "doubt", "sure", "joke", "kidding", "idea", "clue",
     "nur", "bloss", "bloß", "glauben", "fassen", "wunder", "zweifel", "sicher", "witz", "ahnung"}
)  # fmt: skip
CLAUSE_WORDS = frozenset(
    {"but", "however", "aber", "sondern", "doch", "jedoch", "wie", "als", "than",
     # a clause of time or reason: what it says is not what the negation denies
     "since", "because", "cause", "cuz", "after", "when", "until", "till", "while", "although", "though",
     "weil", "seit", "seitdem", "nachdem", "wenn", "bis", "während", "obwohl"}
)  # fmt: skip
CLAUSE_MARKS = frozenset(".!?;:,()[]–—\n")
AFTER_VERB = frozenset({"nicht", "nie", "niemals", "nimmer"})  # German: "leckt nicht (mehr)."
STILL = frozenset({"mehr"})  # "leckt nicht mehr": the verb's negation still ends its clause


def is_cue(token: str) -> bool:
    """Whether `token` is a negation word."""
    word = token.casefold().replace("’", "'")
    return word in CUES or word.endswith("n't")


def negated(text: str, found: Sequence[str]) -> frozenset[int]:
    """The numbers of the tokens in `found` (the tokens of `text`, in order) that a negation
    governs; none in most texts, which hold no negation word and cost one look at each token."""
    if CUES.isdisjoint(map(str.lower, found)) and "n't" not in text and "n’t" not in text:
        return frozenset()
    spans = [match.span() for match in TOKEN.finditer(text)]
    if len(spans) != len(found):  # not the tokens they were said to be: no negation is safer than a wrong one
        return frozenset()

    def ends_clause(after: int) -> bool:
        """Whether a clause ends before the token numbered `after` (or the text does)."""
        if after >= len(found):
            return True
        between = text[spans[after - 1][1] : spans[after][0]]
        return not CLAUSE_MARKS.isdisjoint(between) or found[after].casefold() in CLAUSE_WORDS

    governed: set[int] = set()
    for number, token in enumerate(found):
        if not is_cue(token) or (number + 1 < len(found) and found[number + 1].casefold() in NOT_NEGATING):
            continue
        for after in range(number + 1, min(number + 1 + WINDOW, len(found))):
            if ends_clause(after):
                break
            governed.add(after)
        if number and token.casefold() in AFTER_VERB and not ends_clause(number):
            rest = number + 1 + (number + 1 < len(found) and found[number + 1].casefold() in STILL)
            if ends_clause(rest):
                governed.add(number - 1)
    return frozenset(governed)
