"""Feed a drill's injects as mentions when the drill clock reaches them."""

from __future__ import annotations

from datetime import datetime

from smwar.drills.script import DrillScript
from smwar.model import Mention


class DrillPlayer:
    def __init__(self, script: DrillScript, start: datetime, played: int = 0) -> None:
        """`played`: how many injects a resumed run already journaled (they come in order)."""
        self.script = script
        self.start = start
        self._next = min(played, len(script.inject))

    def due(self, now: datetime) -> list[Mention]:
        """The injects the drill clock has reached since the last call."""
        offset = now - self.start
        due: list[Mention] = []
        while self._next < len(self.script.inject) and self.script.inject[self._next].at <= offset:
            due.append(self.script.mention(self._next, self.start))
            self._next += 1
        return due

    def rewind(self, count: int) -> None:
        """Hand the last `count` injects out again (the journal could not keep them)."""
        self._next = max(self._next - count, 0)

    @property
    def remaining(self) -> int:
        return len(self.script.inject) - self._next
