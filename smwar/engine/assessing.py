"""What each mention of a batch is — the scenarios it matches and what to do with it — worked
out here or, in a storm, on every processor: a mention's matching and triage depend only on it,
its author's tags and the runbooks, so a big batch is cut into shares, one assessed in this
process and the others each in a worker process of their own at the same time.

The workers start when the first batch big enough comes (a quiet journal never starts them),
each with its own copy of the runbooks' rules, and end with the pipeline. A share goes to its
worker over a pipe of its own, written before this process starts on its own share (a
handing-over thread would wait for this busy interpreter, and the worker with it). A worker
that dies costs nothing but time: its share is assessed here and the workers start again for
the next batch. A worker ends when the process that started it does, even killed: its pipe's
other end is then closed.

A shared batch goes a part at a time, and what this process does with one part's findings
(journals them, counts them into the trends: its own work alone) it does while the workers
assess the next part; its own share of a part is smaller by as much as that work takes, as
measured on the parts before, so that it and the workers finish a part together.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess

from smwar.model import Match, Mention, Triage
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.matcher import Matcher, RuleMatcher
from smwar.triage.decide import Triager
from smwar.triage.worded import scenarios_of

SHARED_FROM = 400  # mentions a batch needs to be shared out: a storm the ingest process alone keeps up with is not
PART = 256  # mentions of a shared batch assessed at a time
KEPT = 0.8  # how much of what the parts before measured counts for the next part's shares
STOP_SECONDS = 5.0  # how long a worker is given to end once told

Assessed = tuple[tuple[Match, ...], Triage]
Item = tuple[Mention, tuple[str, ...]]  # a mention and its author's tags
Then = Callable[[int, list[Assessed]], None]  # (where in the items a part starts, its findings)

log = logging.getLogger(__name__)


def assess(
    mention: Mention, tags: tuple[str, ...], matcher: Matcher, triager: Triager
) -> tuple[tuple[Match, ...], Triage]:
    """What a mention is: the scenarios it matches and what to do with it."""
    verdict = triager.relevance.judge(mention)
    matches = scenarios_of(mention, verdict, matcher, triager)
    return matches, triager.triage(mention, tags, [match.scenario_id for match in matches], verdict)


def assess_all(items: Sequence[Item], matcher: Matcher, triager: Triager) -> list[Assessed]:
    return [assess(mention, tags, matcher, triager) for mention, tags in items]


class WorkerEnded(Exception):
    """A worker process ended before it handed its share back."""


class Assessor:
    """Assesses batches by one runbook set: alone, or with `workers` processes for big batches."""

    def __init__(self, runbooks: RunbookSet, matcher: Matcher, workers: int = 0) -> None:
        self.runbooks = runbooks
        self.matcher = matcher
        self.triager = Triager(runbooks)
        self.workers = workers
        self._started: list[_Worker] = []
        self._served = False  # whether the workers assessed a batch
        # seconds and mentions, decaying: assessing here, and what `then` takes for a part
        self._assessing = _Rate()
        self._then = _Rate()

    def assess_each(self, items: Sequence[Item], then: Then) -> None:
        """Each mention's matches and triage, in the order of `items`, handed to `then(start,
        assessed)` a part at a time (`assessed`: those of the items from `start` on). A big batch
        is shared with the workers, and `then` runs for one part while they assess the next."""
        done = 0  # where the items not handed to `then` yet start

        def handed(start: int, assessed: list[Assessed]) -> None:
            nonlocal done
            then(start, assessed)
            done = start + len(assessed)

        if self.workers and len(items) >= SHARED_FROM:
            try:
                self._shared(items, handed)
            except WorkerEnded:
                self.close()
                if self._served:
                    log.warning("a worker process ended: its share is assessed here, the workers start again")
                else:  # they never assessed a batch: they will not now
                    log.warning("the worker processes could not start: mentions are assessed here alone")
                    self.workers = 0
            except BaseException:
                self.close()  # a share may be under way: its answer must not be taken for the next
                raise
            else:
                self._served = True
                return
        then(done, assess_all(items[done:], self.matcher, self.triager))

    def _shared(self, items: Sequence[Item], then: Then) -> None:
        """`items` a part at a time: of each, a share assessed here and equal shares by the
        workers, while `then` takes the part before."""
        if not self._started:
            context = _context()
            self._started = [_Worker(context, self.runbooks) for _ in range(self.workers)]
        before: tuple[int, list[Assessed]] | None = None
        for start in range(0, len(items), PART):
            part = items[start : start + PART]
            own = round(len(part) * self._own_share())
            size = -(-(len(part) - own) // len(self._started))
            busy = [
                (worker, part[at : at + size])
                for worker, at in zip(self._started, range(own, len(part), size or 1), strict=False)
            ]
            for worker, share in busy:
                worker.give(list(share))
            if before is not None:
                began = time.perf_counter()
                then(*before)
                self._then.add(time.perf_counter() - began, len(before[1]))
            began = time.perf_counter()
            assessed = assess_all(part[:own], self.matcher, self.triager)
            self._assessing.add(time.perf_counter() - began, own)
            for worker, _ in busy:
                assessed += worker.take()
            before = (start, assessed)
        assert before is not None
        then(*before)

    def _own_share(self) -> float:
        """The share of a part assessed here: an equal one, less by what `then` takes (with
        `w` workers, this process's `then` and share take as long as a worker's share)."""
        workers = len(self._started)
        equal = 1 / (workers + 1)
        assessing, then = self._assessing.per_mention(), self._then.per_mention()
        if assessing is None or then is None:
            return equal
        return min(equal, max(0.0, (assessing - workers * then) / (assessing * (workers + 1))))

    def close(self) -> None:
        """End the workers (they finish nothing more)."""
        for worker in self._started:
            worker.stop()
        self._started = []


class _Rate:
    """Seconds a mention, of what was measured lately (older measures count less and less)."""

    def __init__(self) -> None:
        self._seconds = self._mentions = 0.0

    def add(self, seconds: float, mentions: int) -> None:
        if mentions:
            self._seconds = self._seconds * KEPT + seconds
            self._mentions = self._mentions * KEPT + mentions

    def per_mention(self) -> float | None:
        return self._seconds / self._mentions if self._mentions else None


def _context() -> BaseContext:
    """Workers forked from a clean server process (never from this one, whose other threads
    may hold locks), or started afresh where there is none."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


class _Worker:
    """A worker process and this process's end of its pipe."""

    def __init__(self, context: BaseContext, runbooks: RunbookSet) -> None:
        self._pipe, theirs = context.Pipe()
        self._process: BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=_serve, args=(theirs, runbooks), name="smwar-assess", daemon=True
        )
        self._process.start()
        theirs.close()

    def give(self, items: list[Item]) -> None:
        try:
            self._pipe.send(items)
        except OSError as exc:
            raise WorkerEnded from exc

    def take(self) -> list[Assessed]:
        try:
            return self._pipe.recv()  # type: ignore[no-any-return]
        except (EOFError, OSError) as exc:
            raise WorkerEnded from exc

    def stop(self) -> None:
        self._pipe.close()  # its end reads the end of the pipe: it returns
        self._process.join(STOP_SECONDS)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


def _serve(pipe: Connection, runbooks: RunbookSet) -> None:
    """A worker: each share it is given, assessed and handed back, until its pipe closes."""
    matcher, triager = RuleMatcher(runbooks.scenarios, runbooks.deescalation), Triager(runbooks)
    while True:
        try:
            items: list[Item] = pipe.recv()
        except (EOFError, OSError):
            return  # the process that started it stopped it, or ended
        pipe.send(assess_all(items, matcher, triager))
