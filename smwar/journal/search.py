"""A search's newest matches on the SQLite journal, read without walking what it does not keep.

FTS5 finds a word by its start ("ausgel"*) by merging the lists of every term of the index
that starts so, in full, before it returns a row: tens of milliseconds for a word most mentions
hold, however few rows are asked for. So the words are first made the index's own terms (each
folded by FTS5 itself, then the terms of the index that start with it, read from its
vocabulary), and the query names those terms: FTS5 then reads their lists from the newest end
and stops at the rows asked for. A word that starts more than `TERMS` terms (or that FTS5
splits) is left to the prefix query, as before: the same rows either way.

A search with a network or a triage action besides its words reads two indexes together, each
from the newest end (a leapfrog join): the full-text index's matches and the mentions on that
network (or with that action) by id, each skipping to the other's next id. The rows one of them
holds and the other does not are passed over, not read: a search for the few on one network
stays quick while another network's stream fills the top of the full-text index.
"""

from __future__ import annotations

import sqlite3
import threading
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import replace

from smwar.journal.pages import ABOVE_ALL, SQLITE, MentionFilter

TERMS = 12  # terms a word may start before the search reads it by its start
FIRST_STEP = 64  # ids each index gives at a time in a leapfrog, doubling up to
MOST_STEP = 4096
LEAPS = 32  # windows a leapfrog reads before the rest is read the plain way
FOLDS_KEPT = 1024  # words whose term is kept
TEMPORARY = (  # the connection's own: nothing is written to the journal
    # the index's terms, in their order, with each place they occur (read one row at a time)
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_terms USING fts5vocab(main, mentions_fts, instance)",
    # a word folded as the index folds a text (schema: mentions_fts's tokenizer)
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_fold USING fts5(word, tokenize='unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_folded USING fts5vocab(temp, search_fold, instance)",
)


class Search:
    """The newest ids a view keeps, read on the journal's reading connection (under its lock)."""

    def __init__(self, reader: sqlite3.Connection, lock: threading.Lock) -> None:
        self._reader = reader
        self._lock = lock
        self._ready = False
        self._folds: dict[str, str | None] = {}  # a word's term: the tokenizer never changes

    def newest_ids(self, view: MentionFilter, most: int, upto: int | None = None) -> list[int] | None:
        """The ids of the newest `most` mentions `view` keeps (of those up to id `upto`), oldest
        first; None where this reads no quicker than the view's own query (no words, or a word
        read by its start)."""
        if not view.words:
            return None
        terms = self._terms(view.words)
        if terms is None:
            return None
        if not all(terms):
            return []  # a word no mention holds
        match = " AND ".join("(" + " OR ".join(f'"{term}"' for term in each) + ")" for each in terms)
        rest = replace(view, words=())
        newest = ABOVE_ALL if upto is None else upto
        if replace(rest, after=0).everything:
            found = self._matches(match, view.after, newest, most)
        elif rest.network or rest.action:  # an index of mentions by network (or action) and id
            found = self._leapfrog(match, rest, newest, most)
        else:
            found = self._joined(match, rest, newest, most)
        found.reverse()
        return found

    def _terms(self, words: Sequence[str]) -> list[list[str]] | None:
        """Each word's terms in the index, or None if one starts too many or is split."""
        with self._lock:
            if not self._ready:
                for sql in TEMPORARY:
                    self._reader.execute(sql)
                self._ready = True
            terms: list[list[str]] = []
            for word in words:
                folded = self._folded(word)
                if folded is None:
                    return None
                found: list[str] = []
                bound = folded
                while len(found) <= TERMS:
                    row = self._reader.execute(
                        "SELECT term FROM temp.search_terms WHERE term >= ? LIMIT 1", [bound]
                    ).fetchone()
                    if row is None or not row[0].startswith(folded):
                        break
                    found.append(row[0])
                    bound = row[0] + "\x01"  # the next term: none holds a control character
                if len(found) > TERMS:
                    return None
                terms.append(found)
            return terms

    def _folded(self, word: str) -> str | None:
        """The one term FTS5 makes of `word`, or None if it makes several (or none)."""
        if word in self._folds:
            return self._folds[word]
        db = self._reader
        try:
            db.execute("INSERT INTO temp.search_fold (rowid, word) VALUES (1, ?)", [word])
            folded = [row[0] for row in db.execute("SELECT term FROM temp.search_folded")]
        finally:
            db.execute("DELETE FROM temp.search_fold")
            db.commit()
        if len(self._folds) >= FOLDS_KEPT:
            self._folds.clear()
        self._folds[word] = folded[0] if len(folded) == 1 else None
        return self._folds[word]

    def _rows(self, sql: str, params: Sequence[object]) -> list[int]:
        with self._lock:
            return [int(row[0]) for row in self._reader.execute(sql, params)]

    def _matches(self, match: str, after: int, upto: int, limit: int) -> list[int]:
        """The full-text index's newest matches, newest first."""
        return self._rows(
            "SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH ? AND rowid > ? AND rowid <= ? "
            "ORDER BY rowid DESC LIMIT ?",
            [match, after, upto, limit],
        )

    def _kept(self, rest: MentionFilter, upto: int, limit: int) -> list[int]:
        """The newest mentions the view's other conditions keep, newest first."""
        where, params = rest.where(SQLITE)
        return self._rows(
            f"SELECT m.id FROM mentions m WHERE {where} AND m.id <= ? ORDER BY m.id DESC LIMIT ?",
            [*params, upto, limit],
        )

    def _joined(self, match: str, rest: MentionFilter, upto: int, limit: int) -> list[int]:
        """The full-text index's newest matches, each mention read for the other conditions."""
        where, params = rest.where(SQLITE)
        return self._rows(
            "SELECT f.rowid FROM mentions_fts f CROSS JOIN mentions m ON m.id = f.rowid "
            f"WHERE mentions_fts MATCH ? AND f.rowid > ? AND f.rowid <= ? AND {where} ORDER BY f.rowid DESC LIMIT ?",
            [match, rest.after, upto, *params, limit],
        )

    def _leapfrog(self, match: str, rest: MentionFilter, upto: int, most: int) -> list[int]:
        """The ids both lists hold, newest first. Each list is read a window at a time from an
        id down (doubling while read on, anew from where the other list skips to), and a window
        is read once: a list that ended is known whole."""
        matches = _Window(lambda below, step: self._matches(match, rest.after, below, step))
        kept = _Window(lambda below, step: self._kept(rest, below, step))
        found: list[int] = []
        for _ in range(LEAPS):
            if len(found) >= most:
                return found[:most]
            ours, low = matches.upto(upto)
            theirs, their_low = kept.upto(upto) if ours else ([], 0)
            if not theirs:
                return found[:most]
            if theirs[0] < low or ours[0] < their_low:  # one window lies above all of the other's
                upto = min(ours[0], theirs[0])
                continue
            floor = max(low, their_low)  # what both hold is known down to here
            both = set(theirs)
            found += [i for i in ours if i >= floor and i in both]
            if floor == 0:
                return found[:most]
            upto = floor - 1
        if len(found) >= most:
            return found[:most]
        # the two lists keep apart for long (a filter most mentions pass, words few of those
        # hold): the rest is read by the full-text index's matches, each checked, as before
        return found + self._joined(match, rest, upto, most - len(found))


class _Window:
    """The ids one list holds from an id down, a window of them read at a time."""

    def __init__(self, read: Callable[[int, int], list[int]]) -> None:
        self._read = read  # (upto, limit) -> ids, newest first
        self._ids: list[int] = []
        self._top, self._bottom = -1, 0  # the list holds exactly `_ids` from `_top` down to `_bottom`
        self._step = FIRST_STEP

    def upto(self, upto: int) -> tuple[list[int], int]:
        """The ids from `upto` down in the window (read if it is not), and how far down it knows."""
        if not self._bottom <= upto <= self._top:
            on = upto == self._bottom - 1  # read on from where it ended: more at a time
            self._step = min(self._step * 2, MOST_STEP) if on else FIRST_STEP
            self._ids = self._read(upto, self._step)
            self._top = upto
            self._bottom = self._ids[-1] if len(self._ids) == self._step else 0
        start = bisect_left(self._ids, -upto, key=lambda i: -i)
        return self._ids[start:], self._bottom
