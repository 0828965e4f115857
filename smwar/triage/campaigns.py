"""Copy-paste campaigns: near-identical texts from different authors within a span, gathered
into one cluster so the operator answers the campaign once instead of each copy.

A text joins the cluster whose first text it resembles most (rapidfuzz's ratio on the text
with links, handles and case stripped), if that is at least `SIMILAR`; otherwise it starts a
cluster of its own. Only clusters that share a run of three words with it are compared, so
the cost stays flat however many clusters there are. A cluster is a campaign once
`CAMPAIGN_AUTHORS` different authors posted into it. Clusters quiet for the span are forgotten,
and the least recently joined beyond `MAX_CLUSTERS`, so memory stays bounded in a flood."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from rapidfuzz import fuzz, process

from smwar.runbooks.text import analysed

SIMILAR = 88.0  # rapidfuzz ratio, 0-100
CAMPAIGN_AUTHORS = 3
MIN_LENGTH = 25  # shorter texts ("+1", "same here") are alike without being a campaign
SPAN = timedelta(hours=3)
MAX_CLUSTERS = 10_000  # beyond this many, the least recently joined are forgotten first
MAX_KEPT = 100  # authors and mention ids kept per cluster (a campaign is one long before)
CANDIDATES = 20  # the clusters sharing most runs of words with a text are compared with it
NOISE = re.compile(r"https?://\S+|@[\w.-]+|[^\w\s#]", re.UNICODE)


@dataclass(slots=True)
class Cluster:
    id: int  # the journal id of its first mention
    text: str  # that mention's text
    first_at: datetime
    last_at: datetime
    authors: set[tuple[str, str]] = field(default_factory=set)  # (network, author), up to MAX_KEPT
    members: list[int] = field(default_factory=list)  # journal ids of its first MAX_KEPT mentions
    size: int = 0  # all its mentions
    scenarios: set[str] = field(default_factory=set)  # what its mentions matched

    @property
    def authors_shown(self) -> str:
        """How many authors, "100+" once no more are kept."""
        return f"{len(self.authors)}{'+' if len(self.authors) >= MAX_KEPT else ''}"

    @property
    def is_campaign(self) -> bool:
        return len(self.authors) >= CAMPAIGN_AUTHORS


def shape(text: str) -> str:
    """The text as compared: its analysed start, without links, handles, punctuation, case and
    extra spaces (copies of one campaign text agree in their start too)."""
    return " ".join(NOISE.sub(" ", analysed(text)).casefold().split())


def shingles(shaped: str) -> set[int]:
    """Its runs of three words (a short text: the whole text), hashed."""
    words = shaped.split()
    if len(words) < 3:
        return {hash(shaped)}
    return set(map(hash, map(" ".join, zip(words, words[1:], words[2:], strict=False))))


class Campaigns:
    """Filed from the pipeline's thread and looked up from the screen's: one lock guards it."""

    def __init__(self, span: timedelta = SPAN) -> None:
        self.span = span
        self._lock = threading.Lock()
        self._clusters: OrderedDict[int, Cluster] = OrderedDict()  # least recently joined first
        self._shapes: dict[int, str] = {}
        self._by_shingle: defaultdict[int, set[int]] = defaultdict(set)

    def add(
        self, mention_id: int, network: str, author: str, text: str, at: datetime, scenarios: Collection[str] = ()
    ) -> Cluster | None:
        """File a mention, which matched `scenarios`; its cluster when it is part of one (of
        any size), else None."""
        with self._lock:
            cluster = self._add(mention_id, network, author, text, at)
            if cluster is not None:
                cluster.scenarios.update(scenarios)
            return cluster

    def _add(self, mention_id: int, network: str, author: str, text: str, at: datetime) -> Cluster | None:
        self._forget(at)
        shaped = shape(text)
        if len(shaped) < MIN_LENGTH:
            return None
        runs = shingles(shaped)
        cluster = self._closest(shaped, runs)
        if cluster is None:
            cluster = Cluster(mention_id, text, at, at)
            self._clusters[mention_id] = cluster
            self._shapes[mention_id] = shaped
            for run in runs:
                self._by_shingle[run].add(mention_id)
        else:
            cluster.last_at = max(cluster.last_at, at)
            self._clusters.move_to_end(cluster.id)
        if len(cluster.authors) < MAX_KEPT:
            cluster.authors.add((network, author.casefold()))
        if len(cluster.members) < MAX_KEPT:
            cluster.members.append(mention_id)
        cluster.size += 1
        return cluster

    def find(self, text: str) -> Cluster | None:
        """The cluster a mention with `text` belongs to, while it is remembered (nothing is
        filed), as it is now: a copy, which mentions filed later leave as it is."""
        shaped = shape(text)
        if len(shaped) < MIN_LENGTH:
            return None
        with self._lock:
            cluster = self._closest(shaped, shingles(shaped))
            return _copy(cluster) if cluster is not None else None

    def campaigns(self) -> list[Cluster]:
        """The clusters that are campaigns, biggest first (copies, as `find` gives)."""
        with self._lock:
            found = [_copy(cluster) for cluster in self._clusters.values() if cluster.is_campaign]
        return sorted(found, key=lambda cluster: (-len(cluster.authors), cluster.first_at))

    def _closest(self, shaped: str, runs: set[int]) -> Cluster | None:
        shared: dict[int, int] = {}  # cluster id -> runs shared (counted without Counter's overhead a call)
        for run in runs:
            for cluster_id in self._by_shingle.get(run, ()):
                shared[cluster_id] = shared.get(cluster_id, 0) + 1
        most = sorted(shared, key=shared.__getitem__, reverse=True)[:CANDIDATES]
        candidates = {cluster_id: self._shapes[cluster_id] for cluster_id in most}
        found = process.extractOne(shaped, candidates, scorer=fuzz.ratio, score_cutoff=SIMILAR)
        return self._clusters[found[2]] if found else None

    def _forget(self, now: datetime) -> None:
        while self._clusters:
            oldest = next(iter(self._clusters.values()))
            if now - oldest.last_at <= self.span and len(self._clusters) < MAX_CLUSTERS:
                break
            for run in shingles(self._shapes.pop(oldest.id)):
                self._by_shingle[run].discard(oldest.id)
                if not self._by_shingle[run]:
                    del self._by_shingle[run]
            del self._clusters[oldest.id]


def _copy(cluster: Cluster) -> Cluster:
    return replace(
        cluster, authors=set(cluster.authors), members=list(cluster.members), scenarios=set(cluster.scenarios)
    )
