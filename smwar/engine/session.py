"""A session: the pipeline from a mention source to the journal, and the operator's actions.

`poll` runs off the UI thread; operator actions run on the UI thread, notification results
arrive from a worker. The session's state (incidents, counts, trigger windows) is guarded by
one lock, held only for short in-memory updates and the operator's commits: a poll matches,
journals and counts its batch outside it, so the screen never waits for a batch. Every action
is committed to the journal before the new state is returned, so nothing the screen shows as
done can be lost.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from smwar.clock import Clock
from smwar.errors import SmwarError
from smwar.incidents import chain
from smwar.incidents.metrics import IncidentMetrics, measure
from smwar.incidents.triggers import TriggerWatch
from smwar.journal.store import Journal
from smwar.model import (
    SYSTEM_ACTOR,
    Delivery,
    Event,
    Incident,
    IncidentStatus,
    JournaledMention,
    Mention,
    Quarantined,
)
from smwar.review.report import FAILED, REPLIED
from smwar.runbooks.definitions import (
    TROUBLEMAKER_TAG,
    VIP_TAG,
    Deescalation,
    EarlyWarning,
    RunbookSet,
    Scenario,
    Step,
    author_tags,
)
from smwar.runbooks.matcher import Matcher, Progress, RuleMatcher
from smwar.triage.campaigns import MAX_CLUSTERS
from smwar.triage.campaigns import SPAN as CAMPAIGN_SPAN
from smwar.triage.decide import Triager
from smwar.triage.signals import OVERALL, Alert, History, Signals
from smwar.triage.trends import Downtime, Trend

RATE_WINDOW = timedelta(minutes=10)
REVIEW_EVERY = timedelta(seconds=1)  # how often volumes are judged (clock time)
FIRST_TIME_TAG = "first-time"  # no mention of the author's in the journal before
LEARNED_TAG = "learned"  # a troublemaker by the journal's record, not by the runbook's list
LEARN_CUTOFF = -0.3  # the sentiment of mentions that count towards learning a troublemaker
TRAINER_MESSAGE = "drill.message"
ACTIVE = (IncidentStatus.PROPOSED, IncidentStatus.OPEN)


@dataclass(frozen=True, slots=True)
class Intake:
    """What sources handed over since the last poll: mentions, where each source now stands
    (committed with the mentions), the items they could not read, and a drill's trainer
    messages."""

    mentions: list[Mention] = field(default_factory=list)
    cursors: dict[str, str] = field(default_factory=dict)
    quarantined: list[Quarantined] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


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


class Session:
    def __init__(
        self,
        journal: Journal,
        runbooks: RunbookSet,
        clock: Clock,
        source: MentionSource,
        operator: str,
        progress: Progress | None = None,
    ) -> None:
        """`progress` is told how compiling the runbooks' rules goes (a large set takes seconds)."""
        self.journal = journal
        self.clock = clock
        self.source = source
        self.operator = operator
        self._lock = threading.RLock()  # the state: held briefly, never across a batch's work
        self._pipeline = threading.Lock()  # one poll or reload at a time
        self._events: dict[int, list[Event]] = {}
        for event in journal.events():
            if event.incident_id is not None:
                self._events.setdefault(event.incident_id, []).append(event)
        self._incidents = {incident_id: chain.replay(events) for incident_id, events in self._events.items()}
        self._counts = journal.match_counts()
        self._watches: dict[str, TriggerWatch] = {}
        self._signals: Signals | None = None  # built when first needed (a session that only reads never)
        self._reviewed: datetime | None = None
        self._arm(runbooks, RuleMatcher(runbooks.scenarios, runbooks.deescalation, progress))

    def _arm(self, runbooks: RunbookSet, matcher: Matcher) -> None:
        """Put `runbooks` in force: its matcher, and trigger windows. A scenario that was in
        force keeps its window (a trigger that fired does not fire again on a reload); a new
        one is seeded from the journal."""
        missing = sorted(
            {i.scenario_id for i in self._incidents.values() if i.status in ACTIVE}
            - {scenario.id for scenario in runbooks.scenarios}
        )
        if missing:
            raise SmwarError(
                f"scenario {', '.join(map(repr, missing))} has an active incident in this journal "
                "but is missing from the runbooks; put it back or close the incident first"
            )
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
                latest = self.latest_incident(scenario.id)
                fired = latest.proposed_at if latest is not None else None
                watch = TriggerWatch(scenario)
                watch.seed(
                    [at for at in times if at >= now - scenario.trigger.within and (fired is None or at > fired)]
                )
            watch.scenario = scenario
            watches[scenario.id] = watch
        self.matcher, self.runbooks, self._recent, self._watches = matcher, runbooks, recent, watches
        self.triager = Triager(runbooks)
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
        downtime = Downtime(last.timestamp(), now.timestamp()) if last is not None and last < now else None
        # campaigns are gathered again from the journal's latest mentions on a start
        recent = self.journal.recent_mentions(now - CAMPAIGN_SPAN, MAX_CLUSTERS) if previous is None else ()
        return Signals(runbooks, self.journal.first_mention_at() or now, history, previous, downtime, recent)

    def reload(self, runbooks: RunbookSet) -> None:
        """Put an edited runbook set in force; refused (the old set stays) if it drops a
        scenario with an active incident. The journal records which set was in force when."""
        matcher = RuleMatcher(runbooks.scenarios, runbooks.deescalation)
        with self._pipeline, self._lock:
            self._arm(runbooks, matcher)
            scenarios = [scenario.id for scenario in runbooks.scenarios]
            self.journal.append(
                Event("runbooks.reloaded", self.clock.now(), SYSTEM_ACTOR, payload={"scenarios": scenarios})
            )

    # -- the pipeline ------------------------------------------------------------------

    def poll(self) -> Update:
        """Take what the source has due, match, journal it, and propose incidents.

        The session's lock is held only to take the batch and to count it into the state the
        screen reads; matching, journaling and the signals run outside it. `poll` and `reload`
        run one at a time, so the runbooks in force stay the same through a poll.
        """
        with self._pipeline:
            with self._lock:
                signals = self.signals  # built before this poll journals anything: the batch counts once
                now = self.clock.now()
                intake = self.source.due(now)
            stored = self._journal(intake, now)
            with self._lock:
                proposals = [
                    proposal
                    for item in stored
                    for match in item.matches
                    if (proposal := self._observe(match.scenario_id, now, VIP_TAG in item.author_tags)) is not None
                ]
                quiet = {i.scenario_id for i in self._incidents.values() if i.status in ACTIVE}
            alerts = self._alerts(signals, stored, now, quiet)
            messages = [Event(TRAINER_MESSAGE, now, SYSTEM_ACTOR, payload={"text": text}) for text in intake.messages]
            if messages or alerts:
                self.journal.append_all([*messages, *(_alert_event(alert, now) for alert in alerts)])
            return Update(tuple(stored), tuple(proposals), tuple(intake.messages), tuple(alerts))

    def _journal(self, intake: Intake, now: datetime) -> list[JournaledMention]:
        """Match and triage the mentions not journaled yet (a repeat is not worth matching),
        and journal them with the sources' cursors and unreadable items."""
        if not (intake.mentions or intake.cursors or intake.quarantined):
            return []
        with self._kept(intake):
            mentions = self.journal.unseen(intake.mentions)
            known = self.journal.known_authors({(mention.network, mention.author) for mention in mentions})
        deescalation = self.runbooks.deescalation
        batch = []
        for mention in mentions:
            matches = self.matcher.match(mention)
            tags = tags_for(mention, deescalation, known, self.learned)
            triage = self.triager.triage(mention, tags, [match.scenario_id for match in matches])
            batch.append((mention, now, matches, tags, triage))
        with self._kept(intake):
            return self.journal.add_mentions(batch, cursors=intake.cursors, quarantined=intake.quarantined)

    @contextmanager
    def _kept(self, intake: Intake) -> Iterator[None]:
        """Hand `intake` back to the source if the journal fails: nothing is lost, the next poll tries again."""
        try:
            yield
        except Exception:
            self.source.put_back(intake)
            raise

    def _alerts(self, signals: Signals, stored: list[JournaledMention], now: datetime, quiet: set[str]) -> list[Alert]:
        """Count the new mentions into the volumes and judge them (at most once a second); no
        early warning or spike for a scenario in `quiet` (its incident is active)."""
        alerts = [alert for item in stored for alert in signals.observe(item, now, quiet)]
        if self._reviewed is None or now - self._reviewed >= REVIEW_EVERY:
            self._reviewed = now
            alerts += signals.review(now, quiet)
        return alerts

    def _observe(self, scenario_id: str, now: datetime, from_vip: bool) -> Incident | None:
        self._counts[scenario_id] = self._counts.get(scenario_id, 0) + 1
        watch = self._watches.get(scenario_id)
        if watch is None:  # matched by a set that a reload has since replaced
            return None
        self._recent[scenario_id].append(now)
        _trim(self._recent[scenario_id], now)
        why = watch.observe(now, from_vip)
        if why is None or self.active_incident(scenario_id) is not None:
            return None
        scenario = self.runbooks.scenario(scenario_id)
        return self._record(chain.propose(scenario, now, why, SYSTEM_ACTOR), new_incident=scenario_id)

    # -- what the screen shows ---------------------------------------------------------

    def incidents(self) -> list[Incident]:
        with self._lock:
            return sorted(self._incidents.values(), key=lambda incident: incident.id)

    def incident(self, incident_id: int) -> Incident:
        with self._lock:
            return self._incidents[incident_id]

    def active_incident(self, scenario_id: str) -> Incident | None:
        """The scenario's incident that is proposed or open, if any (there is at most one)."""
        latest = self.latest_incident(scenario_id)
        return latest if latest is not None and latest.status in ACTIVE else None

    def latest_incident(self, scenario_id: str) -> Incident | None:
        """The scenario's newest incident, whatever its status."""
        with self._lock:
            mine = [i for i in self._incidents.values() if i.scenario_id == scenario_id]
            return max(mine, key=lambda incident: incident.id, default=None)

    def scenario_stats(self) -> list[ScenarioStat]:
        with self._lock:
            now, stats = self.clock.now(), []
            for scenario in self.runbooks.scenarios:
                recent = _trim(self._recent[scenario.id], now)
                count = self._counts.get(scenario.id, 0)
                trend = self.signals.trends.get(scenario.id)
                warnings = tuple(self.signals.raised(scenario.id, now))
                stats.append(
                    ScenarioStat(scenario, count, len(recent), self.latest_incident(scenario.id), trend, warnings)
                )
            return stats

    # -- operator actions: each committed durably before it returns --------------------

    def open_incident(self, incident_id: int, goal: str) -> Incident:
        with self._lock:
            event = chain.open_incident(self.incident(incident_id), goal, self.clock.now(), self.operator)
            return self._record(event, status=IncidentStatus.OPEN)

    def open_from_mention(self, item: JournaledMention, scenario_id: str, goal: str) -> Incident:
        """Open an incident by hand for a mention the triggers did not (yet) act on: proposal,
        opening and link are committed together."""
        with self._lock:
            scenario = self.runbooks.scenario(scenario_id)
            self.check_can_open(scenario_id)
            now = self.clock.now()
            trigger = f"opened by hand from mention #{item.id}"
            proposal = chain.propose(scenario, now, trigger, self.operator, first_seen=item.received_at)
            goal_event = Event(chain.OPENED, now, self.operator, payload={"goal": chain.text(goal, "state the goal")})
            link_event = Event(chain.LINKED, now, self.operator, payload={"mention_id": item.id})
            stored = self.journal.append_new_incident(
                [proposal, goal_event, link_event], scenario_id, IncidentStatus.OPEN
            )
            for event in stored:
                self._remember(event)
            return self.incident(stored[0].incident_id or 0)

    def check_can_open(self, scenario_id: str) -> None:
        """Refuse opening a second active incident of one scenario."""
        active = self.active_incident(scenario_id)
        if active is not None:
            title = self.runbooks.scenario(scenario_id).title
            raise chain.ChainError(f"{title} already has incident #{active.id}; link the mention to it instead")

    def dismiss_incident(self, incident_id: int, reason: str) -> Incident:
        with self._lock:
            event = chain.dismiss(self.incident(incident_id), reason, self.clock.now(), self.operator)
            return self._record(event, status=IncidentStatus.DISMISSED)

    def resolve_incident(self, incident_id: int, outcome: str) -> Incident:
        with self._lock:
            event = chain.resolve(self.incident(incident_id), outcome, self.clock.now(), self.operator)
            return self._record(event, status=IncidentStatus.RESOLVED)

    def review_incident(self, incident_id: int, note: str) -> Incident:
        with self._lock:
            event = chain.review(self.incident(incident_id), note, self.clock.now(), self.operator)
            return self._record(event, status=IncidentStatus.REVIEWED)

    def reopen_incident(self, incident_id: int, reason: str, goal: str = "") -> Incident:
        with self._lock:
            incident = self.incident(incident_id)
            active = self.active_incident(incident.scenario_id)
            if active is not None and active.id != incident_id:
                raise chain.ChainError(f"incident #{active.id} of the same scenario is still active")
            event = chain.reopen(incident, reason, self.clock.now(), self.operator, goal)
            return self._record(event, status=IncidentStatus.OPEN)

    def change_severity(self, incident_id: int, steps: int) -> Incident:
        with self._lock:
            incident = self.incident(incident_id)
            scenario = self.runbooks.scenario(incident.scenario_id)
            return self._record(chain.change_severity(incident, scenario, steps, self.clock.now(), self.operator))

    def link_mention(self, incident_id: int, mention_id: int) -> Incident:
        with self._lock:
            return self._record(chain.link(self.incident(incident_id), mention_id, self.clock.now(), self.operator))

    def start_step(self, incident_id: int, step_id: str) -> Incident:
        with self._lock:
            incident, step = self._step(incident_id, step_id)
            return self._record(chain.start(incident, step, self.clock.now(), self.operator))

    def complete_step(self, incident_id: int, step_id: str, override: str = "") -> Incident:
        with self._lock:
            incident, step = self._step(incident_id, step_id)
            return self._record(chain.complete(incident, step, self.clock.now(), self.operator, override))

    def skip_step(self, incident_id: int, step_id: str, reason: str) -> Incident:
        with self._lock:
            incident, step = self._step(incident_id, step_id)
            return self._record(chain.skip(incident, step, reason, self.clock.now(), self.operator))

    def add_step(self, incident_id: int, added: chain.AddedStep) -> Incident:
        with self._lock:
            incident = self.incident(incident_id)
            event = chain.add_step(incident, added, self._events[incident_id], self.clock.now(), self.operator)
            return self._record(event)

    def add_note(self, incident_id: int, step_id: str | None, text: str) -> Incident:
        with self._lock:
            if step_id:
                self._step(incident_id, step_id)  # a note belongs to a step of this chain
            event = chain.note(self.incident(incident_id), step_id, text, self.clock.now(), self.operator)
            return self._record(event)

    def assign_role(self, incident_id: int, role: str, person: str) -> Incident:
        with self._lock:
            event = chain.assign_role(self.incident(incident_id), role, person, self.clock.now(), self.operator)
            return self._record(event)

    def undo(self, incident_id: int) -> tuple[Incident, str]:
        """Take back the incident's newest undoable action; returns the incident and what was undone."""
        with self._lock:
            event = chain.undo(self.incident(incident_id), self._events[incident_id], self.clock.now(), self.operator)
            return self._record(event), str(event.payload["undid"])

    def record_delivery(self, incident_id: int, step_id: str, delivery: Delivery, target: str) -> Incident:
        """Journal the result of one notification of a step."""
        with self._lock:
            incident, step = self._step(incident_id, step_id)
            return self._record(chain.delivered(incident, step, delivery, SYSTEM_ACTOR, target))

    def due_alerts(self) -> list[tuple[Incident, Step, str]]:
        """Steps of open incidents that just became due soon or overdue; each is journaled, so
        it rings once, also across restarts."""
        with self._lock:
            now = self.clock.now()
            found: list[tuple[Incident, Step, str]] = []
            for incident in self.incidents():
                scenario = self.runbooks.find_scenario(incident.scenario_id)
                if incident.status is not IncidentStatus.OPEN or scenario is None:
                    continue
                for step in chain.chain_steps(incident, scenario):
                    kind = chain.deadline_alert(self.incident(incident.id), step, now)
                    if kind is not None:
                        self._record(chain.alert(incident, step, kind, now, SYSTEM_ACTOR))
                        found.append((self.incident(incident.id), step, kind))
            return found

    def metrics(self, incident_id: int) -> IncidentMetrics:
        with self._lock:
            incident = self.incident(incident_id)
            earlier = [
                i.closed_at
                for i in self._incidents.values()
                if i.scenario_id == incident.scenario_id and i.id < incident.id and i.closed_at is not None
            ]
            scenario = self.runbooks.scenario(incident.scenario_id)
            after = max([*earlier, incident.proposed_at - scenario.trigger.within])
            first = self.journal.first_match(incident.scenario_id, after, incident.proposed_at)
            return measure(incident, scenario, first, self.clock.now())

    def events_of(self, incident_id: int) -> list[Event]:
        with self._lock:
            return list(self._events[incident_id])

    def record_reply(self, item: JournaledMention, text: str, *, simulated: bool, **details: object) -> Event:
        """Journal a reply to a mention: simulated in a drill, else how it went out (`details`:
        how, template, override, url, detail)."""
        body = chain.text(text, "write the reply")
        with self._lock:
            return self.journal.append(
                Event(
                    REPLIED,
                    self.clock.now(),
                    self.operator,
                    payload={
                        "mention_id": item.id,
                        "network": item.mention.network,
                        "author": item.mention.author,
                        "text": body,
                        "simulated": simulated,
                        **details,
                    },
                )
            )

    def replies(self) -> list[Event]:
        """The replies that went out (or were simulated); failed posts are not replies."""
        with self._lock:
            return [event for event in self.journal.events(kind=REPLIED) if event.payload.get("how") != FAILED]

    def record_for(self, incident_id: int, kind: str, **payload: object) -> Incident:
        """Journal an operator action about an incident that its chain does not track (a
        lesson learned, say); it shows in the incident's history."""
        with self._lock:
            self.incident(incident_id)  # an unknown incident fails here
            return self._record(Event(kind, self.clock.now(), self.operator, incident_id, payload=payload))

    def record(self, kind: str, **payload: object) -> None:
        """Journal an operator action that belongs to no incident (pausing a drill, say)."""
        with self._lock:
            self.journal.append(Event(kind, self.clock.now(), self.operator, payload=payload))

    def _step(self, incident_id: int, step_id: str) -> tuple[Incident, Step]:
        incident = self.incident(incident_id)
        return incident, chain.find_step(incident, self.runbooks.scenario(incident.scenario_id), step_id)

    def _record(self, event: Event, *, status: str | None = None, new_incident: str | None = None) -> Incident:
        return self._remember(self.journal.append(event, status=status, new_incident=new_incident))

    def _remember(self, stored: Event) -> Incident:
        """Fold a committed event into its incident."""
        assert stored.incident_id is not None
        events = self._events.setdefault(stored.incident_id, [])
        events.append(stored)
        if stored.kind == chain.UNDONE:
            incident = chain.replay(events)
        else:
            incident = chain.apply(self._incidents.get(stored.incident_id), stored)
        self._incidents[incident.id] = incident
        return incident


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
