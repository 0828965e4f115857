"""The journal's schema as forward migrations; a journal from a newer smwar is never touched."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlite_utils import Database

from smwar.errors import SmwarError
from smwar.model import REPLIED

VERSION_TABLE = "schema_version"


class JournalError(SmwarError):
    """The journal cannot be used; the message says why and what to do."""


def _v1(db: Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["mentions"].create(
        {
            "id": int,
            "network": str,
            "native_id": str,
            "author": str,
            "followers": int,
            "lang": str,
            "text": str,
            "url": str,
            "posted_at": str,
            "received_at": str,
            "author_tags": str,
        },
        pk="id",
        not_null={"network", "native_id", "author", "text", "posted_at", "received_at"},
    )
    db["mentions"].create_index(["network", "native_id"], unique=True)
    db["mentions"].create_index(["received_at"])
    db["matches"].create(
        {"mention_id": int, "scenario_id": str, "score": float, "explanation": str},
        pk=("mention_id", "scenario_id"),
        foreign_keys=[("mention_id", "mentions", "id")],
    )
    db["matches"].create_index(["scenario_id", "mention_id"])
    db["incidents"].create(
        {"id": int, "scenario_id": str, "status": str, "proposed_at": str},
        pk="id",
        not_null={"scenario_id", "status", "proposed_at"},
    )
    db["events"].create(
        {
            "id": int,
            "at": str,
            "wall": str,
            "actor": str,
            "kind": str,
            "incident_id": int,
            "step_id": str,
            "payload": str,
        },
        pk="id",
        not_null={"at", "wall", "actor", "kind", "payload"},
        foreign_keys=[("incident_id", "incidents", "id")],
    )
    db["events"].create_index(["incident_id", "id"])
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER events_no_{verb.lower()} BEFORE {verb} ON events "
            "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
        )


def _v2(db: Database) -> None:
    """Live sources: where each source left off, items it could not read, and more of a
    mention's identity (display name, what it replies to or quotes)."""
    for column in ("author_name", "reply_to", "quote_of"):
        db["mentions"].add_column(column, str)
    db["cursors"].create({"source_id": str, "cursor": str, "saved_at": str}, pk="source_id")
    db["quarantine"].create(
        {"id": int, "source_id": str, "at": str, "reason": str, "raw": bytes},
        pk="id",
        not_null={"source_id", "at", "reason", "raw"},
    )
    db["quarantine"].create_index(["source_id", "id"])


def _v3(db: Database) -> None:
    """Triage: what the de-escalation plan said to do with each mention when it arrived."""
    for column in ("action", "action_rule", "request_types"):
        db["mentions"].add_column(column, str)


def _v4(db: Database) -> None:
    """Reply drafts: the one being written per mention, kept across restarts until it is sent.
    `post_key` makes a retried post the same post (the network's idempotency key)."""
    db["drafts"].create(
        {"mention_id": int, "text": str, "template_id": str, "post_key": str, "saved_at": str},
        pk="mention_id",
        not_null={"text", "post_key", "saved_at"},
        foreign_keys=[("mention_id", "mentions", "id")],
    )


def _v5(db: Database) -> None:
    """Each mention's sentiment (-1…1) when it arrived; and authors findable, to tell a
    first-time author from a known one."""
    db["mentions"].add_column("sentiment", float)
    db["mentions"].create_index(["network", "author"])


def _v6(db: Database) -> None:
    """Views page through mentions by what they show: full-text search over the text (FTS5,
    kept in step by a trigger; mentions are never changed or removed), and the triage action."""
    db.execute(
        "CREATE VIRTUAL TABLE mentions_fts USING fts5(text, content='mentions', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    db.execute(
        "CREATE TRIGGER mentions_fts_insert AFTER INSERT ON mentions "
        "BEGIN INSERT INTO mentions_fts (rowid, text) VALUES (new.id, new.text); END"
    )
    db.execute("INSERT INTO mentions_fts (mentions_fts) VALUES ('rebuild')")
    db["mentions"].create_index(["action", "id"])


def _v7(db: Database) -> None:
    """Notices (proposals, deadlines, warnings, campaigns, trainer messages) in one inbox:
    what was said, when, about which scenario, and whether the operator has read it."""
    db["notices"].create(
        {
            "id": int,
            "at": str,
            "kind": str,
            "scenario_id": str,
            "incident_id": int,
            "title": str,
            "body": str,
            "read": int,
        },
        pk="id",
        not_null={"at", "kind", "title", "body", "read"},
        defaults={"read": 0},
    )
    db["notices"].create_index(["kind", "scenario_id", "id"])
    db["notices"].create_index(["read"])


def _v8(db: Database) -> None:
    """The journal indexes a batch's texts for search itself, in one statement after its rows:
    fed a row at a time by the trigger, FTS5 wrote its index out for every row (most of the
    cost of journaling a mention)."""
    db.execute("DROP TRIGGER mentions_fts_insert")


def _v9(db: Database) -> None:
    """Several processes on one journal: a lease names the one that runs the sources (the
    ingest leader) until it expires; the leader publishes how its sources are doing, and any
    process may ask it to pause one."""
    db["leases"].create(
        {"name": str, "holder": str, "expires": float, "backlog": int},
        pk="name",
        not_null={"holder", "expires", "backlog"},
        defaults={"backlog": 0},
    )
    db["source_health"].create(
        {
            "source_id": str,
            "network": str,
            "state": str,
            "reason": str,
            "until": str,
            "mentions": int,
            "quarantined": int,
            "per_minute": float,
            "refused": int,
        },
        pk="source_id",
        not_null={"network", "state"},
    )
    db["source_pauses"].create({"source_id": str}, pk="source_id")


def _v10(db: Database) -> None:
    """Networks edit and delete: each edit (its new text) and deletion of a mention is kept,
    and the mention says what it last became; its first text stays, as evidence."""
    db["mentions"].add_column("revised", str)
    db["revisions"].create(
        {"id": int, "mention_id": int, "kind": str, "at": str, "text": str},
        pk="id",
        not_null={"mention_id", "kind", "at"},
        foreign_keys=[("mention_id", "mentions", "id")],
    )
    db["revisions"].create_index(["mention_id", "id"])


def _v11(db: Database) -> None:
    """A team on one journal: who is here (a heartbeat), and who is replying to which mention
    (a claim), so that nobody answers the same person twice."""
    db["presence"].create({"operator": str, "role": str, "doing": str, "seen": float}, pk="operator")
    db["claims"].create(
        {"mention_id": int, "operator": str, "since": str},
        pk="mention_id",
        not_null={"operator", "since"},
        foreign_keys=[("mention_id", "mentions", "id")],
    )


def _v12(db: Database) -> None:
    """Bluesky authors' profiles (handle, display name, follower count), kept until they expire
    so that a restart does not look every author up again; `found` 0: the AppView had none."""
    db["profiles"].create(
        {"did": str, "found": int, "handle": str, "name": str, "followers": int, "expires": str},
        pk="did",
        not_null={"found", "expires"},
    )
    db["profiles"].create_index(["expires"])


# the replies to one mention, newest first: the stale-send guard asks before every reply, and
# without it read every reply the journal ever kept, holding the write lock (50,000 replies: 47 ms)
REPLY_MENTION = "json_extract(payload, '$.mention_id')"
REPLIES = f"kind = '{REPLIED}'"  # a constant in the query too: SQLite matches a partial index's condition as written


def _v13(db: Database) -> None:
    """The replies to a mention found by an index, not by reading every reply."""
    db.execute(f"CREATE INDEX events_replies ON events ({REPLY_MENTION}, id) WHERE {REPLIES}")


def _v14(db: Database) -> None:
    """A search on one network reads the mentions on it by id, newest first, beside the
    full-text index (smwar.journal.search): it passes over another network's stream."""
    db["mentions"].create_index(["network", "id"])


def _v15(db: Database) -> None:
    """The war rooms of a team file the same notice once: by what it tells of (its cause)."""
    db.execute("ALTER TABLE notices ADD COLUMN cause TEXT")
    db.execute("CREATE UNIQUE INDEX notices_cause ON notices (cause)")


MIGRATIONS: tuple[Callable[[Database], None], ...] = (
    _v1,
    _v2,
    _v3,
    _v4,
    _v5,
    _v6,
    _v7,
    _v8,
    _v9,
    _v10,
    _v11,
    _v12,
    _v13,
    _v14,
    _v15,
)
CURRENT_VERSION = len(MIGRATIONS)


def stored_version(db: Database) -> int:
    if not db[VERSION_TABLE].exists():
        return 0
    row = db.execute(f"SELECT MAX(version) FROM {VERSION_TABLE}").fetchone()
    return int(row[0] or 0)


@contextmanager
def _immediate(db: Database) -> Iterator[None]:
    """A transaction that takes the write lock at once (waiting for another writer as long as
    the busy timeout allows), so that what it reads stays true until it commits."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.conn.rollback()
        raise
    db.execute("COMMIT")


def migrate(db: Database, name: str) -> None:
    """Bring `db` up to `CURRENT_VERSION`, one transaction per migration."""
    version = stored_version(db)
    if version > CURRENT_VERSION:
        raise JournalError(
            f"{name} was written by a newer smwar (journal schema {version}, this smwar knows "
            f"up to {CURRENT_VERSION}); it was left untouched. Upgrade smwar to open it."
        )
    for number in range(version + 1, CURRENT_VERSION + 1):
        with _immediate(db):
            if stored_version(db) >= number:
                continue  # another process opening the journal at the same time migrated it
            if number == 1:
                db[VERSION_TABLE].create({"version": int, "applied_at": str}, pk="version")
            MIGRATIONS[number - 1](db)
            db[VERSION_TABLE].insert({"version": number, "applied_at": datetime.now(UTC).isoformat(timespec="seconds")})
