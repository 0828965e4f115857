"""How well a runbook set's rules find what a labelled set of mentions says they should."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Quality:
    """Counts for one scenario over a labelled set."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        both = self.precision + self.recall
        return 2 * self.precision * self.recall / both if both else 0.0


def quality(ids: Iterable[str], labelled: Iterable[tuple[set[str], set[str]]]) -> dict[str, Quality]:
    """Per scenario id: how the `(expected, found)` pairs of a labelled set agree."""
    pairs = list(labelled)
    return {
        scenario: Quality(
            sum(1 for want, got in pairs if scenario in want and scenario in got),
            sum(1 for want, got in pairs if scenario not in want and scenario in got),
            sum(1 for want, got in pairs if scenario in want and scenario not in got),
        )
        for scenario in ids
    }


def macro_f1(table: dict[str, Quality]) -> float:
    return sum(entry.f1 for entry in table.values()) / len(table) if table else 0.0
