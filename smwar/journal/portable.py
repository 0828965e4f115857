"""The journal's methods whose SQL every backend runs alike: written once here, with `?` for
each parameter, and run through the backend's `_rows`, `_value` and `writing` with its own
mark (`Dialect.mark`). What a backend says its own way (upserts, lists of ids, full-text
search, JSON, locking) stays in its own module."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from smwar.clock import from_iso, to_iso
from smwar.journal.rows import PRESENT_SECONDS, Claim, Lease, Presence, draft_of, is_news, sending
from smwar.model import EDITED, Draft, Revision

if TYPE_CHECKING:
    from smwar.journal.pages import Dialect


def marked(sql: str, mark: str) -> str:
    """`sql` with each `?` made the backend's `mark` (SQL of the journal's own, which holds no
    other question mark)."""
    return sql if mark == "?" else sql.replace("?", mark)


class Portable:
    """The part of both journals' interface that is the same SQL on each."""

    dialect: Dialect

    if TYPE_CHECKING:  # each journal's own, on which these are built

        def writing(self) -> AbstractContextManager[Any]: ...
        def _rows(self, sql: str, params: Sequence[object] = ()) -> list[Any]: ...
        def _value(self, sql: str, params: Sequence[object] = ()) -> Any: ...

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        return self._rows(marked(sql, self.dialect.mark), params)

    def _one(self, sql: str, params: Sequence[object] = ()) -> Any:
        return self._value(marked(sql, self.dialect.mark), params)

    def _write(self, sql: str, params: Sequence[object]) -> None:
        with self.writing() as db:
            db.execute(marked(sql, self.dialect.mark), params)

    # -- meta, mentions, the sources' positions ------------------------------------------

    def meta(self) -> dict[str, str]:
        return {key: value for key, value in self._read("SELECT key, value FROM meta")}

    def cursors(self) -> dict[str, str]:
        """Where each live source left off, as last committed with its mentions."""
        return {source_id: cursor for source_id, cursor in self._read("SELECT source_id, cursor FROM cursors")}

    def quarantine_counts(self) -> dict[str, int]:
        rows = self._read("SELECT source_id, COUNT(*) FROM quarantine GROUP BY source_id")
        return {source_id: int(count) for source_id, count in rows}

    def match_counts(self) -> dict[str, int]:
        rows = self._read("SELECT scenario_id, COUNT(*) FROM matches GROUP BY scenario_id")
        return {scenario_id: int(count) for scenario_id, count in rows}

    def mention_count(self) -> int:
        return int(self._one("SELECT COUNT(*) FROM mentions"))

    def native_ids(self) -> list[str]:
        """The native ids of every journaled mention (a drill's tell which injects it played)."""
        return [row[0] for row in self._read("SELECT native_id FROM mentions")]

    def first_mention_id(self) -> int:
        return int(self._one("SELECT COALESCE(MIN(id), 0) FROM mentions"))

    def last_mention_id(self) -> int:
        return int(self._one("SELECT COALESCE(MAX(id), 0) FROM mentions"))

    def first_mention_at(self) -> datetime | None:
        found = self._one("SELECT MIN(received_at) FROM mentions")
        return from_iso(found) if found else None

    def last_mention_at(self) -> datetime | None:
        found = self._one("SELECT MAX(received_at) FROM mentions")
        return from_iso(found) if found else None

    def revisions_of(self, mention_id: int) -> list[Revision]:
        """What became of a mention, in order (its network and id as the mention's)."""
        rows = self._read(
            "SELECT m.network, m.native_id, r.kind, r.at, r.text FROM revisions r "
            "JOIN mentions m ON m.id = r.mention_id WHERE r.mention_id = ? ORDER BY r.id",
            [mention_id],
        )
        return [Revision(network, native_id, kind, from_iso(at), text) for network, native_id, kind, at, text in rows]

    # -- incidents, drafts, notices -------------------------------------------------------

    def last_event_id(self) -> int:
        return int(self._one("SELECT COALESCE(MAX(id), 0) FROM events"))

    def incident_scenarios(self) -> list[tuple[int, str]]:
        """Every incident's id and scenario."""
        return [(int(row[0]), str(row[1])) for row in self._read("SELECT id, scenario_id FROM incidents")]

    def draft(self, mention_id: int) -> Draft | None:
        rows = self._read(
            "SELECT mention_id, text, template_id, post_key, saved_at FROM drafts WHERE mention_id = ?", [mention_id]
        )
        return draft_of(rows[0]) if rows else None

    def drop_draft(self, mention_id: int) -> None:
        """The reply went out: its draft is done with (the reply event keeps the text)."""
        self._write("DELETE FROM drafts WHERE mention_id = ?", [mention_id])

    def unread_notices(self) -> int:
        return int(self._one("SELECT COUNT(*) FROM notices WHERE read = 0"))

    # -- the team ---------------------------------------------------------------------------

    def release_lease(self, name: str, holder: str) -> None:
        """Give the lease up at once, if `holder` holds it: another process takes over
        without waiting for it to expire."""
        self._write("DELETE FROM leases WHERE name = ? AND holder = ?", [name, holder])

    def lease(self, name: str) -> Lease | None:
        rows = self._read("SELECT name, holder, expires, backlog FROM leases WHERE name = ?", [name])
        return Lease(*rows[0]) if rows else None

    def paused_sources(self) -> set[str]:
        return {row[0] for row in self._read("SELECT source_id FROM source_pauses")}

    def beat(self, operator: str, role: str, doing: str, now: float) -> None:
        """Say that `operator` is here, in `role`, `doing` something (every few seconds)."""
        self._write(
            "INSERT INTO presence VALUES (?,?,?,?) ON CONFLICT (operator) "
            "DO UPDATE SET role = excluded.role, doing = excluded.doing, seen = excluded.seen",
            [operator, role, doing, now],
        )

    def present(self, now: float) -> list[Presence]:
        rows = self._read(
            "SELECT operator, role, doing FROM presence WHERE seen > ? ORDER BY operator", [now - PRESENT_SECONDS]
        )
        return [Presence(*row) for row in rows]

    def claims(self) -> dict[int, Claim]:
        rows = self._read("SELECT mention_id, operator, since FROM claims")
        return {row[0]: Claim(row[0], row[1], from_iso(row[2])) for row in rows}

    def sent(self, mention_id: int, operator: str) -> None:
        """`operator` is no longer sending a reply to the mention (it went out, or failed)."""
        self._write("DELETE FROM leases WHERE name = ? AND holder = ?", [sending(mention_id), operator])


def revise_in(db: Any, revisions: Sequence[Revision], mark: str = "?") -> int:
    """`revisions` journaled inside an open write transaction on `db` (a connection or cursor
    whose parameters are marked by `mark`); how many named a journaled mention."""
    kept = 0
    for revision in revisions:
        row = db.execute(
            marked(
                "SELECT m.id, COALESCE((SELECT r.text FROM revisions r WHERE r.mention_id = m.id AND r.kind = ? "
                "ORDER BY r.id DESC LIMIT 1), m.text) FROM mentions m WHERE m.network = ? AND m.native_id = ?",
                mark,
            ),
            [EDITED, revision.network, revision.native_id],
        ).fetchone()
        if row is None or not is_news(revision, row[1]):
            continue
        db.execute(
            marked("INSERT INTO revisions (mention_id, kind, at, text) VALUES (?,?,?,?)", mark),
            [row[0], revision.kind, to_iso(revision.at), revision.text],
        )
        db.execute(marked("UPDATE mentions SET revised = ? WHERE id = ?", mark), [revision.kind, row[0]])
        kept += 1
    return kept
