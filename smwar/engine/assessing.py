"""What each mention of a batch is — the scenarios it matches and what to do with it — worked
out here or, in a storm, on every processor: a mention's matching and triage depend only on it,
its author's tags and the runbooks, so a big batch is cut into shares, one assessed in this
process and the others each in a worker process of their own at the same time.

The workers start when the first batch big enough comes (a quiet journal never starts them),
each with its own copy of the runbooks' rules, and end with the pipeline. A worker that dies
costs nothing but time: its batch is assessed here and the workers start again for the next.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from smwar.model import Match, Mention, Triage
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.matcher import Matcher, RuleMatcher
from smwar.triage.decide import Triager

SHARED_FROM = 400  # mentions a batch needs to be shared out: a storm the ingest process alone keeps up with is not

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


class Assessor:
    """Assesses batches by one runbook set: alone, or with `workers` processes for big batches."""

    def __init__(self, runbooks: RunbookSet, matcher: Matcher, workers: int = 0) -> None:
        self.runbooks = runbooks
        self.matcher = matcher
        self.triager = Triager(runbooks)
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._served = False  # whether the workers assessed a batch

    def assess(self, items: Sequence[Item]) -> list[Assessed]:
        """Each mention's matches and triage, in the order of `items`."""
        if self.workers and len(items) >= SHARED_FROM:
            try:
                assessed = self._shared(items)
            except BrokenProcessPool:
                self.close()
                if self._served:
                    log.warning("a worker process ended: its batch is assessed here, the workers start again")
                else:  # they never assessed a batch: they will not now
                    log.warning("the worker processes could not start: mentions are assessed here alone")
                    self.workers = 0
            else:
                self._served = True
                return assessed
        return self._here(items)

    def _here(self, items: Sequence[Item]) -> list[Assessed]:
        return [assess(mention, tags, self.matcher, self.triager) for mention, tags in items]

    def _shared(self, items: Sequence[Item]) -> list[Assessed]:
        """`items` in equal shares: the first assessed here while the workers take the others."""
        if self._pool is None:
            self._pool = _start(self.runbooks, self.workers)
        size = -(-len(items) // (self.workers + 1))
        shares = [items[start : start + size] for start in range(0, len(items), size)]
        futures = [self._pool.submit(_assess_share, list(share)) for share in shares[1:]]
        assessed = self._here(shares[0])
        for future in futures:
            assessed += future.result()
        return assessed

    def close(self) -> None:
        """End the workers (they finish nothing more)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _start(runbooks: RunbookSet, workers: int) -> ProcessPoolExecutor:
    """Worker processes forked from a clean server process (never from this one, whose other
    threads may hold locks), each compiling `runbooks` once."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        context.set_forkserver_preload([__name__])
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_begin, initargs=(runbooks,))


_rules: tuple[Matcher, Triager] | None = None  # a worker's own


def _begin(runbooks: RunbookSet) -> None:
    global _rules
    _rules = RuleMatcher(runbooks.scenarios, runbooks.deescalation), Triager(runbooks)
    threading.Thread(target=_end_with_owner, name="owner-watch", daemon=True).start()


def _end_with_owner() -> None:
    """End this worker when the process that started it ends, even killed: the pipes it
    waits on stay open (the other workers hold them), so it would never learn otherwise."""
    owner = multiprocessing.parent_process()
    if owner is not None:
        multiprocessing.connection.wait([owner.sentinel])
        os._exit(0)


def _assess_share(items: list[Item]) -> list[Assessed]:
    assert _rules is not None, "a worker assesses only after it began"
    matcher, triager = _rules
    return [assess(mention, tags, matcher, triager) for mention, tags in items]
