"""Live mode: the configured sources, the live journal and a session on the real clock.

The live feed runs every source on one asyncio loop in a background thread, handing its
batches to the session through a thread-safe inbox.

A source's cursor travels with its mentions: the session commits both in one transaction, so
after a restart each source resumes right after what the journal kept (anything fetched but
not yet committed is fetched again and deduplicated on network + native id).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from smwar.clock import RealClock
from smwar.config import Config
from smwar.engine.pipeline import Intake
from smwar.engine.session import Session
from smwar.errors import SmwarError
from smwar.journal.address import SQLITE, open_journal
from smwar.journal.interface import JournalStore
from smwar.model import Quarantined
from smwar.paths import live_journal_path
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.terms import Progress
from smwar.sources.base import Batch, Source
from smwar.sources.registry import usable
from smwar.sources.runner import Health, SourceRunner

# mentions journaled in one transaction at most: a fraction of a second's work, so a storm's
# backlog goes through in slices, each shown as it lands, and more waiting is reported as such
MAX_INTAKE = 500


class LiveFeed:
    def __init__(
        self,
        sources: Sequence[Source],
        cursors: dict[str, str],
        keys: dict[str, str] | None = None,
        quarantined: dict[str, int] | None = None,
    ) -> None:
        """`keys`: under which name each source's cursor is kept (default: its id). A key that
        changes with the source's settings keeps a cursor from being used for other settings."""
        self._lock = threading.Lock()
        self._inbox = Intake()
        self._loop = asyncio.new_event_loop()
        self._keys = {source.id: (keys or {}).get(source.id, source.id) for source in sources}
        self._runners = {
            source.id: SourceRunner(source, cursors.get(self._keys[source.id]), self._deliver) for source in sources
        }
        for source_id, count in (quarantined or {}).items():
            if source_id in self._runners:
                self._runners[source_id].quarantined = count  # unreadable items stay counted across restarts
        self._thread = threading.Thread(target=self._loop.run_forever, name="smwar-sources", daemon=True)
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start_runners(), self._loop).result()

    async def _start_runners(self) -> None:
        self._tasks = [asyncio.create_task(runner.run_forever()) for runner in self._runners.values()]

    def stop(self) -> None:
        """Cancel every source and end the loop's thread."""
        if not self._thread.is_alive():
            return

        async def cancel() -> None:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(cancel(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _deliver(self, source_id: str, batch: Batch) -> None:
        now = datetime.now(UTC)
        with self._lock:
            self._inbox.mentions.extend(batch.mentions)
            if batch.cursor is not None:
                self._inbox.cursors[self._keys[source_id]] = batch.cursor
            self._inbox.quarantined.extend(Quarantined(source_id, why, raw, now) for raw, why in batch.quarantined)
            self._inbox.revisions.extend(batch.revisions)

    def due(self, now: datetime) -> Intake:
        """What the sources handed over since the last call (a storm's backlog in slices, so
        that one transaction never grows without bound)."""
        with self._lock:
            inbox = self._inbox
            if len(inbox.mentions) <= MAX_INTAKE:
                self._inbox = Intake()
                return inbox
            # the cursors stay behind until their mentions are taken: a crash refetches, never
            # skips; so do the edits and deletions, which may be of mentions still waiting
            taken = Intake(inbox.mentions[:MAX_INTAKE], {}, inbox.quarantined)
            self._inbox = Intake(inbox.mentions[MAX_INTAKE:], inbox.cursors, [], revisions=inbox.revisions)
            return taken

    def backlog(self) -> int:
        """Mentions handed over by the sources and not yet taken: more than `MAX_INTAKE` means
        the pipeline is behind the storm."""
        with self._lock:
            return len(self._inbox.mentions)

    def put_back(self, intake: Intake) -> None:
        with self._lock:
            inbox = self._inbox
            self._inbox = Intake(
                [*intake.mentions, *inbox.mentions],
                {**intake.cursors, **inbox.cursors},
                [*intake.quarantined, *inbox.quarantined],
                revisions=[*intake.revisions, *inbox.revisions],
            )

    def health(self) -> list[Health]:
        return [runner.health() for runner in self._runners.values()]

    def toggle_pause(self, source_id: str) -> bool:
        """Pause a running source or resume a paused one; True if it is paused now."""
        runner = self._runners[source_id]

        async def toggle() -> bool:  # decided on the loop, so two quick presses cannot both pause
            paused = runner.health().state != "paused"
            (runner.pause if paused else runner.resume)()
            return paused

        return asyncio.run_coroutine_threadsafe(toggle(), self._loop).result(timeout=5)


MODE_LIVE = "live"


def live_address(config: Config) -> str:
    """Where the live journal is: the configured address, else the file in the data directory."""
    return config.journal or f"{SQLITE}{live_journal_path()}"


def open_live_journal(config: Config) -> JournalStore:
    """The live journal, created on first use; a drill journal is never taken for it."""
    journal = open_journal(live_address(config))
    mode = journal.meta().get("mode")
    if mode is None:
        journal.set_meta({"mode": MODE_LIVE})
    elif mode != MODE_LIVE:
        journal.close()
        raise SmwarError(f"{journal.path} is a {mode} journal, not the live one; move it away")
    return journal


def live_session(
    config: Config, runbooks: RunbookSet, journal: JournalStore, progress: Progress | None = None
) -> tuple[Session, LiveFeed]:
    """A session fed by every configured source, each resuming where the journal left it."""
    keys = {settings.id: f"{settings.id}@{settings.fingerprint()}" for settings in config.source}
    sources = [usable(settings, journal) for settings in config.source]
    feed = LiveFeed(sources, journal.cursors(), keys, journal.quarantine_counts())
    session = Session(journal, runbooks, RealClock(), feed, config.operator, progress, config.ingest_workers())
    return session, feed
