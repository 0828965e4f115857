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
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Sequence
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess

from smwar.model import Match, Mention, Triage
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.matcher import Matcher, RuleMatcher
from smwar.triage.decide import Triager

SHARED_FROM = 400  # mentions a batch needs to be shared out: a storm the ingest process alone keeps up with is not
STOP_SECONDS = 5.0  # how long a worker is given to end once told

Assessed = tuple[tuple[Match, ...], Triage]
Item = tuple[Mention, tuple[str, ...]]  # a mention and its author's tags

log = logging.getLogger(__name__)


def assess(
    mention: Mention, tags: tuple[str, ...], matcher: Matcher, triager: Triager
) -> tuple[tuple[Match, ...], Triage]:
    """What a mention is: the scenarios it matches (none if it is not about us: a namesake's
    storm is not ours) and what to do with it."""
    verdict = triager.relevance.judge(mention)
    matches = matcher.match(mention) if verdict.relevant else ()
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

    def assess(self, items: Sequence[Item]) -> list[Assessed]:
        """Each mention's matches and triage, in the order of `items`."""
        if self.workers and len(items) >= SHARED_FROM:
            try:
                assessed = self._shared(items)
            except WorkerEnded:
                self.close()
                if self._served:
                    log.warning("a worker process ended: its share is assessed here, the workers start again")
                else:  # they never assessed a batch: they will not now
                    log.warning("the worker processes could not start: mentions are assessed here alone")
                    self.workers = 0
            else:
                self._served = True
                return assessed
        return assess_all(items, self.matcher, self.triager)

    def _shared(self, items: Sequence[Item]) -> list[Assessed]:
        """`items` in equal shares: the first assessed here while the workers take the others."""
        if not self._started:
            context = _context()
            self._started = [_Worker(context, self.runbooks) for _ in range(self.workers)]
        size = -(-len(items) // (self.workers + 1))
        shares = [items[start : start + size] for start in range(0, len(items), size)]
        busy = list(zip(self._started, shares[1:], strict=False))
        for worker, share in busy:
            worker.give(list(share))
        assessed = assess_all(shares[0], self.matcher, self.triager)
        for worker, _ in busy:
            assessed += worker.take()
        return assessed

    def close(self) -> None:
        """End the workers (they finish nothing more)."""
        for worker in self._started:
            worker.stop()
        self._started = []


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
