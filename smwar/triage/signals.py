"""What the feed as a whole says, beyond each mention: spikes and trends per scenario and
overall, copy-paste campaigns, and the runbook's early-warning signs, each raised once as an
alert for the operator (and the journal).

The pipeline's thread counts mentions in; the screen reads the trends, the raised signs and
the campaigns meanwhile: `trends` is replaced whole when the volumes are judged, the raised
signs are kept under a lock of their own, and the campaigns under theirs."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from smwar.model import JournaledMention
from smwar.plaintext import excerpt
from smwar.runbooks.definitions import ALL_MENTIONS, EarlyWarning, Rule, RunbookSet
from smwar.runbooks.matcher import RuleMatcher
from smwar.triage.campaigns import Campaigns, Cluster
from smwar.triage.sentiment import NEGATIVE, label_of
from smwar.triage.trends import Downtime, Trend, Volume

OVERALL = "*"  # the key of all mentions' volume
History = tuple[Sequence[tuple[datetime, int]], Sequence[datetime]]
SPIKE, WARNING, CAMPAIGN = "spike", "warning", "campaign"
ALERT_KINDS = {kind: f"alert.{kind}" for kind in (SPIKE, WARNING, CAMPAIGN)}  # as journaled


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str  # SPIKE, WARNING or CAMPAIGN
    scenario_id: str | None  # None: about all mentions
    title: str
    detail: str
    mention_id: int | None = None  # the mention that raised it, if one did
    author: str | None = None  # its author (kept out of `detail`, which post-mortems quote)
    event_id: int | None = None  # the event that journaled it, once journaled

    @property
    def event_kind(self) -> str:
        return ALERT_KINDS[self.kind]


@dataclass(frozen=True, slots=True)
class _SignTarget:
    """An early-warning sign's terms, shaped for the rule matcher."""

    id: str
    rule: list[Rule]
    threshold: float = 0.5
    unless: tuple[str, ...] = ()
    unless_same_words: bool = False


def _sign_key(scenario_id: str, sign: EarlyWarning) -> str:
    return f"{scenario_id}/{sign.id}"


class Signals:
    def __init__(
        self,
        runbooks: RunbookSet,
        since: datetime | None,
        history: Mapping[str, History],
        previous: Signals | None = None,
        downtime: Downtime | None = None,
        recent: Sequence[JournaledMention] = (),
    ) -> None:
        """`history`: from the journal, per scenario id and OVERALL, counts per minute and then
        the arrival times of the last two windows; `previous`: the signals of the set this one
        replaces, whose raised signs stay raised (and whose `downtime` stays); `downtime`: the
        time smwar did not run before it started (None with no `history` either: an empty
        journal, started at `since`);
        `recent`: the journal's latest mentions, oldest first, which campaigns are gathered from
        again (those already campaigns were announced before)."""
        self.settings = runbooks.trends
        journaled = any(minutes or times for minutes, times in history.values())
        if previous is None and downtime is None and since is not None and not journaled:
            downtime = Downtime.cold(since.timestamp())
        self.downtime = previous.downtime if previous else downtime
        self.volumes: dict[str, Volume] = {}
        for key in [OVERALL, *(scenario.id for scenario in runbooks.scenarios)]:
            expected = self.settings.expected.get(ALL_MENTIONS if key == OVERALL else key)
            self.volumes[key] = Volume(self.settings, since, self.downtime, expected)
            minutes, times = history.get(key, ((), ()))
            self.volumes[key].seed(minutes, times)
        self.signs = {
            _sign_key(scenario.id, sign): (scenario.id, sign)
            for scenario in runbooks.scenarios
            for sign in scenario.early_warning
        }
        worded = [
            _SignTarget(key, [Rule(id=sign.id, any=sign.any)]) for key, (_, sign) in self.signs.items() if sign.any
        ]
        self.sign_matcher = RuleMatcher(worded, runbooks.deescalation)
        self.campaigns = previous.campaigns if previous else Campaigns()
        self.trends: dict[str, Trend] = dict(previous.trends) if previous else {}
        self._lock = threading.Lock()  # over `last_hit`
        self.last_hit: dict[str, datetime] = dict(previous.last_hit) if previous else {}
        self.announced: set[int] = previous.announced if previous else set()  # campaigns alerted
        for item in recent:
            self._file(item)
        self.announced |= {cluster.id for cluster in self.campaigns.campaigns() if cluster.scenarios}

    def observe(self, item: JournaledMention, now: datetime, quiet: set[str]) -> list[Alert]:
        """Count a new mention in; the alerts it raises (no early warning for a scenario in
        `quiet`: one with an active incident)."""
        mood = item.triage.sentiment if item.triage else None
        negative = None if mood is None else label_of(mood) == NEGATIVE
        self.volumes[OVERALL].observe(now, negative)
        matched = {match.scenario_id for match in item.matches}
        for scenario_id in matched:
            if scenario_id in self.volumes:
                self.volumes[scenario_id].observe(now, negative)
        alerts: list[Alert] = []
        hits = {match.scenario_id for match in self.sign_matcher.match(item.mention)}
        for key, (scenario_id, sign) in self.signs.items():
            by_author = scenario_id in matched and any(tag in item.author_tags for tag in sign.authors)
            if key in hits or by_author:
                alerts += self._raise(key, now, quiet, _excerpt(item), item)
        cluster = self._file(item)
        # a campaign about a scenario is alerted; copies of chatter only gather in the queue
        if cluster is not None and cluster.is_campaign and cluster.scenarios and cluster.id not in self.announced:
            self.announced.add(cluster.id)
            alerts.append(_campaign_alert(cluster))
        return alerts

    def _file(self, item: JournaledMention) -> Cluster | None:
        """File a mention, and what it matched, with the campaigns."""
        mention = item.mention
        scenarios = {match.scenario_id for match in item.matches}
        return self.campaigns.add(item.id, mention.network, mention.author, mention.text, item.received_at, scenarios)

    def review(self, now: datetime, quiet: set[str]) -> list[Alert]:
        """Judge every volume now; the spikes that start (not for a scenario in `quiet`: its
        incident is being worked) and the mood signs that hold."""
        alerts: list[Alert] = []
        window = _minutes(self.settings.window.total_seconds())
        trends = {key: volume.trend(now) for key, volume in self.volumes.items()}
        for key, trend in trends.items():
            before = self.trends.get(key)
            if trend.spike and not (before and before.burst) and key not in quiet:
                title = "Spike in all mentions" if key == OVERALL else "Spike"
                detail = f"{trend.count} mentions in the last {window}; about {trend.expected:.0f} are usual"
                alerts.append(Alert(SPIKE, None if key == OVERALL else key, title, detail))
        self.trends = {**self.trends, **trends}
        for key, (scenario_id, sign) in self.signs.items():
            trend = self.trends.get(scenario_id)
            if sign.negative_share is None or trend is None or trend.negative_share is None:
                continue
            if trend.count >= sign.min_mentions and trend.negative_share >= sign.negative_share:
                alerts += self._raise(key, now, quiet, f"{trend.negative_share:.0%} negative of {trend.count}")
        return alerts

    def raised(self, scenario_id: str, now: datetime) -> list[EarlyWarning]:
        """The signs of a scenario that held within the last window."""
        with self._lock:
            hits = {key: self.last_hit.get(key) for key, (owner, _) in self.signs.items() if owner == scenario_id}
        return [self.signs[key][1] for key, at in hits.items() if at is not None and now - at <= self.settings.window]

    def _raise(
        self, key: str, now: datetime, quiet: set[str], why: str, item: JournaledMention | None = None
    ) -> list[Alert]:
        """An alert for a sign, unless it held within the last window already (it is raised
        again after a quiet window) or its scenario has an active incident."""
        scenario_id, sign = self.signs[key]
        with self._lock:
            last = self.last_hit.get(key)
            self.last_hit[key] = now
        if scenario_id in quiet or (last is not None and now - last <= self.settings.window):
            return []
        title = f"Early warning: {sign.title}"
        if item is None:
            return [Alert(WARNING, scenario_id, title, why)]
        return [Alert(WARNING, scenario_id, title, why, item.id, item.mention.author)]


def _excerpt(item: JournaledMention) -> str:
    return f"{item.mention.network}: “{excerpt(item.mention.text, 80)}”"


def _campaign_alert(cluster: Cluster) -> Alert:
    return Alert(
        CAMPAIGN,
        min(cluster.scenarios),
        f"Copy-paste campaign: {len(cluster.authors)} authors",
        f"“{excerpt(cluster.text, 80)}” — answer it once",
        cluster.id,
    )


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g} min"
