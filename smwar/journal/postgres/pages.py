"""The PostgreSQL journal's `Dialect` for a feed view's filter (`MentionFilter.where`): the same
conditions as the SQLite journal's, with PostgreSQL's text search for the words. A word is found
by its start as written, with or without diacritics ("ausgel" finds "ausgelaufen", "ol" finds
"Öl"), or by its German or English stem ("Kunden" finds "Kunde", "refunds" finds "refunded")."""

from __future__ import annotations

from collections.abc import Sequence

from smwar.journal.pages import Clause, Dialect
from smwar.journal.postgres.schema import FOLDED

WORD_QUERY = (  # one word of a search, matched against `mentions.search`
    f"(to_tsquery('{FOLDED}', %s) || plainto_tsquery('german', %s) || plainto_tsquery('english', %s))"
)


def _words(words: Sequence[str]) -> Clause:
    """Every word (letters, digits and underscores only: MentionFilter.parse) in the text."""
    params: list[object] = []
    for word in words:
        params += [f"'{word}':*", word, word]
    return " AND ".join(f"m.search @@ {WORD_QUERY}" for _ in words), params


def _listed(ids: Sequence[int]) -> Clause:
    return "m.id = ANY(%s)", [[int(i) for i in ids]]


POSTGRES = Dialect(
    mark="%s",
    words=_words,
    author="strpos(lower(m.author), %s) > 0",
    listed=_listed,
    json="({0}::jsonb ->> '{1}')",
    unlimited=None,
)
