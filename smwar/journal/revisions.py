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

from smwar.journal.portable import revise_in
from smwar.model import Revision


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
