"""Notice when the files of a runbook set change, so the running app can reload them."""

from __future__ import annotations

import time
from pathlib import Path

from smwar.errors import InputErrors
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.loader import load_runbook_set, runbook_files

Signature = tuple[tuple[str, int, int], ...]
RETRY_SECONDS = 5.0


class RunbookWatch:
    """Compares the set's files (names, sizes, modification times) between polls.

    A change counts once the files have stood still for one poll, so that an editor's
    save in several writes is read whole, not half-written.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._in_force: Signature | None = self._signature()
        self._seen = self._in_force
        self._retry_at = 0.0

    def _signature(self) -> Signature:
        try:
            files = runbook_files(self.path)
        except InputErrors:
            return ()
        found = []
        for file in files:
            try:
                stat = file.stat()
            except OSError:
                continue
            found.append((str(file), stat.st_size, stat.st_mtime_ns))
        return tuple(found)

    def changed(self) -> bool:
        """Whether the files differ from the set in force and have settled (or a refused set
        is due for another try)."""
        now = self._signature()
        settled = now == self._seen
        self._seen = now
        if self._in_force is None:
            return time.monotonic() >= self._retry_at
        return settled and now != self._in_force

    def refused(self) -> None:
        """The set loaded but could not be put in force (see `Session.reload`): try it again
        in a few seconds, since what stood in the way may be gone by then."""
        self._in_force = None
        self._retry_at = time.monotonic() + RETRY_SECONDS

    def load(self) -> RunbookSet:
        """Read the set as it is now; it counts as in force even if it fails to load, so the
        same broken edit is reported once, not at every poll. Raises `InputErrors`."""
        self._in_force = self._seen
        return load_runbook_set(self.path)
