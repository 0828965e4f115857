"""Reply drafts and the notices' inbox in the PostgreSQL journal (see the SQLite journal's,
`smwar.journal.store`)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import psycopg

from smwar.clock import from_iso, to_iso
from smwar.journal.portable import here_since
from smwar.journal.postgres.team import HELD, take_turn
from smwar.journal.rows import claim_taken, notice_of, notice_row
from smwar.model import Draft, Notice, NoticeGroup
from smwar.tid import new_tid


class Inbox:
    """The part of the PostgreSQL journal's interface for drafts and notices."""

    if TYPE_CHECKING:  # the journal's own, on which these are built

        def writing(self) -> AbstractContextManager[psycopg.Connection]: ...
        def _rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]: ...
        def _value(self, sql: str, params: Sequence[object] = ()) -> Any: ...

    def save_draft(self, mention_id: int, operator: str, text: str, template_id: str | None) -> Draft:
        """Keep `operator`'s draft for a mention (its post key stays the same across saves);
        refused (`ClaimTaken`) while someone else holds the reply, whose draft it is (read in
        the mention's turn, as a claim is taken)."""
        with self.writing() as db:
            with db.pipeline():
                take_turn(db, mention_id)
                found = db.execute(HELD, [mention_id, here_since()])
            claim_taken(mention_id, operator, found.fetchone())
            row = db.execute(
                "INSERT INTO drafts (mention_id, text, template_id, post_key, saved_at) VALUES (%s,%s,%s,%s,%s) "
                "ON CONFLICT (mention_id) DO UPDATE SET text = excluded.text, template_id = excluded.template_id, "
                "saved_at = excluded.saved_at RETURNING post_key, saved_at",
                [mention_id, text, template_id, new_tid(), to_iso(datetime.now(UTC))],
            ).fetchone()
        return Draft(mention_id, text, template_id, row[0], from_iso(row[1]))  # type: ignore[index]

    def add_notice(self, notice: Notice) -> Notice | None:
        """Keep a notice in the inbox; None if one of the same cause is there (another war room's)."""
        with self.writing() as db:
            row = db.execute(
                "INSERT INTO notices (at, kind, scenario_id, incident_id, title, body, cause, read) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,0) ON CONFLICT (cause) DO NOTHING RETURNING id",
                notice_row(notice),
            ).fetchone()
        return replace(notice, id=int(row[0])) if row is not None else None

    def notice_groups(self) -> list[NoticeGroup]:
        """The inbox: one group per kind and scenario, with the unread first, newest first."""
        rows = self._rows(
            "SELECT n.kind, n.scenario_id, COUNT(*)::int, SUM(1 - n.read)::int, MIN(n.at), MAX(n.at), "
            "(SELECT l.title || ' — ' || l.body FROM notices l WHERE l.id = MAX(n.id)) FROM notices n "
            "GROUP BY n.kind, n.scenario_id ORDER BY SUM(1 - n.read) = 0, MAX(n.id) DESC"
        )
        return [
            NoticeGroup(kind, scenario, count, unread, from_iso(first), from_iso(last), latest)
            for kind, scenario, count, unread, first, last, latest in rows
        ]

    def notices(self, kind: str, scenario_id: str | None, limit: int = 200) -> list[Notice]:
        """The newest `limit` notices of one group, newest first."""
        rows = self._rows(
            "SELECT id, at, kind, scenario_id, incident_id, title, body, read FROM notices "
            "WHERE kind = %s AND scenario_id IS NOT DISTINCT FROM %s ORDER BY id DESC LIMIT %s",
            [kind, scenario_id, limit],
        )
        return [notice_of(row) for row in rows]

    def mark_read(self, kind: str | None = None, scenario_id: str | None = None) -> int:
        """Mark one group's notices read (all notices, without `kind`); how many were unread."""
        with self.writing() as db:
            return db.execute(
                "UPDATE notices SET read = 1 WHERE read = 0 "
                "AND (%s::text IS NULL OR (kind = %s AND scenario_id IS NOT DISTINCT FROM %s))",
                [kind, kind, scenario_id],
            ).rowcount
