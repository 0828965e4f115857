"""The journal file: mentions and matches in batches, every action committed durably.

One connection serves the engine's worker thread and the UI thread, guarded by a lock;
SQLite runs in WAL mode with `synchronous=FULL`, so a commit that returned survives a
killed process and a power cut alike.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from smwar.clock import from_iso, to_iso
from smwar.journal.pages import MentionFilter
from smwar.journal.schema import JournalError, migrate
from smwar.model import (
    Draft,
    Event,
    JournaledMention,
    Match,
    Mention,
    Notice,
    NoticeGroup,
    Quarantined,
    TermHit,
    Triage,
)
from smwar.tid import new_tid


class Journal:
    def __init__(self, path: Path, db: Database) -> None:
        self.path = path
        self._db = db
        self._lock = threading.RLock()

    @classmethod
    def open(cls, path: Path) -> Journal:
        """Open or create the journal at `path`, creating its directory, migrating its schema."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise JournalError(f"{path}: cannot open a journal here ({reason})") from exc
        try:
            db = Database(connection)
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=FULL")
            db.enable_wal()
            migrate(db, str(path))
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise JournalError(f"{path} is not a usable smwar journal ({exc}); it was left untouched") from exc
        except JournalError:
            connection.close()
            raise
        return cls(path, db)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- meta ---------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        with self._lock:
            return {row["key"]: row["value"] for row in self._db.query("SELECT key, value FROM meta")}

    def set_meta(self, values: dict[str, str]) -> None:
        with self._lock, self._db.atomic():
            self._db["meta"].upsert_all(({"key": k, "value": v} for k, v in values.items()), pk="key")

    # -- mentions -----------------------------------------------------------------------

    def add_mentions(
        self,
        batch: Sequence[tuple[Mention, datetime, tuple[Match, ...], tuple[str, ...], Triage | None]],
        *,
        cursors: Mapping[str, str] | None = None,
        quarantined: Sequence[Quarantined] = (),
    ) -> list[JournaledMention]:
        """Store a batch in one transaction; mentions already journaled are skipped. The
        sources' `cursors` (where each left off) and the items they could not read are
        committed with it, so a restart resumes exactly after what was kept."""
        stored: list[JournaledMention] = []
        with self._lock, self._db.atomic():
            for source_id, position in (cursors or {}).items():
                self._db.execute(
                    "INSERT OR REPLACE INTO cursors (source_id, cursor, saved_at) VALUES (?,?,?)",
                    [source_id, position, to_iso(datetime.now(UTC))],
                )
            for item in quarantined:
                self._db.execute(
                    "INSERT INTO quarantine (source_id, at, reason, raw) VALUES (?,?,?,?)",
                    [item.source_id, to_iso(item.at), item.reason, item.raw],
                )
            execute = self._db.conn.execute  # the hot path: plain sqlite3, no wrapper per row
            received_iso: dict[datetime, str] = {}  # a batch mostly shares one arrival time
            for mention, received_at, matches, tags, triage in batch:
                received = received_iso.get(received_at) or received_iso.setdefault(received_at, to_iso(received_at))
                cursor = execute(
                    "INSERT OR IGNORE INTO mentions (network, native_id, author, followers, lang, text, url, "
                    "posted_at, received_at, author_tags, author_name, reply_to, quote_of, action, action_rule, "
                    "request_types, sentiment) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        mention.network,
                        mention.native_id,
                        mention.author,
                        mention.followers,
                        mention.lang,
                        mention.text,
                        mention.url,
                        to_iso(mention.posted_at),
                        received,
                        ",".join(tags),
                        mention.author_name,
                        mention.reply_to,
                        mention.quote_of,
                        triage.action if triage else None,
                        triage.rule if triage else None,
                        ",".join(triage.request_types) if triage else None,
                        triage.sentiment if triage else None,
                    ),
                )
                if not cursor.rowcount:
                    continue
                mention_id = int(cursor.lastrowid or 0)
                for match in matches:
                    execute(
                        "INSERT INTO matches (mention_id, scenario_id, score, explanation) VALUES (?,?,?,?)",
                        (
                            mention_id,
                            match.scenario_id,
                            match.score,
                            json.dumps([_explained(hit) for hit in match.hits], ensure_ascii=False),
                        ),
                    )
                stored.append(JournaledMention(mention_id, mention, received_at, matches, tags, triage))
        return stored

    def mentions(self, *, after_id: int = 0, limit: int | None = None) -> list[JournaledMention]:
        """Journaled mentions in arrival order, with their matches."""
        sql = "SELECT * FROM mentions WHERE id > ? ORDER BY id"
        params: list[Any] = [after_id]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self._lock:
            rows = list(self._db.query(sql, params))
            if not rows:
                return []
            matches = self._matches_for(rows[0]["id"], rows[-1]["id"])
        return [_mention_from_row(row, matches.get(row["id"], ())) for row in rows]

    # -- pages, for views that show a window of a million ---------------------------------

    def tally(self, view: MentionFilter, after_id: int = 0) -> tuple[int, int]:
        """How many mentions `view` keeps of those with ids after `after_id`, and the newest
        id in the journal, the bound of that count: the next tally starts after it."""
        where, params = view.where()
        with self._lock:
            newest = int(self._db.execute("SELECT COALESCE(MAX(id), 0) FROM mentions").fetchone()[0])
            row = self._db.execute(
                f"SELECT COUNT(*) FROM mentions m WHERE m.id > ? AND m.id <= ? AND {where}", [after_id, newest, *params]
            )
            return int(row.fetchone()[0]), newest

    def mention_page(
        self, view: MentionFilter, *, after_id: int | None = None, before_id: int | None = None, limit: int
    ) -> list[JournaledMention]:
        """Up to `limit` mentions `view` keeps, in arrival order: the first ones after
        `after_id`, or the last ones before `before_id` (keyset pagination on the id)."""
        where, params = view.where()
        if before_id is not None:
            sql = f"SELECT * FROM mentions m WHERE m.id < ? AND {where} ORDER BY m.id DESC LIMIT ?"
            params = [before_id, *params, limit]
        else:
            sql = f"SELECT * FROM mentions m WHERE m.id > ? AND {where} ORDER BY m.id LIMIT ?"
            params = [after_id or 0, *params, limit]
        with self._lock:
            rows = list(self._db.query(sql, params))
            if before_id is not None:
                rows.reverse()
            matches = self._matches_of([row["id"] for row in rows]) if rows else {}
        return [_mention_from_row(row, matches.get(row["id"], ())) for row in rows]

    def first_mention_id(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COALESCE(MIN(id), 0) FROM mentions").fetchone()[0])

    def mention_id_at(self, view: MentionFilter, index: int) -> int | None:
        """The id of the `index`-th mention (from 0) `view` keeps: a jump, not a scroll (its
        cost grows with `index`; a scroll pages from a neighbour by keyset instead)."""
        where, params = view.where()
        with self._lock:
            row = self._db.execute(
                f"SELECT m.id FROM mentions m WHERE {where} ORDER BY m.id LIMIT 1 OFFSET ?", [*params, index]
            ).fetchone()
        return int(row[0]) if row else None

    def to_answer(
        self, since: datetime, actions: Sequence[str], limit: int, answered: Collection[int] = ()
    ) -> list[JournaledMention]:
        """The newest `limit` mentions received since `since` whose triage said one of
        `actions`, leaving out those `answered` (read a page at a time until enough are found)."""
        marks = ",".join("?" for _ in actions)
        sql = (
            f"SELECT * FROM mentions WHERE received_at >= ? AND action IN ({marks}) AND id < ? ORDER BY id DESC LIMIT ?"
        )
        rows: list[dict[str, Any]] = []
        below = 2**62
        with self._lock:
            while len(rows) < limit:
                page = list(self._db.query(sql, [to_iso(since), *actions, below, limit]))
                rows += [row for row in page if row["id"] not in answered][: limit - len(rows)]
                if len(page) < limit:
                    break
                below = page[-1]["id"]
            matches = self._matches_of([row["id"] for row in rows])
        return [_mention_from_row(row, matches.get(row["id"], ())) for row in rows]

    def recent_mentions(self, since: datetime, limit: int) -> list[JournaledMention]:
        """The newest `limit` mentions received since `since`, oldest first, with their matches."""
        sql = (  # found by arrival time (indexed): the newest ids would scan a quiet journal whole
            "SELECT * FROM mentions WHERE id IN "
            "(SELECT id FROM mentions WHERE received_at >= ? ORDER BY received_at DESC LIMIT ?) ORDER BY id DESC"
        )
        with self._lock:
            rows = list(self._db.query(sql, [to_iso(since), limit]))[::-1]
            matches = self._matches_of([row["id"] for row in rows])
        return [_mention_from_row(row, matches.get(row["id"], ())) for row in rows]

    def texts(self, ids: Sequence[int]) -> dict[int, str]:
        """The texts of these mentions, by id."""
        found: dict[int, str] = {}
        with self._lock:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" for _ in chunk)
                found.update(self._db.execute(f"SELECT id, text FROM mentions WHERE id IN ({marks})", chunk).fetchall())
        return found

    def _matches_of(self, ids: Sequence[int]) -> dict[int, tuple[Match, ...]]:
        """The matches of exactly these mentions."""
        found: dict[int, tuple[Match, ...]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            found |= self._matches_for(min(chunk), max(chunk), chunk)
        return found

    def _matches_for(self, first: int, last: int, only: Sequence[int] = ()) -> dict[int, tuple[Match, ...]]:
        """The matches of the mentions with ids in [first, last] (`only` these, if given)."""
        found: dict[int, list[Match]] = {}
        sql, params = "SELECT * FROM matches WHERE mention_id BETWEEN ? AND ?", [first, last]
        if only:
            sql += f" AND mention_id IN ({','.join('?' for _ in only)})"
            params += list(only)
        for row in self._db.query(sql + " ORDER BY score DESC", params):
            hits = tuple(
                TermHit(h["rule"], h["term"], tuple(h["words"]), h["similarity"])
                for h in json.loads(row["explanation"])
            )
            found.setdefault(row["mention_id"], []).append(Match(row["scenario_id"], row["score"], hits))
        return {key: tuple(value) for key, value in found.items()}

    def mention_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM mentions").fetchone()[0])

    def native_ids(self) -> list[str]:
        """The native ids of every journaled mention (a drill's tell which injects it played)."""
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT native_id FROM mentions")]

    def match_counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT scenario_id, COUNT(*) FROM matches GROUP BY scenario_id").fetchall()
        return {scenario_id: int(count) for scenario_id, count in rows}

    def match_times(self, scenario_id: str | None, since: datetime) -> list[datetime]:
        """When mentions matching `scenario_id` (None: all mentions) arrived, since `since`, in order."""
        if scenario_id is None:
            sql, params = "SELECT received_at FROM mentions m WHERE m.received_at >= ?", [to_iso(since)]
        else:
            sql = (
                "SELECT m.received_at FROM mentions m CROSS JOIN matches x ON x.mention_id = m.id "
                "WHERE x.scenario_id = ? AND m.received_at >= ?"
            )
            params = [scenario_id, to_iso(since)]
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY m.received_at", params).fetchall()
        return [from_iso(at) for (at,) in rows]

    def first_mention_at(self) -> datetime | None:
        with self._lock:
            row = self._db.execute("SELECT MIN(received_at) FROM mentions").fetchone()
        return from_iso(row[0]) if row and row[0] else None

    def last_mention_at(self) -> datetime | None:
        with self._lock:
            row = self._db.execute("SELECT MAX(received_at) FROM mentions").fetchone()
        return from_iso(row[0]) if row and row[0] else None

    def known_authors(self, authors: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (network, author) pairs have mentions in the journal already."""
        found: set[tuple[str, str]] = set()
        pairs = sorted(authors)
        with self._lock:
            for start in range(0, len(pairs), 400):  # SQLite's limit on bound values
                chunk = pairs[start : start + 400]
                values = ",".join("(?,?)" for _ in chunk)
                found.update(
                    self._db.execute(
                        f"SELECT DISTINCT network, author FROM mentions WHERE (network, author) IN (VALUES {values})",
                        [value for pair in chunk for value in pair],
                    ).fetchall()
                )
        return found

    def negative_authors(self, cutoff: float, incidents: int) -> dict[tuple[str, str], int]:
        """Authors with mentions at or below the sentiment `cutoff` that matched the scenario
        of at least `incidents` different incidents (received within a day of its proposal),
        with how many. Each incident reads only its own two days, by arrival."""
        seen: dict[tuple[str, str], set[int]] = {}
        with self._lock:
            for incident_id, scenario_id, proposed in self._db.execute(
                "SELECT id, scenario_id, proposed_at FROM incidents"
            ).fetchall():
                at = from_iso(proposed)
                for network, author in self._db.execute(
                    "SELECT m.network, m.author FROM mentions m CROSS JOIN matches x ON x.mention_id = m.id "
                    "WHERE m.received_at BETWEEN ? AND ? AND x.scenario_id = ? AND m.sentiment <= ?",
                    [to_iso(at - timedelta(days=1)), to_iso(at + timedelta(days=1)), scenario_id, cutoff],
                ):
                    seen.setdefault((network, author), set()).add(incident_id)
        return {who: len(found) for who, found in seen.items() if len(found) >= incidents}

    def minute_counts(self, since: datetime, until: datetime, scenario_id: str | None) -> list[tuple[datetime, int]]:
        """How many mentions (matching `scenario_id`, or all) arrived in each minute of
        [since, until), counted by SQLite rather than loaded."""
        minute = "substr(m.received_at, 1, 16)"
        where, params = "m.received_at >= ? AND m.received_at < ?", [to_iso(since), to_iso(until)]
        if scenario_id is None:
            sql = f"SELECT {minute}, COUNT(*) FROM mentions m WHERE {where} GROUP BY 1 ORDER BY 1"
        else:
            sql = (
                f"SELECT {minute}, COUNT(*) FROM mentions m CROSS JOIN matches x ON x.mention_id = m.id "
                f"WHERE x.scenario_id = ? AND {where} GROUP BY 1 ORDER BY 1"
            )
            params.insert(0, scenario_id)
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [(datetime.fromisoformat(f"{text}:00+00:00"), count) for text, count in rows]

    def first_match(self, scenario_id: str, after: datetime | None, until: datetime) -> datetime | None:
        """When the first mention matching `scenario_id` arrived in (`after`, `until`]."""
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(m.received_at) FROM mentions m CROSS JOIN matches x ON x.mention_id = m.id "
                "WHERE x.scenario_id = ? AND m.received_at > ? AND m.received_at <= ?",
                [scenario_id, to_iso(after) if after else "", to_iso(until)],
            ).fetchone()
        return from_iso(row[0]) if row and row[0] else None

    def cursors(self) -> dict[str, str]:
        """Where each live source left off, as last committed with its mentions."""
        with self._lock:
            return {row["source_id"]: row["cursor"] for row in self._db.query("SELECT * FROM cursors")}

    def quarantine_counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT source_id, COUNT(*) FROM quarantine GROUP BY source_id").fetchall()
        return {source_id: int(count) for source_id, count in rows}

    def latest_time(self) -> datetime | None:
        """The latest clock time anything was journaled at (to resume a drill clock)."""
        with self._lock:
            row = self._db.execute(
                "SELECT MAX(t) FROM (SELECT MAX(received_at) AS t FROM mentions UNION ALL SELECT MAX(at) FROM events)"
            ).fetchone()
        return from_iso(row[0]) if row and row[0] else None

    # -- events and incidents -----------------------------------------------------------

    def append(self, event: Event, *, new_incident: str | None = None, status: str | None = None) -> Event:
        """Commit one event durably. `new_incident` (a scenario id) creates the incident first;
        `status` updates the incident's current status in the same transaction."""
        if new_incident is not None:
            return self.append_new_incident([event], new_incident, status or "proposed")[0]
        with self._lock, self._db.atomic():
            if status is not None:
                self._db.execute("UPDATE incidents SET status = ? WHERE id = ?", [status, event.incident_id])
            return self._insert_event(event)

    def _insert_event(self, event: Event) -> Event:
        cursor = self._db.execute(
            "INSERT INTO events (at, wall, actor, kind, incident_id, step_id, payload) VALUES (?,?,?,?,?,?,?)",
            [
                to_iso(event.at),
                to_iso(datetime.now(UTC)),
                event.actor,
                event.kind,
                event.incident_id,
                event.step_id,
                json.dumps(event.payload, ensure_ascii=False),
            ],
        )
        return replace(event, id=cursor.lastrowid)

    def append_new_incident(self, events: Sequence[Event], scenario_id: str, status: str) -> list[Event]:
        """Create an incident and commit its first `events` in one transaction."""
        with self._lock, self._db.atomic():
            incident_id = (
                self._db["incidents"]
                .insert({"scenario_id": scenario_id, "status": status, "proposed_at": to_iso(events[0].at)})
                .last_pk
            )
            return [self._insert_event(replace(event, incident_id=incident_id)) for event in events]

    def events(self, incident_id: int | None = None, kind: str | None = None) -> Iterator[Event]:
        where: list[str] = []
        params: list[Any] = []
        if incident_id is not None:
            where.append("incident_id = ?")
            params.append(incident_id)
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        sql = "SELECT * FROM events" + (" WHERE " + " AND ".join(where) if where else "")
        with self._lock:
            rows = list(self._db.query(sql + " ORDER BY id", params))
        for row in rows:
            yield Event(
                row["kind"],
                from_iso(row["at"]),
                row["actor"],
                row["incident_id"],
                row["step_id"],
                json.loads(row["payload"]),
                row["id"],
            )

    # -- reply drafts -------------------------------------------------------------------

    def save_draft(self, mention_id: int, text: str, template_id: str | None) -> Draft:
        """Keep the draft for a mention (its post key stays the same across saves)."""
        with self._lock, self._db.atomic():
            key = self._db.execute("SELECT post_key FROM drafts WHERE mention_id = ?", [mention_id]).fetchone()
            draft = Draft(mention_id, text, template_id, key[0] if key else new_tid(), datetime.now(UTC))
            self._db["drafts"].upsert(
                {
                    "mention_id": mention_id,
                    "text": text,
                    "template_id": template_id,
                    "post_key": draft.post_key,
                    "saved_at": to_iso(draft.saved_at),
                },
                pk="mention_id",
            )
            return draft

    def draft(self, mention_id: int) -> Draft | None:
        with self._lock:
            row = self._db.execute(
                "SELECT mention_id, text, template_id, post_key, saved_at FROM drafts WHERE mention_id = ?",
                [mention_id],
            ).fetchone()
        return Draft(row[0], row[1], row[2], row[3], from_iso(row[4])) if row else None

    def drop_draft(self, mention_id: int) -> None:
        """The reply went out: its draft is done with (the reply event keeps the text)."""
        with self._lock, self._db.atomic():
            self._db.execute("DELETE FROM drafts WHERE mention_id = ?", [mention_id])

    # -- notices: the inbox -----------------------------------------------------------

    def add_notice(self, notice: Notice) -> Notice:
        with self._lock, self._db.atomic():
            cursor = self._db.execute(
                "INSERT INTO notices (at, kind, scenario_id, incident_id, title, body, read) VALUES (?,?,?,?,?,?,0)",
                [to_iso(notice.at), notice.kind, notice.scenario_id, notice.incident_id, notice.title, notice.body],
            )
        return replace(notice, id=int(cursor.lastrowid or 0))

    def notice_groups(self) -> list[NoticeGroup]:
        """The inbox: one group per kind and scenario, with the unread first, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT kind, scenario_id, COUNT(*), SUM(read = 0), MIN(at), MAX(at), MAX(id) FROM notices "
                "GROUP BY kind, scenario_id ORDER BY SUM(read = 0) = 0, MAX(id) DESC"
            ).fetchall()
            newest = ",".join(str(int(row[6])) for row in rows) or "NULL"
            latest = dict(
                self._db.execute(f"SELECT id, title || ' — ' || body FROM notices WHERE id IN ({newest})").fetchall()
            )
        return [
            NoticeGroup(kind, scenario, count, int(unread), from_iso(first), from_iso(last), latest[last_id])
            for kind, scenario, count, unread, first, last, last_id in rows
        ]

    def notices(self, kind: str, scenario_id: str | None, limit: int = 200) -> list[Notice]:
        """The newest `limit` notices of one group, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, at, kind, scenario_id, incident_id, title, body, read FROM notices "
                "WHERE kind = ? AND scenario_id IS ? ORDER BY id DESC LIMIT ?",
                [kind, scenario_id, limit],
            ).fetchall()
        return [
            Notice(kind, title, body, from_iso(at), scenario, incident, notice_id, bool(read))
            for notice_id, at, kind, scenario, incident, title, body, read in rows
        ]

    def mark_read(self, kind: str | None = None, scenario_id: str | None = None) -> int:
        """Mark one group's notices read (all notices, without `kind`); how many were unread."""
        sql, params = "UPDATE notices SET read = 1 WHERE read = 0", []
        if kind is not None:
            sql += " AND kind = ? AND scenario_id IS ?"
            params = [kind, scenario_id]
        with self._lock, self._db.atomic():
            return self._db.execute(sql, params).rowcount

    def unread_notices(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM notices WHERE read = 0").fetchone()[0])

    def incident_scenarios(self) -> list[tuple[int, str]]:
        """Every incident's id and scenario."""
        with self._lock:
            return [(int(row[0]), str(row[1])) for row in self._db.execute("SELECT id, scenario_id FROM incidents")]

    def integrity(self) -> str:
        with self._lock:
            return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])


def _explained(hit: TermHit) -> dict[str, object]:
    return {"rule": hit.rule, "term": hit.term, "words": list(hit.words), "similarity": hit.similarity}


def _mention_from_row(row: dict[str, Any], matches: tuple[Match, ...]) -> JournaledMention:
    mention = Mention(
        network=row["network"],
        native_id=row["native_id"],
        author=row["author"],
        text=row["text"],
        posted_at=from_iso(row["posted_at"]),
        lang=row["lang"],
        followers=row["followers"],
        url=row["url"],
        author_name=row["author_name"],
        reply_to=row["reply_to"],
        quote_of=row["quote_of"],
    )
    tags = tuple(tag for tag in (row["author_tags"] or "").split(",") if tag)
    triage = None
    if row["request_types"] is not None:  # triaged when it arrived
        kinds = tuple(kind for kind in row["request_types"].split(",") if kind)
        triage = Triage(row["action"], row["action_rule"], kinds, row["sentiment"])
    return JournaledMention(row["id"], mention, from_iso(row["received_at"]), matches, tags, triage)
