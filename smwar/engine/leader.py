"""The ingest leader: the one process that runs the live sources and the matcher.

Any number of `smwar` processes may open the live journal; one of them at a time holds the
journal's ingest lease and runs the sources, matches and journals what they bring. Each war
room starts a leader process of its own (`smwar lead`, out of the screen's interpreter, so a
storm's matching never holds up a key); all but one of them wait. The holder renews its lease
every second, on a thread of its own: a leader that sets itself up (the runbooks compiled, the
trends read from the journal) or works through a storm's backlog keeps it, however long that
round takes, while its rounds go on (a leader stuck for `STALL_SECONDS` lets it lapse). A
leader that dies stops renewing, and within `LEASE_SECONDS` a waiting one takes over and
resumes every source from the cursors the journal holds, which were committed with the
mentions they led to: nothing is skipped, and what is fetched twice is deduplicated.
Seeing every new mention, the leader is also the one that assigns those the plan hands out
in turn (`engine/assign.py`).
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from smwar.config import Config
from smwar.engine.assign import RoundRobin
from smwar.engine.live import MAX_INTAKE, LiveFeed, live_session
from smwar.engine.session import Session
from smwar.errors import InputErrors, SmwarError
from smwar.journal.interface import JournalStore
from smwar.journal.team import INGEST
from smwar.runbooks.watch import RunbookWatch

LEASE_SECONDS = 5.0  # a leader silent this long is taken for dead
RENEW_SECONDS = 1.0  # how often the holder renews its lease and publishes its sources' health
WAIT_SECONDS = 1.0  # how often a waiting leader asks for the lease
RESTART_SECONDS = 5.0  # how soon a war room starts its leader process again after it died
STALL_SECONDS = 60.0  # a leader whose rounds stopped this long no longer renews its lease
POLL_SECONDS = 0.25  # how often the leader takes what its sources handed over
# the leader's priority below the war rooms' (nice): a storm's matching waits while an operator acts
NICENESS = 10
AUTOGROUP = Path("/proc/self/autogroup")  # Linux: the nice value of this process's autogroup

log = logging.getLogger(__name__)


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class IngestLeader:
    """Waits for the ingest lease, then runs the sources into the journal until stopped or
    until it loses the lease (it was silent so long that another took over)."""

    def __init__(
        self,
        config: Config,
        watch: RunbookWatch,
        journal: JournalStore,
        holder: str | None = None,
        war_room: int | None = None,
    ) -> None:
        """`war_room`: the process id of the war room that started this one; it ends with it
        (killed, its terminal closed), never to run on unseen."""
        self.war_room = war_room
        self.config = config
        self.watch = watch
        self.journal = journal
        self.holder = holder or holder_name()
        self.stopping = threading.Event()
        self._runbooks = watch.load()
        self._session: Session | None = None
        self._feed: LiveFeed | None = None
        self._assigner: RoundRobin | None = None
        self._renewed = 0.0  # when the sources' health and pauses were last published and read
        self._keeper: _LeaseKeeper | None = None

    @property
    def leading(self) -> bool:
        return self._feed is not None

    def run(self) -> None:
        """Lead or wait until `stopping` is set; then journal what the sources handed over
        and give the lease up, so that another leader takes over at once."""
        try:
            while not self.stopping.is_set():
                if self.war_room is not None and os.getppid() != self.war_room:
                    log.info("the war room %s is gone: the ingest process ends with it", self.war_room)
                    break
                if not self.leading and not self._take():
                    self.stopping.wait(WAIT_SECONDS)
                    continue
                behind = self._lead()
                if not behind:
                    self.stopping.wait(POLL_SECONDS)
        finally:
            self._step_down()

    def _take(self) -> bool:
        if not self.journal.take_lease(INGEST, self.holder, time.time(), LEASE_SECONDS):
            return False
        log.info("%s took the ingest lease", self.holder)
        keeper = _LeaseKeeper(self.journal, self.holder)  # kept while the session is set up
        try:
            session, feed = live_session(self.config, self._runbooks, self.journal)
        except BaseException:
            keeper.stop()
            self.journal.release_lease(INGEST, self.holder)
            raise
        self._keeper = keeper
        self._session, self._feed = session, feed
        self._assigner = RoundRobin(self.journal)
        feed.start()
        keeper.backlog = feed.backlog
        self._renewed = time.monotonic()
        self._apply_pauses()
        return True

    def _lead(self) -> bool:
        """One round: publish the sources' health and follow runbook edits when due, journal
        what is due. True if the sources are ahead of the pipeline (the next round should come
        at once)."""
        assert self._session is not None and self._feed is not None and self._assigner is not None
        assert self._keeper is not None
        if self._keeper.lost.is_set():
            log.warning("%s lost the ingest lease to another leader", self.holder)
            self._step_down()
            return False
        self._keeper.beat()
        if time.monotonic() - self._renewed >= RENEW_SECONDS:
            self._renewed = time.monotonic()
            self.journal.publish_health(self._feed.health())
            self._apply_pauses()
            self._follow_runbooks()
        self._session.desk.catch_up()
        update = self._session.pipeline.poll()
        self._assigner.assign(update.mentions, self._runbooks, self._session.clock.now())
        self.journal.checkpoint()
        return self._feed.backlog() > MAX_INTAKE

    def _apply_pauses(self) -> None:
        """Pause the sources an operator asked to pause, resume the others."""
        assert self._feed is not None
        wanted = self.journal.paused_sources()
        for health in self._feed.health():
            if (health.state == "paused") != (health.source_id in wanted):
                self._feed.toggle_pause(health.source_id)

    def _follow_runbooks(self) -> None:
        """Put an edited runbook set in force; the last good one stays on an error (the war
        rooms show the error, which they find on their own)."""
        assert self._session is not None
        if not self.watch.changed():
            return
        try:
            runbooks = self.watch.load()
            self._session.reload(runbooks)
        except InputErrors as exc:
            log.warning("runbook edit not loaded: %s", exc)
            return
        except SmwarError as exc:
            self.watch.refused()
            log.warning("runbook edit not put in force: %s", exc)
            return
        self._runbooks = runbooks

    def _step_down(self) -> None:
        """Stop the sources; journal what they had handed over, unless the lease was lost: the
        leader that holds it now reads on from the cursors the journal holds, and what this one
        journaled now would come twice (an unreadable line is kept once a read) and move the
        cursors under it."""
        feed, session, keeper = self._feed, self._session, self._keeper
        self._feed = self._session = self._keeper = None
        if feed is None or session is None or keeper is None:
            return
        feed.stop()
        try:
            if not keeper.lost.is_set():
                session.pipeline.poll()
        finally:
            session.pipeline.close()
            keeper.stop()
            self.journal.release_lease(INGEST, self.holder)
            log.info("%s gave the ingest lease up", self.holder)


class _LeaseKeeper:
    """Renews the ingest lease every `RENEW_SECONDS` on a thread of its own, as long as the
    leader's rounds go on (`beat`); says so (`lost`) if another leader took it meanwhile."""

    def __init__(self, journal: JournalStore, holder: str) -> None:
        self.journal = journal
        self.holder = holder
        self.backlog: Callable[[], int] = lambda: 0  # what the sources handed over and wait with
        self.lost = threading.Event()
        self._stopping = threading.Event()
        self._beat = time.monotonic()
        self._thread = threading.Thread(target=self._keep, name="smwar-lease", daemon=True)
        self._thread.start()

    def beat(self) -> None:
        """The leader's rounds go on."""
        self._beat = time.monotonic()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()

    def _keep(self) -> None:
        while not self._stopping.wait(RENEW_SECONDS):
            if time.monotonic() - self._beat > STALL_SECONDS:
                log.error("%s: no round for %.0f s: the ingest lease is left to lapse", self.holder, STALL_SECONDS)
                return
            try:
                kept = self.journal.take_lease(INGEST, self.holder, time.time(), LEASE_SECONDS, self.backlog())
            except Exception:  # the journal's fault, this once: the next renewal tries again
                log.warning("%s could not renew the ingest lease", self.holder, exc_info=True)
                continue
            if not kept:
                self.lost.set()
                return


def yield_to_operators() -> None:
    """Lower this process's priority, where the system has one: on a host shared with war
    rooms, an operator's claim or reply takes the processor before the storm's matching, which
    has all the processor the war rooms leave. On Linux each session (an SSH login, a terminal,
    the leader a war room starts) is an autogroup, and a nice value counts only within its own:
    a leader that leads its own session lowers its autogroup's too, or it would weigh as much as
    a war room (one started in a terminal leaves the terminal's alone)."""
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    if not hasattr(os, "getsid") or os.getsid(0) != os.getpid():
        return
    try:
        with AUTOGROUP.open("w", encoding="ascii") as autogroup:
            autogroup.write(str(NICENESS))
    except OSError:  # no autogroups here (another system, or turned off), or not ours to change
        log.debug("no autogroup priority set", exc_info=True)


class LeaderProcess:
    """The leader process a war room starts beside itself, and starts again if it dies."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._died_at: float | None = None
        self.ended: str | None = None  # why the process is not running, while it is not

    def start(self) -> None:
        with self.log_path.open("ab") as log_file:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "smwar", "lead", "--with", str(os.getpid())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log_file,
                start_new_session=True,  # the terminal's signals (^C, a closed window) are the war room's
            )

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def check(self) -> None:
        """Start the process again `RESTART_SECONDS` after it died (its error is in the log)."""
        process = self._process
        if process is None or process.poll() is None:
            return
        now = time.monotonic()
        if self._died_at is None:
            self._died_at = now
            self.ended = f"the ingest process ended (exit code {process.returncode}, see the log); restarting"
            log.error("the ingest process ended with exit code %s", process.returncode)
        elif now - self._died_at >= RESTART_SECONDS:
            self._died_at = self.ended = None
            self.start()

    def stop(self) -> None:
        """Ask the process to journal what it holds and give the lease up; kill it if it hangs."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
