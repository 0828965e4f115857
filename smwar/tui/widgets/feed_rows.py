"""The rows a feed shows, read from the journal a page at a time: never the whole journal.

It knows how many mentions its filter keeps and keeps a few pages around where the operator
looks. A page next to one it has is read by keyset (the ids after or before it), any other by
the id at its position; new mentions only raise the count. A search reads the ids of what it
keeps and its pages by those ids: first the newest `FIRST` (what the screen shows at once), the
rest of its newest `MOST` after (`older`, off the screen's thread, then `prepend`); the operator
narrows it to see further back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from textual.cache import LRUCache

from smwar.journal.interface import JournalStore
from smwar.journal.pages import MentionFilter
from smwar.model import JournaledMention

PAGE = 64
PAGES_KEPT = 16  # about a thousand mentions in memory, whatever the journal holds
MOST = 10_000  # mentions a search keeps, the newest: counting a third of a million takes seconds
FIRST = PAGE  # the newest ids a search reads before it shows them


class FeedRows:
    def __init__(self, journal: JournalStore, view: MentionFilter) -> None:
        self.journal = journal
        self.view = view
        self._pages: LRUCache[int, list[JournaledMention]] = LRUCache(PAGES_KEPT)
        # a search reads the ids it keeps, newest `MOST` at most (an int each), and pages by
        # them: a few reads of the full-text index, not one a page
        self._ids: list[int] | None = None
        self.whole = True  # every id it keeps is read (a search's older ones come after its first)
        if view.everything:
            self._count, self._newest = journal.tally(view)
            # the whole journal: ids are dense (a mention is never removed, an ignored repeat
            # takes none), so a position is an id by arithmetic, however far the jump
            self._first = journal.first_mention_id()
        else:
            self._newest = journal.last_mention_id()
            self._ids = journal.newest_ids(view, FIRST, upto=self._newest)
            self.whole = len(self._ids) < FIRST
            self._oldest, self._rest = (self._ids[0] if self._ids else 0), MOST - len(self._ids)
        self.capped = False  # only the newest `MOST` are shown: the search keeps more

    def older(self) -> list[int]:
        """The ids of the rest of a search's newest `MOST`, older than those it read first: a
        read that changes nothing, for a thread beside the screen's."""
        if self.whole:
            return []
        return self.journal.newest_ids(self.view, self._rest, upto=self._oldest - 1)

    def prepend(self, older: list[int]) -> int:
        """Put the ids `older` read before those it has; returns how many rows came before."""
        if self._ids is None or self.whole:
            return 0
        self._ids[:0] = older
        self.whole = True
        self.capped = len(older) == self._rest
        self._pages.clear()  # every row's position moved
        return len(older)

    @property
    def total(self) -> int:
        """How many rows there are."""
        return len(self._ids) if self._ids is not None else self._count

    def grow(self, arrived: Sequence[JournaledMention]) -> int:
        """Count what arrived since the last look (for a search, the journal says which of it
        the filter keeps); returns how many more rows there are."""
        if not arrived:
            return 0
        newest = max(item.id for item in arrived)
        if self._ids is None:
            added = sum(1 for item in arrived if item.id > self._newest)
            self._count += added
        else:
            fresh = self.journal.newest_ids(replace(self.view, after=self._newest), MOST, upto=newest)
            self._ids += fresh
            added = len(fresh)
        self._newest = max(self._newest, newest)
        return added

    def at(self, index: int) -> JournaledMention | None:
        if not 0 <= index < self.total:
            return None
        number, offset = divmod(index, PAGE)
        page = self._pages.get(number)
        if page is None or offset >= len(page):  # not read yet, or the last page grew since
            page = self._read(number)
            self._pages[number] = page
        return page[offset] if offset < len(page) else None

    def _read(self, number: int) -> list[JournaledMention]:
        if self._ids is not None:
            return self.journal.mentions_with_ids(self._ids[number * PAGE : (number + 1) * PAGE])
        before, after = self._pages.get(number - 1), self._pages.get(number + 1)
        if before is not None and len(before) == PAGE:
            return self.journal.mention_page(self.view, after_id=before[-1].id, limit=PAGE)
        if after is not None and after:
            return self.journal.mention_page(self.view, before_id=after[0].id, limit=PAGE)
        dense = self._newest - self._first + 1 == self.total
        if dense:
            first: int | None = self._first + number * PAGE
        elif number * PAGE >= self.total // 2:  # nearer the newest end: counted from there
            first = self.journal.newest_id_at(self.view, self.total - 1 - number * PAGE, self._newest)
        else:
            first = self.journal.mention_id_at(self.view, number * PAGE)
        if first is None:
            return []
        return self.journal.mention_page(self.view, after_id=first - 1, limit=PAGE)
