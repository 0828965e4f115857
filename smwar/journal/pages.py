"""Which mentions a view shows, as SQL: the feed's filter, read a page at a time.

A view never holds the journal: it asks for the count of what its filter keeps and for pages
of rows by keyset (ids after or before one it has), or, to jump, for the id at a position.
The conditions are the same on every backend; the few things their SQL says differently (a
parameter's mark, full-text search, a part of the handle, a list of ids) each says in its
`Dialect`: the SQLite journal's is `SQLITE`, the PostgreSQL journal's its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from smwar.clock import to_iso

if TYPE_CHECKING:  # the readers of a journal say their SQL in its dialect too
    from smwar.journal.reading import Span

WORD = re.compile(r"\w+")  # what a search takes for a word: letters, digits and underscores
Clause = tuple[str, list[object]]  # a condition in SQL and its parameters
ABOVE_ALL = 2**62  # an id bound above every mention's


@dataclass(frozen=True, slots=True)
class Dialect:
    """What a backend's SQL says its own way, for `MentionFilter.where`."""

    mark: str  # a bound parameter
    words: Callable[[Sequence[str]], Clause]  # every word occurs in the text (letters, digits, underscores)
    author: str  # the handle `m.author` contains a parameter (casefolded)
    listed: Callable[[Sequence[int]], Clause]  # the mention `m` is one of these ids
    json: str  # a JSON column's key as text: `json.format(column, key)`
    unlimited: int | None  # the LIMIT that keeps every row
    indexed: tuple[str, str] | None = None  # with words, the rows read (full-text index first) and their id


def _sqlite_words(words: Sequence[str]) -> Clause:
    """FTS5's query: every word, each by its start."""
    return "mentions_fts MATCH ?", [" ".join(f'"{word}"*' for word in words)]


def _sqlite_listed(ids: Sequence[int]) -> Clause:
    return f"m.id IN ({','.join(str(int(i)) for i in ids) or 'NULL'})", []


SQLITE = Dialect(
    mark="?",
    words=_sqlite_words,
    author="instr(lower(m.author), ?) > 0",
    listed=_sqlite_listed,
    json="json_extract({0}, '$.{1}')",
    unlimited=-1,
    indexed=("mentions_fts f CROSS JOIN mentions m ON m.id = f.rowid", "f.rowid"),
)


@dataclass(frozen=True, slots=True)
class MentionFilter:
    """Every part that is set must hold: `words` all occur in the text (full-text search, a
    word's start is enough: "ausgel" finds "ausgelaufen"), `author` is part of the handle, the
    others are equal; `span` keeps an incident's mentions."""

    words: tuple[str, ...] = ()
    network: str | None = None
    author: str | None = None
    scenario: str | None = None
    action: str | None = None
    span: Span | None = None
    after: int = 0  # only mentions with a greater id: a search that keeps too many keeps the newest
    label: str = field(default="", compare=False)  # the search as the operator typed it
    incident: int | None = field(default=None, compare=False)  # whose span it is

    @classmethod
    def parse(cls, text: str) -> MentionFilter:
        """`leak network:mastodon author:jana scenario:product-defect action:respond`."""
        words: list[str] = []
        keys: dict[str, str] = {}
        for token in text.split():
            key, colon, value = token.partition(":")
            if colon and key.casefold() in ("network", "author", "scenario", "action") and value:
                keys[key.casefold()] = value
            else:
                words += WORD.findall(token)
        return cls(
            tuple(words),
            keys.get("network"),
            keys.get("author"),
            keys.get("scenario"),
            keys.get("action"),
            label=" ".join(text.split()),
        )

    @property
    def everything(self) -> bool:
        return self == MentionFilter()

    def source(self, dialect: Dialect = SQLITE) -> str:
        """The rows a query reads, as `mentions m`: with words, the full-text index drives where
        the dialect has one to, in the order of its ids (the newest matches come first without
        reading all of them)."""
        return dialect.indexed[0] if self.words and dialect.indexed else "mentions m"

    def key(self, dialect: Dialect = SQLITE) -> str:
        """The id the rows are ordered and bounded by (the index's own, when it drives)."""
        return dialect.indexed[1] if self.words and dialect.indexed else "m.id"

    def where(self, dialect: Dialect = SQLITE) -> Clause:
        """The condition on the rows of `source`, and its parameters."""
        mark = dialect.mark
        clauses = [f"{self.key(dialect)} > {mark}"]
        params: list[object] = [self.after]
        if self.words:
            clause, found = dialect.words(self.words)
            clauses.append(clause)
            params += found
        if self.network:
            clauses.append(f"m.network = {mark}")
            params.append(self.network.casefold())
        if self.author:
            clauses.append(dialect.author)
            params.append(self.author.casefold())
        if self.scenario:
            clauses.append(f"EXISTS (SELECT 1 FROM matches x WHERE x.mention_id = m.id AND x.scenario_id = {mark})")
            params.append(self.scenario)
        if self.action:
            clauses.append(f"m.action = {mark}")
            params.append(self.action.casefold())
        if self.span is not None:
            span = self.span
            linked, listed = dialect.listed(sorted(span.linked))
            clauses.append(
                f"({linked} OR (m.received_at BETWEEN {mark} AND {mark} AND EXISTS "
                f"(SELECT 1 FROM matches x WHERE x.mention_id = m.id AND x.scenario_id = {mark})))"
            )
            params += [*listed, to_iso(span.start), to_iso(span.end), span.scenario_id]
        return " AND ".join(clauses), params
