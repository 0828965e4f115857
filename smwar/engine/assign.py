"""Round-robin assignment: a new mention to answer whose job the plan hands out in turn
(`assign = "round-robin"` on its request type or channel) goes to the next operator present
who holds that owner role.

Only the ingest leader assigns (it journals every mention, so it sees each one once): two war
rooms never assign one mention differently. An assignment is an event; the assignee's own
queue shows it, and a leader that takes over goes on from the last one journaled.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

from smwar.journal.interface import JournalStore
from smwar.journal.team import ASSIGNED
from smwar.model import SYSTEM_ACTOR, Event, JournaledMention
from smwar.runbooks.definitions import ROUND_ROBIN, RunbookSet
from smwar.triage.decide import RESPOND


class RoundRobin:
    def __init__(self, journal: JournalStore) -> None:
        self.journal = journal
        self._last: dict[str, str] = {}  # owner role -> the operator assigned its last mention
        for event in journal.events(kind=ASSIGNED):
            self._last[str(event.payload["role"])] = str(event.payload["operator"])

    def assign(self, stored: Sequence[JournaledMention], runbooks: RunbookSet, now: datetime) -> list[Event]:
        """Assign the `stored` mentions that are to be answered and handed out in turn; what
        was journaled. A mention whose role nobody present holds stays in everyone's queue."""
        due = [(item, role) for item in stored if (role := _round_robin_role(item, runbooks)) is not None]
        if not due:
            return []
        present = self.journal.present(time.time())
        events = []
        for item, role in due:
            holders = sorted(person.operator for person in present if role in person.roles)
            if not holders:
                continue
            last = self._last.get(role, "")
            chosen = next((holder for holder in holders if holder > last), holders[0])
            self._last[role] = chosen
            payload = {"mention_id": item.id, "operator": chosen, "role": role}
            events.append(Event(ASSIGNED, now, SYSTEM_ACTOR, payload=payload))
        return self.journal.append_all(events) if events else []


def _round_robin_role(item: JournaledMention, runbooks: RunbookSet) -> str | None:
    """The owner role that answers the mention, when it is to be answered and the plan hands
    that work out in turn."""
    if item.triage is None or item.triage.action != RESPOND:
        return None
    responsible = runbooks.responsible(item.triage.request_types, item.mention.network)
    return responsible.owner if responsible is not None and responsible.assign == ROUND_ROBIN else None
