"""A cursor for searches that index late: the newest time seen, and every id seen within a
look-back window before it, so each poll can ask again a little into the past without
handing anything over twice."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TypeGuard

LOOKBACK = 300.0  # seconds before the newest item seen that each poll looks at again
SEEN_MAX = 2000


@dataclass(slots=True)
class RecentCursor:
    """As JSON: `{"newest": time of the newest item seen, "seen": {id: time}}` (Unix seconds)."""

    newest: float | None = None
    seen: dict[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, cursor: str | None) -> RecentCursor:
        """The cursor as stored; one that cannot be read starts afresh (the journal dedupes)."""
        try:
            data = json.loads(cursor) if cursor else {}
        except ValueError:
            return cls()
        if not isinstance(data, dict) or not is_number(data.get("newest")):
            return cls()
        seen = data.get("seen")
        if not isinstance(seen, dict):
            seen = {}
        return cls(float(data["newest"]), {key: float(value) for key, value in seen.items() if is_number(value)})

    def dump(self) -> str:
        return json.dumps({"newest": self.newest, "seen": self.seen}, separators=(",", ":"))

    def advanced(self, arrived: dict[str, float | None]) -> RecentCursor:
        """This cursor after `arrived` (id -> time, None where unreadable) was handled."""
        times = [created for created in arrived.values() if created is not None]
        newest = max([*times, *([self.newest] if self.newest is not None else [])], default=None)
        if newest is None:
            return self
        seen = {**self.seen, **{key: newest if created is None else created for key, created in arrived.items()}}
        recent = sorted(
            ((key, created) for key, created in seen.items() if created >= newest - LOOKBACK),
            key=lambda pair: pair[1],
            reverse=True,
        )
        return RecentCursor(newest, dict(recent[:SEEN_MAX]))


def is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
