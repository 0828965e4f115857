"""The journal's methods whose SQL every backend runs alike: written once here, with `?` for
each parameter, and run through the backend's `_rows`, `_value` and `writing` with its own
mark (`Dialect.mark`); the little they say differently (a JSON key, full-text search, a list
of ids, an unlimited LIMIT) the backend's `Dialect` says. What a backend does its own way
(upserts that decide, batches, locking, notifying) stays in its own module."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, closing
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from smwar.clock import from_iso, to_iso
from smwar.journal.pages import ABOVE_ALL
from smwar.journal.rows import (
    ASSIGNED,
    HANDED,
    PRESENT_SECONDS,
    Claim,
    Item,
    Lease,
    Presence,
    draft_of,
    held_roles,
    is_news,
    match_rows,
    mention_of,
    mention_rows,
    sending,
)
from smwar.model import EDITED, Draft, Event, JournaledMention, Match, Mention, Quarantined, Revision

if TYPE_CHECKING:
    from typing import Self

    from smwar.journal.pages import Dialect, MentionFilter

INSERT_MENTION = (
    "INSERT INTO mentions (id, network, native_id, author, followers, lang, text, url, posted_at, received_at, "
    "author_tags, author_name, reply_to, quote_of, action, action_rule, request_types, sentiment) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
# a mention's claim while its holder is here: one left by a war room that died (its operator's
# presence lapsed) holds nothing, shows as nobody's and is taken without asking
HELD_CLAIMS = "claims c JOIN presence p ON p.operator = c.operator"  # with whether their holders are here
HELD_CLAIM = f"SELECT c.operator, c.since FROM {HELD_CLAIMS} WHERE c.mention_id = ? AND p.seen > ?"
MENTIONS_PER_PART = 64  # about a millisecond of writing: where a batch may let others' writes in


def here_since() -> float:
    """The wall-clock second after which an operator's war room last said so, for them to be
    here (`present`) now."""
    return time.time() - PRESENT_SECONDS


def marked(sql: str, mark: str) -> str:
    """`sql` with each `?` made the backend's `mark` (SQL of the journal's own, which holds no
    other question mark)."""
    return sql if mark == "?" else sql.replace("?", mark)


class Portable:
    """The part of both journals' interface that is the same SQL on each."""

    dialect: Dialect

    if TYPE_CHECKING:  # each journal's own, on which these are built

        def close(self) -> None: ...
        def writing(self) -> AbstractContextManager[Any]: ...
        def _rows(self, sql: str, params: Sequence[object] = ()) -> list[Any]: ...
        def _value(self, sql: str, params: Sequence[object] = ()) -> Any: ...
        def _matches_of(self, ids: Sequence[int]) -> dict[int, tuple[Match, ...]]: ...
        def _unseen_in(self, db: Any, mentions: Sequence[Mention]) -> list[int]: ...
        def _batch_added(self, db: Any, first: int, count: int) -> None: ...
        def _insert_events(self, db: Any, events: Sequence[Event]) -> list[Event]: ...
        def _new_incident(self, db: Any, scenario_id: str, status: str, at: datetime) -> int: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _named(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        """`_rows`, each readable by column name too (a backend whose rows are not overrides it)."""
        return self._rows(sql, params)

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        return self._rows(marked(sql, self.dialect.mark), params)

    def _one(self, sql: str, params: Sequence[object] = ()) -> Any:
        return self._value(marked(sql, self.dialect.mark), params)

    def _write(self, sql: str, params: Sequence[object]) -> None:
        with self.writing() as db:
            db.execute(marked(sql, self.dialect.mark), params)

    # -- meta, mentions, the sources' positions ------------------------------------------

    def add_mentions(
        self,
        batch: Sequence[Item],
        *,
        cursors: Mapping[str, str] | None = None,
        quarantined: Sequence[Quarantined] = (),
        revisions: Sequence[Revision] = (),
    ) -> list[JournaledMention]:
        """Store a batch in one transaction; mentions already journaled, or earlier in the
        batch, are skipped. The sources' `cursors` (where each left off) and the items they
        could not read are committed with it, so a restart resumes exactly after what was kept;
        and the edits and deletions the sources saw (of this batch's mentions too).

        The rows are made before the transaction begins, and go in parts of
        `MENTIONS_PER_PART`, each table with one statement; between parts the backend may
        commit what is written and let others' writes go first (`_give_way`: a storm's batch
        holds the write lock for tens of milliseconds, which an operator's claim should not
        wait for). Then a batch cut short keeps its cursors back with its last part, and taken
        again it skips what was kept. The backend begins the transaction (`_batch_begins`), says
        which mentions are new (`_unseen_in`) and finishes what the added ones need
        (`_batch_added`)."""
        rows = mention_rows(batch)
        explained = match_rows(batch)
        saved = to_iso(datetime.now(UTC))
        mark = self.dialect.mark
        stored: list[JournaledMention] = []
        with self.writing() as connection, closing(connection.cursor()) as db:
            self._batch_begins(db)
            for start in range(0, len(batch), MENTIONS_PER_PART):
                if start:
                    self._give_way(db)
                part = range(start, min(start + MENTIONS_PER_PART, len(batch)))
                fresh = [part[index] for index in self._unseen_in(db, [batch[index][0] for index in part])]
                first = int(db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM mentions").fetchone()[0])
                ids = dict(zip(fresh, range(first, first + len(fresh)), strict=True))
                db.executemany(marked(INSERT_MENTION, mark), [(ids[index], *rows[index]) for index in fresh])
                db.executemany(
                    marked("INSERT INTO matches (mention_id, scenario_id, score, explanation) VALUES (?,?,?,?)", mark),
                    [(ids[index], *match) for index in fresh for match in explained[index]],
                )
                self._batch_added(db, first, len(fresh))
                stored += [JournaledMention(ids[index], *batch[index]) for index in fresh]
            db.executemany(
                marked(
                    "INSERT INTO cursors (source_id, cursor, saved_at) VALUES (?,?,?) ON CONFLICT (source_id) "
                    "DO UPDATE SET cursor = excluded.cursor, saved_at = excluded.saved_at",
                    mark,
                ),
                [(source_id, position, saved) for source_id, position in (cursors or {}).items()],
            )
            db.executemany(
                marked("INSERT INTO quarantine (source_id, at, reason, raw) VALUES (?,?,?,?)", mark),
                [(item.source_id, to_iso(item.at), item.reason, item.raw) for item in quarantined],
            )
            revise_in(db, revisions, mark)
        return stored

    def _give_way(self, db: Any) -> None:
        """Between the parts of a batch: let writers that wait go first (nobody waits on a
        backend that does not say)."""

    def _batch_begins(self, db: Any) -> None:
        """What a backend does first in a batch's transaction (nothing, unless it says)."""

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

    # -- pages, for views that show a window of a million ---------------------------------

    def tally(self, view: MentionFilter, after_id: int = 0, most: int | None = None) -> tuple[int, int]:
        """How many mentions `view` keeps of those with ids after `after_id` (counted up to
        `most`), and the newest id in the journal, the bound of that count: the next tally
        starts after it."""
        newest = self.last_mention_id()
        if view.everything:  # ids are dense (a mention is never removed, a new one takes the next id): no count
            first = int(self._one("SELECT COALESCE(MIN(id), 1) FROM mentions"))
            return max(0, newest - max(after_id, first - 1)), newest
        where, params = view.where(self.dialect)
        source, key = view.source(self.dialect), view.key(self.dialect)
        count = self._one(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {source} WHERE {key} > ? AND {key} <= ? AND {where} LIMIT ?) k",
            [after_id, newest, *params, self.dialect.unlimited if most is None else most],
        )
        return int(count), newest

    def newest_id_at(self, view: MentionFilter, index: int, upto: int | None = None) -> int | None:
        """The id of the `index`-th newest mention (from 0) `view` keeps, of those up to id
        `upto`, or None if it keeps fewer: read from the newest end (its cost grows with `index`)."""
        where, params = view.where(self.dialect)
        source, key = view.source(self.dialect), view.key(self.dialect)
        found = self._one(
            f"SELECT {key} FROM {source} WHERE {key} <= ? AND {where} ORDER BY {key} DESC LIMIT 1 OFFSET ?",
            [ABOVE_ALL if upto is None else upto, *params, index],
        )
        return int(found) if found is not None else None

    def mention_page(
        self, view: MentionFilter, *, after_id: int | None = None, before_id: int | None = None, limit: int
    ) -> list[JournaledMention]:
        """Up to `limit` mentions `view` keeps, in arrival order: the first ones after
        `after_id`, or the last ones before `before_id` (keyset pagination on the id)."""
        where, params = view.where(self.dialect)
        source, key = view.source(self.dialect), view.key(self.dialect)
        if before_id is not None:
            sql = f"SELECT m.* FROM {source} WHERE {key} < ? AND {where} ORDER BY {key} DESC LIMIT ?"
            params = [before_id, *params, limit]
        else:
            sql = f"SELECT m.* FROM {source} WHERE {key} > ? AND {where} ORDER BY {key} LIMIT ?"
            params = [after_id or 0, *params, limit]
        rows = self._named(marked(sql, self.dialect.mark), params)
        if before_id is not None:
            rows.reverse()
        matches = self._matches_of([row["id"] for row in rows]) if rows else {}
        return [mention_of(row, matches.get(row["id"], ())) for row in rows]

    def newest_ids(self, view: MentionFilter, most: int, upto: int | None = None) -> list[int]:
        """The ids of the newest `most` mentions `view` keeps (of those up to id `upto`), oldest
        first: one read of the index, for a search to page through by id."""
        where, params = view.where(self.dialect)
        source, key = view.source(self.dialect), view.key(self.dialect)
        rows = self._read(
            f"SELECT {key} FROM {source} WHERE {key} <= ? AND {where} ORDER BY {key} DESC LIMIT ?",
            [ABOVE_ALL if upto is None else upto, *params, most],
        )
        return [int(row[0]) for row in reversed(rows)]

    def mentions_with_ids(self, ids: Sequence[int]) -> list[JournaledMention]:
        """The mentions with these ids, in id order."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._named(marked(f"SELECT * FROM mentions WHERE id IN ({marks}) ORDER BY id", self.dialect.mark), ids)
        matches = self._matches_of([row["id"] for row in rows])
        return [mention_of(row, matches.get(row["id"], ())) for row in rows]

    def mention_id_at(self, view: MentionFilter, index: int) -> int | None:
        """The id of the `index`-th mention (from 0) `view` keeps: a jump, not a scroll (its
        cost grows with `index`; a scroll pages from a neighbour by keyset instead)."""
        where, params = view.where(self.dialect)
        source, key = view.source(self.dialect), view.key(self.dialect)
        found = self._one(f"SELECT {key} FROM {source} WHERE {where} ORDER BY {key} LIMIT 1 OFFSET ?", [*params, index])
        return int(found) if found is not None else None

    # -- incidents, drafts, notices -------------------------------------------------------

    def append(self, event: Event, *, new_incident: str | None = None, status: str | None = None) -> Event:
        """Commit one event durably. `new_incident` (a scenario id) creates the incident first;
        `status` updates the incident's current status in the same transaction."""
        if new_incident is not None:
            return self.append_new_incident([event], new_incident, status or "proposed")[0]
        with self.writing() as db:
            if status is not None:
                db.execute(
                    marked("UPDATE incidents SET status = ? WHERE id = ?", self.dialect.mark),
                    [status, event.incident_id],
                )
            return self._insert_events(db, [event])[0]

    def append_all(self, events: Sequence[Event]) -> list[Event]:
        """Commit events that change no incident's status in one transaction."""
        with self.writing() as db:
            return self._insert_events(db, events)

    def append_new_incident(self, events: Sequence[Event], scenario_id: str, status: str) -> list[Event]:
        """Create an incident and commit its first `events` in one transaction."""
        with self.writing() as db:
            incident_id = self._new_incident(db, scenario_id, status, events[0].at)
            return self._insert_events(db, [replace(event, incident_id=incident_id) for event in events])

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

    def set_paused(self, source_id: str, paused: bool) -> None:
        """Ask whoever runs the sources to pause `source_id` (or to resume it)."""
        if paused:
            self._write("INSERT INTO source_pauses VALUES (?) ON CONFLICT DO NOTHING", [source_id])
        else:
            self._write("DELETE FROM source_pauses WHERE source_id = ?", [source_id])

    def roles_of(self, operator: str, owns: Sequence[str]) -> list[str]:
        """The roles `operator` holds now: those their config says they own, with the roles
        handed to them since and without those they handed on."""
        role, taker = self.dialect.json.format("payload", "role"), self.dialect.json.format("payload", "to")
        rows = self._read(f"SELECT actor, {role}, {taker} FROM events WHERE kind = ? ORDER BY id", [HANDED])
        return held_roles(operator, owns, rows)

    def assignments(self) -> dict[int, str]:
        """Whose each mention the ingest leader assigned is, by mention id: its assignee's, or
        whoever the assignee handed the role it was assigned for over to since."""
        key = self.dialect.json.format
        rows = self._read(
            f"SELECT kind, actor, {key('payload', 'mention_id')}, {key('payload', 'operator')}, "
            f"{key('payload', 'role')}, {key('payload', 'to')} FROM events WHERE kind IN (?, ?) ORDER BY id",
            [ASSIGNED, HANDED],
        )
        assigned: dict[int, tuple[str, str]] = {}  # mention id -> (operator, role)
        for kind, actor, mention_id, operator, role, to in rows:
            if kind == ASSIGNED:
                assigned[int(mention_id)] = (str(operator), str(role))
                continue
            for held, (who, why) in assigned.items():  # a handover: rare, its queue goes with it
                if who == actor and why == role:
                    assigned[held] = (str(to), why)
        return {mention_id: who for mention_id, (who, _) in assigned.items()}

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
        """Say that `operator` is here, in `role`, `doing` something (every few seconds). One
        back after their presence lapsed holds no claim from before: those went with a war room
        that ended unheard (killed, its terminal or browser tab closed), and must not come back
        with this one."""
        mark = self.dialect.mark
        with self.writing() as db:
            db.execute(
                marked(
                    "DELETE FROM claims WHERE operator = ? AND NOT EXISTS "
                    "(SELECT 1 FROM presence WHERE operator = ? AND seen > ?)",
                    mark,
                ),
                [operator, operator, now - PRESENT_SECONDS],
            )
            db.execute(
                marked(
                    "INSERT INTO presence VALUES (?,?,?,?) ON CONFLICT (operator) "
                    "DO UPDATE SET role = excluded.role, doing = excluded.doing, seen = excluded.seen",
                    mark,
                ),
                [operator, role, doing, now],
            )

    def present(self, now: float) -> list[Presence]:
        rows = self._read(
            "SELECT operator, role, doing FROM presence WHERE seen > ? ORDER BY operator", [now - PRESENT_SECONDS]
        )
        return [Presence(*row) for row in rows]

    def claims(self) -> dict[int, Claim]:
        """Who is replying to which mention: the claims of operators who are here."""
        rows = self._read(
            f"SELECT c.mention_id, c.operator, c.since FROM {HELD_CLAIMS} WHERE p.seen > ?",
            [here_since()],
        )
        return {row[0]: Claim(row[0], row[1], from_iso(row[2])) for row in rows}

    def revise(self, revisions: Sequence[Revision]) -> int:
        """Journal `revisions` (what a network said became of a mention after it was journaled)
        in one transaction; how many named a journaled mention. One for a post the journal
        never had is dropped, and so is an edit that leaves the words as the journal has them
        (a re-poll after a restart tells again an edit already kept). The mention's first text
        stays; its `revised` column says what it last became, for the feed."""
        if not revisions:
            return 0
        with self.writing() as connection, closing(connection.cursor()) as db:
            return revise_in(db, revisions, self.dialect.mark)

    def sent(self, mention_id: int, operator: str) -> None:
        """`operator` is no longer sending a reply to the mention (it went out, or failed)."""
        self.release_lease(sending(mention_id), operator)


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
