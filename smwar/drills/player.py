"""Feed a drill's injects as mentions when the drill clock reaches them, hold back the posts
of a network that is out until it is back, and hand out the trainer's scripted messages."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import datetime, timedelta

from smwar.drills.script import DrillScript, Outage
from smwar.model import Mention


class DrillPlayer:
    def __init__(
        self, script: DrillScript, start: datetime, played: Iterable[int] = (), position: datetime | None = None
    ) -> None:
        """`played`: the injects a resumed run already journaled; `position`: where its clock
        stood (the scripted messages before it were shown then)."""
        self.script = script
        self.start = start
        done = set(played)
        # (when it gets through, its index): a post made during an outage arrives when it ends
        self._pending = sorted(
            (script.back_online(inject.network, inject.at), index)
            for index, inject in enumerate(script.inject)
            if index not in done
        )
        reached = position - start if position is not None else None
        self._messages = [message for message in script.message if reached is None or message.at > reached]

    def due(self, now: datetime) -> list[Mention]:
        """The injects that got through by `now` since the last call, in arrival order."""
        offset = now - self.start
        count = bisect.bisect_right(self._pending, (offset, len(self.script.inject)))
        due, self._pending = self._pending[:count], self._pending[count:]
        return [self.script.mention(index, self.start) for _, index in due]

    def put_back(self, mentions: Iterable[Mention]) -> None:
        """Hand these injects out again (the journal could not keep them)."""
        for mention in mentions:
            index = self.script.index_of(mention.native_id)
            inject = self.script.inject[index]
            bisect.insort(self._pending, (self.script.back_online(inject.network, inject.at), index))

    def played(self, native_ids: Iterable[str], now: datetime) -> None:
        """Another process played these injects, and the messages due by `now`: none of them
        is pending here any more."""
        gone = {self.script.index_of(native_id) for native_id in native_ids}
        self._pending = [(at, index) for at, index in self._pending if index not in gone]
        self.messages(now)

    def messages(self, now: datetime) -> list[str]:
        """The scripted trainer messages the clock reached since the last call."""
        offset = now - self.start
        shown = [message.text for message in self._messages if message.at <= offset]
        self._messages = [message for message in self._messages if message.at > offset]
        return shown

    def outages(self, now: datetime) -> list[Outage]:
        """The networks that are out at `now`."""
        offset = now - self.start
        return [outage for outage in self.script.outage if outage.at <= offset < outage.at + outage.lasts]

    def next_at(self, now: datetime) -> timedelta | None:
        """How far the clock must move for something to happen next: an inject gets through,
        a message is shown, an outage begins or ends."""
        offset = now - self.start
        moments = [at for at, _ in self._pending[:1]] + [message.at for message in self._messages[:1]]
        moments += [o.at for o in self.script.outage] + [o.at + o.lasts for o in self.script.outage]
        ahead = [moment for moment in moments if moment > offset]
        return min(ahead) - offset if ahead else None

    @property
    def remaining(self) -> int:
        return len(self._pending)
