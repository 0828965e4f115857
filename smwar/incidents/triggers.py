"""Watch matched mentions per scenario and say when a trigger fires."""

from __future__ import annotations

from collections import deque
from datetime import datetime

from smwar.runbooks.definitions import Scenario
from smwar.timespan import format_duration


class TriggerWatch:
    """The sliding window of one scenario's matching mentions."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._times: deque[datetime] = deque()

    def seed(self, times: list[datetime]) -> None:
        """Refill the window from the journal after a restart, without firing."""
        self._times.extend(times)

    def observe(self, at: datetime, from_vip: bool) -> str | None:
        """Record one matching mention; return why the trigger fired, or None."""
        trigger = self.scenario.trigger
        self._times.append(at)
        while self._times and at - self._times[0] > trigger.within:
            self._times.popleft()
        if trigger.vip and from_vip:
            self._times.clear()
            return "a VIP posted a matching mention"
        if len(self._times) >= trigger.mentions:
            self._times.clear()
            return f"{trigger.mentions} matching mentions within {format_duration(trigger.within)}"
        return None
