"""The PostgreSQL journal's reads for the war room's views and the scoring: what to answer,
recent mentions, known authors, counts by minute and by scenario (see the SQLite journal's,
`smwar.journal.store`, for what each means)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from smwar.clock import from_iso, to_iso
from smwar.journal.rows import Pair, fresh_positions
from smwar.model import JournaledMention, Mention

MATCHED = "FROM mentions m JOIN matches x ON x.mention_id = m.id WHERE x.scenario_id = %s AND"


class Reads:
    """The part of the PostgreSQL journal's interface that the views and the scoring read."""

    if TYPE_CHECKING:  # the journal's own, on which these are built

        def _rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]: ...
        def _named(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]: ...
        def _value(self, sql: str, params: Sequence[object] = ()) -> Any: ...
        def _with_matches(self, rows: list[dict[str, Any]]) -> list[JournaledMention]: ...

    def to_answer(
        self, since: datetime, actions: Sequence[str], limit: int, answered: Collection[int] = ()
    ) -> list[JournaledMention]:
        """The newest `limit` mentions received since `since` whose triage said one of
        `actions`, leaving out those `answered`."""
        rows = self._named(
            "SELECT * FROM mentions WHERE received_at >= %s AND action = ANY(%s) AND NOT id = ANY(%s) "
            "ORDER BY id DESC LIMIT %s",
            [to_iso(since), list(actions), list(answered), limit],
        )
        return self._with_matches(rows)

    def recent_mentions(self, since: datetime, limit: int) -> list[JournaledMention]:
        """The newest `limit` mentions received since `since`, oldest first, with their matches."""
        rows = self._named(
            "SELECT * FROM (SELECT * FROM mentions WHERE received_at >= %s ORDER BY received_at DESC, id DESC "
            "LIMIT %s) k ORDER BY id",
            [to_iso(since), limit],
        )
        return self._with_matches(rows)

    def texts(self, ids: Sequence[int]) -> dict[int, str]:
        return dict(self._rows("SELECT id, text FROM mentions WHERE id = ANY(%s)", [list(ids)]))

    def known_authors(self, authors: Collection[Pair]) -> set[Pair]:
        """Which of these (network, author) pairs have mentions in the journal already."""
        return self._present("author", authors)

    def unseen(self, mentions: Sequence[Mention]) -> list[Mention]:
        """The mentions `add_mentions` would store: neither journaled yet nor earlier among them."""
        seen = self._present("native_id", {(mention.network, mention.native_id) for mention in mentions})
        return [mentions[index] for index in fresh_positions(mentions, seen)]

    def _present(self, column: str, pairs: Collection[Pair]) -> set[Pair]:
        return {(network, value) for network, value in self._rows(*present(column, pairs))}

    def negative_authors(self, cutoff: float, incidents: int) -> dict[Pair, int]:
        """Authors with mentions at or below the sentiment `cutoff` that matched the scenario
        of at least `incidents` different incidents (received within a day of its proposal)."""
        seen: dict[Pair, set[int]] = {}
        for incident_id, scenario_id, proposed in self._rows("SELECT id, scenario_id, proposed_at FROM incidents"):
            at = from_iso(proposed)
            for network, author in self._rows(
                f"SELECT m.network, m.author {MATCHED} m.received_at BETWEEN %s AND %s AND m.sentiment <= %s",
                [scenario_id, to_iso(at - timedelta(days=1)), to_iso(at + timedelta(days=1)), cutoff],
            ):
                seen.setdefault((network, author), set()).add(incident_id)
        return {who: len(found) for who, found in seen.items() if len(found) >= incidents}

    def minute_counts(self, since: datetime, until: datetime, scenario_id: str | None) -> list[tuple[datetime, int]]:
        """How many mentions (matching `scenario_id`, or all) arrived in each minute of [since, until)."""
        within = "m.received_at >= %s AND m.received_at < %s GROUP BY 1 ORDER BY 1"
        if scenario_id is None:
            sql, params = f"FROM mentions m WHERE {within}", [to_iso(since), to_iso(until)]
        else:
            sql, params = f"{MATCHED} {within}", [scenario_id, to_iso(since), to_iso(until)]
        rows = self._rows(f"SELECT substr(m.received_at, 1, 16), COUNT(*)::int {sql}", params)
        return [(datetime.fromisoformat(f"{text}:00+00:00"), count) for text, count in rows]

    def first_match(self, scenario_id: str, after: datetime | None, until: datetime) -> datetime | None:
        """When the first mention matching `scenario_id` arrived in (`after`, `until`]."""
        found = self._value(
            f"SELECT MIN(m.received_at) {MATCHED} m.received_at > %s AND m.received_at <= %s",
            [scenario_id, to_iso(after) if after else "", to_iso(until)],
        )
        return from_iso(found) if found else None

    def match_times(self, scenario_id: str | None, since: datetime) -> list[datetime]:
        """When mentions matching `scenario_id` (None: all mentions) arrived, since `since`, in order."""
        if scenario_id is None:
            sql, params = "FROM mentions m WHERE m.received_at >= %s", [to_iso(since)]
        else:
            sql, params = f"{MATCHED} m.received_at >= %s", [scenario_id, to_iso(since)]
        return [from_iso(at) for (at,) in self._rows(f"SELECT m.received_at {sql} ORDER BY m.received_at", params)]

    def latest_time(self) -> datetime | None:
        """The latest clock time anything was journaled at (to resume a drill clock)."""
        found = self._value("SELECT GREATEST((SELECT MAX(received_at) FROM mentions), (SELECT MAX(at) FROM events))")
        return from_iso(found) if found else None


def present(column: str, pairs: Collection[Pair]) -> tuple[str, list[object]]:
    """The query of which (network, `column`) pairs have mentions in the journal (each looked
    up in its index), and its parameters."""
    ordered = list(pairs)
    sql = (
        "SELECT k.network, k.value FROM unnest(%s::text[], %s::text[]) k(network, value) WHERE EXISTS "
        f"(SELECT 1 FROM mentions m WHERE m.network = k.network AND m.{column} = k.value)"
    )
    return sql, [[pair[0] for pair in ordered], [pair[1] for pair in ordered]]
