"""Which mentions a view shows, as SQL: the feed's filter, read a page at a time.

A view never holds the journal: it asks for the count of what its filter keeps and for pages
of rows by keyset (ids after or before one it has), or, to jump, for the id at a position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from smwar.clock import to_iso
from smwar.journal.reading import Span

_WORD = re.compile(r"\w+")


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
                words += _WORD.findall(token)
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

    @property
    def source(self) -> str:
        """The rows a query reads, as `mentions m`: with words, the full-text index drives, in
        the order of its ids (the newest matches come first without reading all of them)."""
        return "mentions_fts f CROSS JOIN mentions m ON m.id = f.rowid" if self.words else "mentions m"

    @property
    def key(self) -> str:
        """The id the rows are ordered and bounded by (the index's own, when it drives)."""
        return "f.rowid" if self.words else "m.id"

    def where(self) -> tuple[str, list[object]]:
        """The condition on the rows of `source`, and its parameters."""
        clauses = [f"{self.key} > ?"]
        params: list[object] = [self.after]
        if self.words:
            clauses.append("mentions_fts MATCH ?")
            params.append(" ".join(f'"{word}"*' for word in self.words))
        if self.network:
            clauses.append("m.network = ?")
            params.append(self.network.casefold())
        if self.author:
            clauses.append("instr(lower(m.author), ?) > 0")
            params.append(self.author.casefold())
        if self.scenario:
            clauses.append("EXISTS (SELECT 1 FROM matches x WHERE x.mention_id = m.id AND x.scenario_id = ?)")
            params.append(self.scenario)
        if self.action:
            clauses.append("m.action = ?")
            params.append(self.action.casefold())
        if self.span is not None:
            span = self.span
            linked = ",".join(str(int(i)) for i in sorted(span.linked)) or "NULL"
            clauses.append(
                f"(m.id IN ({linked}) OR (m.received_at BETWEEN ? AND ? AND EXISTS "
                "(SELECT 1 FROM matches x WHERE x.mention_id = m.id AND x.scenario_id = ?)))"
            )
            params += [to_iso(span.start), to_iso(span.end), span.scenario_id]
        return " AND ".join(clauses), params
