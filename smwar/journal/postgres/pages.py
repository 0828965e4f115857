"""A feed view's filter (`MentionFilter`) as PostgreSQL: the same conditions as the SQLite
journal's, with PostgreSQL's text search for the words. A word is found by its start as
written, with or without diacritics ("ausgel" finds "ausgelaufen", "ol" finds "Öl"), or by
its German or English stem ("Kunden" finds "Kunde", "refunds" finds "refunded")."""

from __future__ import annotations

from smwar.clock import to_iso
from smwar.journal.pages import MentionFilter
from smwar.journal.postgres.schema import FOLDED

WORD_QUERY = (  # one word of a search, matched against `mentions.search`
    f"(to_tsquery('{FOLDED}', %s) || plainto_tsquery('german', %s) || plainto_tsquery('english', %s))"
)


def where(view: MentionFilter) -> tuple[str, list[object]]:
    """The condition on `mentions m` that keeps what `view` keeps, and its parameters."""
    clauses = ["m.id > %s"]
    params: list[object] = [view.after]
    for word in view.words:  # letters, digits and underscores only (MentionFilter.parse)
        clauses.append(f"m.search @@ {WORD_QUERY}")
        params += [f"'{word}':*", word, word]
    if view.network:
        clauses.append("m.network = %s")
        params.append(view.network.casefold())
    if view.author:
        clauses.append("strpos(lower(m.author), %s) > 0")
        params.append(view.author.casefold())
    if view.scenario:
        clauses.append("EXISTS (SELECT 1 FROM matches x WHERE x.mention_id = m.id AND x.scenario_id = %s)")
        params.append(view.scenario)
    if view.action:
        clauses.append("m.action = %s")
        params.append(view.action.casefold())
    if view.span is not None:
        span = view.span
        clauses.append(
            "(m.id = ANY(%s) OR (m.received_at BETWEEN %s AND %s AND EXISTS "
            "(SELECT 1 FROM matches x WHERE x.mention_id = m.id AND x.scenario_id = %s)))"
        )
        params += [sorted(int(i) for i in span.linked), to_iso(span.start), to_iso(span.end), span.scenario_id]
    return " AND ".join(clauses), params
