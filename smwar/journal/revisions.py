"""Edits and deletions: what a network said became of a mention after it was journaled.

A revision is journaled against the mention it names (by network and native id) in the same
transaction as the batch that brought it; one for a post the journal never had is dropped (a
deletion of what was never seen leaves nothing to keep), and so is an edit that leaves the words
as the journal has them (a re-poll after a restart tells again an edit already kept). The
mention's first text stays; its `revised` column says what it last became, for the feed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from smwar.clock import from_iso, to_iso
from smwar.journal.rows import is_news
from smwar.model import EDITED, Revision


class Revisions:
    """The part of the journal's interface for edits and deletions."""

    if TYPE_CHECKING:  # the journal's own, on which these are built

        def writing(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _rows(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]: ...

    def revise(self, revisions: Sequence[Revision]) -> int:
        """Journal `revisions` in one transaction; how many named a journaled mention."""
        if not revisions:
            return 0
        with self.writing() as db:
            return revise_in(db, revisions)

    def revisions_of(self, mention_id: int) -> list[Revision]:
        """What became of a mention, in order (its network and id as the mention's)."""
        rows = self._rows(
            "SELECT m.network, m.native_id, r.kind, r.at, r.text FROM revisions r "
            "JOIN mentions m ON m.id = r.mention_id WHERE r.mention_id = ? ORDER BY r.id",
            [mention_id],
        )
        return [Revision(network, native_id, kind, from_iso(at), text) for network, native_id, kind, at, text in rows]


def revise_in(db: sqlite3.Connection, revisions: Sequence[Revision]) -> int:
    """`revisions` journaled inside an open write transaction (see `Revisions.revise`)."""
    kept = 0
    for revision in revisions:
        row = db.execute(
            "SELECT m.id, COALESCE((SELECT r.text FROM revisions r WHERE r.mention_id = m.id AND r.kind = ? "
            "ORDER BY r.id DESC LIMIT 1), m.text) FROM mentions m WHERE m.network = ? AND m.native_id = ?",
            [EDITED, revision.network, revision.native_id],
        ).fetchone()
        if row is None or not is_news(revision, row[1]):
            continue
        db.execute(
            "INSERT INTO revisions (mention_id, kind, at, text) VALUES (?,?,?,?)",
            [row[0], revision.kind, to_iso(revision.at), revision.text],
        )
        db.execute("UPDATE mentions SET revised = ? WHERE id = ?", [revision.kind, row[0]])
        kept += 1
    return kept
