"""An ingest leader on a thread of the test's process, with its own connection to the live
journal, as `smwar lead` runs in a process of its own beside a war room."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from smwar.config import Config
from smwar.engine.leader import IngestLeader
from smwar.engine.live import open_live_journal
from smwar.paths import bundled_runbooks_dir
from smwar.runbooks.watch import RunbookWatch


@contextmanager
def leading(config: Config, runbooks: Path | None = None) -> Iterator[IngestLeader]:
    """The leader for `config`'s sources by the `runbooks` folder (the bundled one unless
    given), stopped (its lease given up) after."""
    journal = open_live_journal(config)
    leader = IngestLeader(config, RunbookWatch(runbooks or bundled_runbooks_dir()), journal, holder="test-leader")
    thread = threading.Thread(target=leader.run, name="leader", daemon=True)
    thread.start()
    try:
        yield leader
    finally:
        leader.stopping.set()
        thread.join(30)
        journal.close()
