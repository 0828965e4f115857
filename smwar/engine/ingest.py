"""Mentions read in one go — an export file or a pipe — into a session without the screen:
`smwar ingest` and the ingest benchmark run exactly this."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from smwar.engine.pipeline import Intake
from smwar.engine.session import Session
from smwar.errors import SmwarError
from smwar.model import Quarantined
from smwar.sources.base import SHOWN_UNREADABLE, Batch
from smwar.sources.jsonl import JsonlSettings, JsonlSource


class Handover:
    """A session's source that hands over one batch at a time, as it is given. What is read
    in one go is not resumed, so no cursor is kept (a repeat is deduplicated anyway)."""

    source_id = "ingest"

    def __init__(self) -> None:
        self.pending: list[Intake] = []

    def give(self, batch: Batch) -> None:
        now = datetime.now(UTC)
        quarantined = [Quarantined(self.source_id, why, raw, now) for raw, why in batch.quarantined]
        self.pending.append(Intake(list(batch.mentions), {}, quarantined, revisions=list(batch.revisions)))

    def due(self, now: datetime) -> Intake:
        return self.pending.pop(0) if self.pending else Intake()

    def put_back(self, intake: Intake) -> None:
        self.pending.insert(0, intake)


@dataclass
class Ingested:
    read: int = 0
    unreadable: int = 0
    unreadable_first: list[tuple[bytes, str]] = field(default_factory=list)  # (line, why)
    proposals: list[str] = field(default_factory=list)


def ingest_jsonl(path: str, session: Session, handover: Handover) -> Ingested:
    """Read `path` ("-": standard input) to its end, journaling as it goes."""
    file = Path(path).expanduser()
    if path != "-" and file.is_dir():
        raise SmwarError(f"{path}: is a directory, not a file")
    if path != "-" and not file.is_file():
        raise SmwarError(f"{path}: no such file")
    source = JsonlSource(JsonlSettings(id=handover.source_id, kind="jsonl", path=path, follow=False))
    done = Ingested()

    async def read() -> None:
        async for batch in source.run(None):
            done.read += len(batch.mentions)
            done.unreadable += len(batch.quarantined)
            done.unreadable_first += batch.quarantined[: SHOWN_UNREADABLE - len(done.unreadable_first)]
            handover.give(batch)
            update = session.pipeline.poll()
            done.proposals += [f"#{p.id} {p.scenario_id}: {p.trigger}" for p in update.proposals]

    asyncio.run(read())
    return done
