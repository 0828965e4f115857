"""A journal of a million mentions in seconds, for paging tests and the UI benchmark.

The rows are made by SQLite itself (a recursive CTE in one transaction), through the real
schema (`Journal.open` migrates it; the full-text index is rebuilt over every text): mention
n is `post-n` on one of four networks, its text names n, every third matches product-defect,
and the triage action cycles respond, watch, ignore.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from smwar.journal.store import Journal

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
NETWORKS = ("mastodon", "bluesky", "reddit", "hackernews")
ACTIONS = ("respond", "watch", "ignore")


def text_of(n: int) -> str:
    """The text of mention n, as `fill` writes it."""
    kind = "Waschmaschine ausgelaufen" if n % 3 == 0 else "Lieferung verspätet"
    return f"Post {n}: meine {kind}, Nummer {n} #elektromueller"


def with_stream(home: Path, stream: Path, journal: str | None = None) -> dict[str, str]:
    """The environment of a process on SMWAR_HOME `home`, whose config has one source: the
    JSON Lines file `stream` (created empty), followed every tenth of a second; and, given
    `journal` (an address), the live journal there instead of in the data directory."""
    stream.touch()
    env = {**os.environ, "SMWAR_HOME": str(home)}
    if journal is not None:
        config = home / "config" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f"journal = {json.dumps(journal)}\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "smwar", "sources", "add", "jsonl", "stream", f"path={stream}", "poll_seconds=0.1"],
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def fill(path: Path, count: int, mode: str = "live") -> Path:
    """The journal at `path` with `count` mentions (ids 1…count), one a second from T0."""
    with Journal.open(path) as journal:
        journal.set_meta({"mode": mode})
        db = journal._db.conn
        start = T0.timestamp()
        # indexes made after the rows, not kept up row by row: a bulk load's usual order
        indexes = db.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
            "AND tbl_name IN ('mentions', 'matches') AND sql IS NOT NULL"
        ).fetchall()
        with db:
            for kind, name, _sql in indexes:
                db.execute(f"DROP {kind.upper()} {name}")
            db.execute(
                "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ?) "
                "INSERT INTO mentions (id, network, native_id, author, followers, lang, text, posted_at, "
                "received_at, author_tags, action, action_rule, request_types, sentiment) "
                "SELECT n, "
                f"CASE n % 4 {' '.join(f'WHEN {i} THEN {name!r}' for i, name in enumerate(NETWORKS))} END, "
                "'post-' || n, '@user' || (n % 5000) || '@example.social', n % 900, 'de', "
                "'Post ' || n || ': meine ' || "
                "CASE WHEN n % 3 = 0 THEN 'Waschmaschine ausgelaufen' ELSE 'Lieferung verspätet' END "
                "|| ', Nummer ' || n || ' #elektromueller', "
                "strftime('%Y-%m-%dT%H:%M:%S.000000+00:00', ? + n, 'unixepoch'), "
                "strftime('%Y-%m-%dT%H:%M:%S.000000+00:00', ? + n, 'unixepoch'), '', "
                f"CASE n % 3 {' '.join(f'WHEN {i} THEN {name!r}' for i, name in enumerate(ACTIONS))} END, "
                "'bench', '', -0.5 FROM c",
                [count, start, start],
            )
            db.execute(
                "INSERT INTO matches (mention_id, scenario_id, score, explanation) "
                "SELECT id, 'product-defect', 0.9, '[]' FROM mentions WHERE id % 3 = 0"
            )
            for _kind, _name, sql in indexes:
                db.execute(sql)
            db.execute("INSERT INTO mentions_fts (mentions_fts) VALUES ('rebuild')")
    return path


@contextmanager
def full_disk_at(path: Path, native_id: str) -> Iterator[None]:
    """The journal at `path` refuses to store the mention `native_id` while the block runs, with
    the error SQLite gives on a full disk (raised by a trigger, from another connection)."""
    outside = sqlite3.connect(path)
    try:
        outside.execute(
            f"CREATE TRIGGER disk_full BEFORE INSERT ON mentions WHEN new.native_id = '{native_id}' "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
        outside.commit()
        yield
        outside.execute("DROP TRIGGER disk_full")
        outside.commit()
    finally:
        outside.close()
