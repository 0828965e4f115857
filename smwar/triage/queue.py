"""What to answer next: the mentions the de-escalation plan says to respond to (then those to
watch), by the priority of their request type, the author's reach and arrival; a copy-paste
campaign is one entry, answered once; mentions already answered are gone."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from smwar.model import JournaledMention
from smwar.runbooks.definitions import RunbookSet
from smwar.triage.campaigns import Cluster
from smwar.triage.decide import RESPOND

WATCH = "watch"
ACTION_RANK = {RESPOND: 0, WATCH: 1}
NO_PRIORITY = 10  # after every request type's (1…9)


@dataclass(frozen=True, slots=True)
class QueueEntry:
    item: JournaledMention
    priority: int  # of its most urgent request type; NO_PRIORITY without one
    request_type: str | None  # that type's title
    owner: str  # whose job: the request type's owner, else the channel's
    copies: int  # mentions of its campaign it stands for (1: only itself)

    @property
    def reach(self) -> int:
        return self.item.mention.followers or 0


def answer_queue(
    items: Iterable[JournaledMention],
    runbooks: RunbookSet,
    answered: Mapping[int, str],
    campaign_of: Callable[[str], Cluster | None],
) -> list[QueueEntry]:
    """The entries in the order to answer them, leaving out the `answered` mentions (by id,
    with their texts); a campaign one of whose copies was answered is answered."""
    items = list(items)
    entries: list[QueueEntry] = []
    seen: dict[int, int] = {}  # campaign id -> index of its entry
    campaigns = {item.id: _campaign(item.mention.text, campaign_of) for item in items}
    done = {cluster.id for text in answered.values() if (cluster := _campaign(text, campaign_of)) is not None}
    ranked = sorted(
        (item for item in items if item.triage and item.triage.action in ACTION_RANK and item.id not in answered),
        key=lambda item: _rank(item, runbooks),
    )
    for item in ranked:
        cluster = campaigns[item.id]
        if cluster is not None and cluster.id in done:
            continue
        if cluster is not None:
            if cluster.id in seen:
                entry = entries[seen[cluster.id]]
                entries[seen[cluster.id]] = QueueEntry(
                    entry.item, entry.priority, entry.request_type, entry.owner, entry.copies + 1
                )
                continue
            seen[cluster.id] = len(entries)
        entries.append(_entry(item, runbooks))
    return entries


def _campaign(text: str, campaign_of: Callable[[str], Cluster | None]) -> Cluster | None:
    cluster = campaign_of(text)
    return cluster if cluster is not None and cluster.is_campaign else None


def _rank(item: JournaledMention, runbooks: RunbookSet) -> tuple[int, int, int, float]:
    assert item.triage is not None
    action, priority = ACTION_RANK[str(item.triage.action)], _priority(item, runbooks)[0]
    return (action, priority, -(item.mention.followers or 0), item.received_at.timestamp())


def _priority(item: JournaledMention, runbooks: RunbookSet) -> tuple[int, str | None, str | None]:
    """The most urgent of its request types: priority, title, owner."""
    kinds = [runbooks.find_request_type(kind) for kind in (item.triage.request_types if item.triage else ())]
    known = sorted((kind for kind in kinds if kind is not None), key=lambda kind: kind.priority)
    return (known[0].priority, known[0].title, known[0].owner) if known else (NO_PRIORITY, None, None)


def _entry(item: JournaledMention, runbooks: RunbookSet) -> QueueEntry:
    priority, title, owner = _priority(item, runbooks)
    channel = runbooks.channel(item.mention.network)
    return QueueEntry(item, priority, title, owner or (channel.owner if channel else "—"), 1)
