"""The intake pipeline: what the sources hand over is deduplicated, matched, triaged and
journaled in batches; volumes, trends, campaigns and early-warning signs are judged; a scenario
whose trigger fires has its incident proposed at the incident desk.

`poll` runs off the UI thread. The pipeline's state (counts, trigger windows, signals) is
guarded by one lock, held only for short in-memory updates: a poll matches, journals and counts
its batch outside it, so the screen never waits for a batch. It knows nothing of a screen, and
of the incidents only what `IncidentDesk` asks.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from smwar.clock import Clock
from smwar.engine.assessing import Assessed, Assessor
from smwar.incidents.triggers import TriggerWatch
from smwar.journal.interface import JournalStore
from smwar.model import (
    SYSTEM_ACTOR,
    Event,
    Incident,
    JournaledMention,
    Mention,
    Quarantined,
    Revision,
)
from smwar.runbooks.definitions import (
    TROUBLEMAKER_TAG,
    VIP_TAG,
    Deescalation,
    EarlyWarning,
    RunbookSet,
    Scenario,
    author_tags,
)
from smwar.runbooks.matcher import Matcher, Progress, RuleMatcher
from smwar.triage.campaigns import MAX_CLUSTERS
from smwar.triage.campaigns import SPAN as CAMPAIGN_SPAN
from smwar.triage.signals import ALERT_KINDS, OVERALL, Alert, History, Signals
from smwar.triage.trends import Downtime, Trend

RATE_WINDOW = timedelta(minutes=10)
REVIEW_EVERY = timedelta(seconds=1)  # how often volumes are judged (clock time)
FIRST_TIME_TAG = "first-time"  # no mention of the author's in the journal before
LEARNED_TAG = "learned"  # a troublemaker by the journal's record, not by the runbook's list
LEARN_CUTOFF = -0.3  # the sentiment of mentions that count towards learning a troublemaker
TRAINER_MESSAGE = "drill.message"


@dataclass(frozen=True, slots=True)
class Intake:
    """What sources handed over since the last poll: mentions, where each source now stands
    (committed with the mentions), the items they could not read, and a drill's trainer
    messages."""

    mentions: list[Mention] = field(default_factory=list)
    cursors: dict[str, str] = field(default_factory=dict)
    quarantined: list[Quarantined] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)  # edits and deletions, journaled with the cursors


class MentionSource(Protocol):
    def due(self, now: datetime) -> Intake:
        """What arrived by `now` and was not handed out before."""
        ...

    def put_back(self, intake: Intake) -> None:
        """Take back what `due` handed out but the journal could not keep."""
        ...


class Idle:
    """The source of a journal that is only read (a review, a debrief): nothing more arrives."""

    def due(self, now: datetime) -> Intake:
        return Intake()

    def put_back(self, intake: Intake) -> None:
        raise AssertionError("an idle source hands nothing out")


class IncidentDesk(Protocol):
    """What the pipeline asks of the incidents: all it knows of them."""

    def adopt(self, runbooks: RunbookSet) -> None:
        """Run the incidents by `runbooks` from now on; refused if it drops a scenario with an active incident."""
        ...

    def active_scenarios(self) -> set[str]:
        """The scenarios with an incident that is proposed or open."""
        ...

    def latest_incident(self, scenario_id: str) -> Incident | None:
        """The scenario's newest incident, whatever its status."""
        ...

    def propose(self, scenario: Scenario, now: datetime, why: str) -> Incident | None:
        """Propose an incident of `scenario` because its trigger fired (`why`), unless one is active."""
        ...


@dataclass(frozen=True, slots=True)
class ScenarioStat:
    scenario: Scenario
    count: int
    recent: int
    incident: Incident | None
    trend: Trend | None = None  # as last judged
    warnings: tuple[EarlyWarning, ...] = ()  # early-warning signs that held within the trend window


@dataclass(frozen=True, slots=True)
class Update:
    mentions: tuple[JournaledMention, ...] = ()
    proposals: tuple[Incident, ...] = ()
    messages: tuple[str, ...] = ()
    alerts: tuple[Alert, ...] = ()


class Pipeline:
    def __init__(
        self,
        source: MentionSource,
        journal: JournalStore,
        runbooks: RunbookSet,
        clock: Clock,
        desk: IncidentDesk,
        progress: Progress | None = None,
        workers: int = 0,
    ) -> None:
        """`desk` already runs by `runbooks`; `progress` is told how compiling the runbooks'
        rules goes (a large set takes seconds); `workers`: the processes that assess a big
        batch beside this one (engine/assessing.py)."""
        self.journal = journal
        self.clock = clock
        self.source = source
        self.desk = desk
        self._lock = threading.RLock()  # the state: held briefly, never across a batch's work
        self._pipeline = threading.Lock()  # one poll or reload at a time
        self._counts = journal.match_counts()
        self._watches: dict[str, TriggerWatch] = {}
        self._signals: Signals | None = None  # built when first needed (a session that only reads never)
        self._reviewed: datetime | None = None
        self._workers = workers
        self._arm(runbooks, RuleMatcher(runbooks.scenarios, runbooks.deescalation, progress))

    def _arm(self, runbooks: RunbookSet, matcher: Matcher) -> None:
        """Put `runbooks` in force: its matcher, and trigger windows. A scenario that was in
        force keeps its window (a trigger that fired does not fire again on a reload); a new
        one is seeded from the journal."""
        now = self.clock.now()
        recent: dict[str, deque[datetime]] = {}
        watches: dict[str, TriggerWatch] = {}
        for scenario in runbooks.scenarios:
            window = max(RATE_WINDOW, scenario.trigger.within)
            times = self.journal.match_times(scenario.id, now - window)
            recent[scenario.id] = deque(at for at in times if at >= now - RATE_WINDOW)
            watch = self._watches.get(scenario.id)
            if watch is None:
                # mentions that already fired a proposal do not count again after a restart
                latest = self.desk.latest_incident(scenario.id)
                fired = latest.proposed_at if latest is not None else None
                watch = TriggerWatch(scenario)
                watch.seed(
                    [at for at in times if at >= now - scenario.trigger.within and (fired is None or at > fired)]
                )
            watch.scenario = scenario
            watches[scenario.id] = watch
        self.assessor = Assessor(runbooks, matcher, self._workers)
        self.runbooks, self._recent, self._watches = runbooks, recent, watches
        self.triager = self.assessor.triager
        if self._signals is not None:
            self._signals = self._build_signals(runbooks, now, self._signals)
        learn = runbooks.deescalation.learn_troublemakers
        self.learned = self.journal.negative_authors(LEARN_CUTOFF, learn) if learn else {}

    @property
    def signals(self) -> Signals:
        """Trends, campaigns and early-warning signs of the set in force."""
        with self._lock:
            if self._signals is None:
                self._signals = self._build_signals(self.runbooks, self.clock.now(), None)
            return self._signals

    def _build_signals(self, runbooks: RunbookSet, now: datetime, previous: Signals | None) -> Signals:
        """Volumes seeded from the journal's baseline span (counted per minute by SQLite, the
        last two windows as times); a reload keeps the alerts `previous` raised."""
        trends = runbooks.trends
        start = now - trends.baseline - trends.window
        cut = (now - 2 * trends.window).replace(second=0, microsecond=0)
        keys = {OVERALL: None, **{scenario.id: scenario.id for scenario in runbooks.scenarios}}
        history: dict[str, History] = {
            key: (self.journal.minute_counts(start, cut, scenario_id), self.journal.match_times(scenario_id, cut))
            for key, scenario_id in keys.items()
        }
        last = self.journal.last_mention_at()
        downtime = None
        if last is not None and last < now:
            downtime = Downtime.after(last.timestamp(), now.timestamp(), trends.window.total_seconds())
        # campaigns are gathered again from the journal's latest mentions on a start
        recent = self.journal.recent_mentions(now - CAMPAIGN_SPAN, MAX_CLUSTERS) if previous is None else ()
        return Signals(runbooks, self.journal.first_mention_at() or now, history, previous, downtime, recent)

    def reload(self, runbooks: RunbookSet, *, journaled: bool = True) -> None:
        """Put an edited runbook set in force, at the desk too; refused (the old set stays) if
        it drops a scenario with an active incident. The journal records which set was in force
        when, unless not `journaled`."""
        matcher = RuleMatcher(runbooks.scenarios, runbooks.deescalation)
        with self._pipeline, self._lock:
            self.desk.adopt(runbooks)
            self.assessor.close()  # the old set's workers: the new set's start with its first big batch
            self._arm(runbooks, matcher)
            if journaled:
                scenarios = [scenario.id for scenario in runbooks.scenarios]
                self.journal.append(
                    Event("runbooks.reloaded", self.clock.now(), SYSTEM_ACTOR, payload={"scenarios": scenarios})
                )

    def poll(self) -> Update:
        """Take what the source has due, match, journal it, and propose incidents.

        The pipeline's lock is held only to take the batch and to count it into the state the
        screen reads; matching, journaling and the signals run outside it. `poll` and `reload`
        run one at a time, so the runbooks in force stay the same through a poll. A batch
        shared with worker processes is journaled and counted in a part at a time, while the
        workers assess the next (see `Assessor`).
        """
        with self._pipeline:
            with self._lock:
                signals = self.signals  # built before this poll journals anything: the batch counts once
                now = self.clock.now()
                intake = self.source.due(now)
            stored: list[JournaledMention] = []
            proposals: list[Incident] = []
            alerts: list[Alert] = []
            unsaid: list[Alert] = []  # the last part's alerts: journaled with the poll's messages

            def count_in(part: list[JournaledMention], last: bool) -> None:
                """A journaled part: the incidents it proposes and the alerts it raises (the
                volumes are judged after the last)."""
                with self._lock:
                    proposals.extend(
                        proposal
                        for item in part
                        for match in item.matches
                        if (proposal := self._observe(match.scenario_id, now, VIP_TAG in item.author_tags)) is not None
                    )
                    quiet = self.desk.active_scenarios()
                raised = self._alerts(signals, part, now, quiet, judge=last)
                if last:
                    unsaid.extend(raised)
                elif raised:
                    alerts.extend(_journaled(raised, self.journal.append_all([_alert_event(a, now) for a in raised])))
                stored.extend(part)

            self._journal(intake, now, count_in)
            messages = [Event(TRAINER_MESSAGE, now, SYSTEM_ACTOR, payload={"text": text}) for text in intake.messages]
            if messages or unsaid:
                said = self.journal.append_all([*messages, *(_alert_event(alert, now) for alert in unsaid)])
                alerts.extend(_journaled(unsaid, said[len(messages) :]))
            return Update(tuple(stored), tuple(proposals), tuple(intake.messages), tuple(alerts))

    def _journal(self, intake: Intake, now: datetime, count_in: Callable[[list[JournaledMention], bool], None]) -> None:
        """Match and triage the mentions not journaled yet (a repeat is not worth matching),
        and journal them with the sources' cursors and unreadable items (those with the last
        part of a shared batch: one cut short is taken again, its journaled parts skipped as
        repeats); `count_in(part, last)` is told of each part as it is journaled."""
        if not (intake.mentions or intake.cursors or intake.quarantined or intake.revisions):
            count_in([], True)
            return
        with self._kept(intake):
            mentions = self.journal.unseen(intake.mentions)
            known = self.journal.known_authors({(mention.network, mention.author) for mention in mentions})
        deescalation = self.runbooks.deescalation
        tagged = [(mention, tags_for(mention, deescalation, known, self.learned)) for mention in mentions]

        def journal_part(start: int, assessed: list[Assessed]) -> None:
            end = start + len(assessed)
            last = end == len(tagged)
            batch = [
                (mention, now, matches, tags, triage)
                for (mention, tags), (matches, triage) in zip(tagged[start:end], assessed, strict=True)
            ]
            part = self.journal.add_mentions(
                batch,
                cursors=intake.cursors if last else None,
                quarantined=intake.quarantined if last else (),
                revisions=intake.revisions if last else (),
            )
            count_in(part, last)

        with self._kept(intake):
            self.assessor.assess_each(tagged, journal_part)

    def close(self) -> None:
        """End the worker processes, if any started."""
        with self._pipeline:
            self.assessor.close()

    @contextmanager
    def _kept(self, intake: Intake) -> Iterator[None]:
        """Hand `intake` back to the source if the journal fails: nothing is lost, the next poll tries again."""
        try:
            yield
        except Exception:
            self.source.put_back(intake)
            raise

    def _alerts(
        self, signals: Signals, stored: list[JournaledMention], now: datetime, quiet: set[str], judge: bool
    ) -> list[Alert]:
        """Count the new mentions into the volumes and, if `judge`, judge them (at most once a
        second); no early warning or spike for a scenario in `quiet` (its incident is active)."""
        alerts = [alert for item in stored for alert in signals.observe(item, now, quiet)]
        if judge and (self._reviewed is None or now - self._reviewed >= REVIEW_EVERY):
            self._reviewed = now
            alerts += signals.review(now, quiet)
        return alerts

    def watch(self, stored: Sequence[JournaledMention]) -> None:
        """Count mentions another process journaled into what the board and the signals
        show, as that process's pipeline counted them; nothing is proposed or alerted here
        (the other process did that, and journaled it)."""
        with self._lock:
            now = self.clock.now()
            for item in stored:
                for match in item.matches:
                    self._count(match.scenario_id, now)
            signals = self.signals
            quiet = self.desk.active_scenarios()
        for item in stored:
            signals.observe(item, now, quiet)

    def _count(self, scenario_id: str, now: datetime) -> bool:
        """Count a match into the board's figures; False if its scenario is no longer in force."""
        self._counts[scenario_id] = self._counts.get(scenario_id, 0) + 1
        if scenario_id not in self._recent:  # matched by a set that a reload has since replaced
            return False
        self._recent[scenario_id].append(now)
        _trim(self._recent[scenario_id], now)
        return True

    def _observe(self, scenario_id: str, now: datetime, from_vip: bool) -> Incident | None:
        watch = self._watches.get(scenario_id)
        if not self._count(scenario_id, now) or watch is None:
            return None
        why = watch.observe(now, from_vip)
        if why is None:
            return None
        return self.desk.propose(self.runbooks.scenario(scenario_id), now, why)

    def scenario_stats(self) -> list[ScenarioStat]:
        """What the board shows of each scenario: its matches, all and recent, its trend and
        warnings, and its newest incident."""
        with self._lock:
            now, stats = self.clock.now(), []
            for scenario in self.runbooks.scenarios:
                recent = _trim(self._recent[scenario.id], now)
                count = self._counts.get(scenario.id, 0)
                trend = self.signals.trends.get(scenario.id)
                warnings = tuple(self.signals.raised(scenario.id, now))
                stats.append(
                    ScenarioStat(scenario, count, len(recent), self.desk.latest_incident(scenario.id), trend, warnings)
                )
            return stats


def tags_for(
    mention: Mention, deescalation: Deescalation, known: set[tuple[str, str]], learned: Mapping[tuple[str, str], int]
) -> tuple[str, ...]:
    """The plan's tags for the author, and what the journal knows: a first-time author
    (`known` gets them, so a second mention in the batch is not first-time), or a
    troublemaker `learned` from negative mentions in earlier incidents."""
    tags = list(author_tags(deescalation, mention.network, mention.author, mention.followers))
    who = (mention.network, mention.author)
    if who not in known:
        tags.append(FIRST_TIME_TAG)
        known.add(who)
    if who in learned and TROUBLEMAKER_TAG not in tags:
        tags += [TROUBLEMAKER_TAG, LEARNED_TAG]
    return tuple(tags)


ALERT_EVENT_KINDS = frozenset(ALERT_KINDS.values())


def alert_from(event: Event) -> Alert:
    """The alert a journaled alert event holds (see `_alert_event`)."""
    kind = next(kind for kind, journaled in ALERT_KINDS.items() if journaled == event.kind)
    payload = event.payload
    return Alert(
        kind,
        payload["scenario"],
        payload["title"],
        payload["detail"],
        payload.get("mention_id"),
        payload.get("author"),
        event.id,
    )


def _journaled(alerts: Sequence[Alert], events: Sequence[Event]) -> list[Alert]:
    """`alerts` with the ids of the `events` that journaled them, in their order."""
    return [replace(alert, event_id=event.id) for alert, event in zip(alerts, events, strict=True)]


def _alert_event(alert: Alert, now: datetime) -> Event:
    """How an alert is journaled."""
    payload = {"scenario": alert.scenario_id, "title": alert.title, "detail": alert.detail}
    if alert.mention_id is not None:
        payload["mention_id"] = alert.mention_id
    if alert.author is not None:
        payload["author"] = alert.author
    return Event(alert.event_kind, now, SYSTEM_ACTOR, payload=payload)


def _trim(recent: deque[datetime], now: datetime) -> deque[datetime]:
    """`recent` without the arrivals older than the rate window."""
    while recent and recent[0] < now - RATE_WINDOW:
        recent.popleft()
    return recent
