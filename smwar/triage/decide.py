"""The de-escalation plan applied to one mention: whether it is about us at all (if not, it is
ignored by the rule "off-topic"), its request types, the first rule that decides whether to
respond at once, watch or ignore it (with how likely the wording model finds that an affected
customer wrote it and that a community manager would answer it, for the rules that ask), and its
sentiment read in that context."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from smwar.model import Mention, Triage, Worded
from smwar.runbooks.definitions import RunbookSet, Tone
from smwar.runbooks.matcher import RuleMatcher
from smwar.runbooks.text import analysed, term_words
from smwar.triage.language import language_of
from smwar.triage.mood import Context, weigh
from smwar.triage.relevance import OFF_TOPIC, Relevance, Verdict
from smwar.triage.sentiment import Sentiment, in_bad_news, sentiment
from smwar.triage.wording import Model, model

RESPOND = "respond"  # the action that asks for an answer
IGNORE = "ignore"


def company_words(runbooks: RunbookSet) -> frozenset[str]:
    """The folded words of the company's names, which carry no sentiment."""
    return frozenset(word for term in runbooks.company.proper for word in term_words(term))


@dataclass(frozen=True, slots=True)
class Read:
    """What triage reads of a mention before any rule decides: whether it is about us, its
    words' sentiment, and its context (its request types among it: none if not about us)."""

    verdict: Verdict
    mood: Sentiment
    context: Context


class Triager:
    def __init__(self, runbooks: RunbookSet, wording: Model | None = None) -> None:
        """`wording`: the wording model its readings ask — of the sentiment, the scenarios,
        whether an affected customer wrote a mention and whether it would be answered (the
        shipped one if None)."""
        self.wording = wording
        self.deescalation = runbooks.deescalation
        self.relevance = Relevance(runbooks)
        self.request_types = RuleMatcher(runbooks.request_types, runbooks.deescalation)
        self.plan_request_types = runbooks.request_types
        self.neutral = company_words(runbooks)
        self.crises = frozenset(scenario.id for scenario in runbooks.scenarios if scenario.tone == Tone.BAD)
        self.scenarios = runbooks.scenarios

    def mood(self, mention: Mention, scenarios: Collection[str], lang: str | None = None) -> Sentiment:
        """The sentiment of `mention`, which matched `scenarios`, read in `lang` (else its own,
        or guessed): in a mention of a crisis (and of no good news), praise is sarcasm or a
        complaint's politeness."""
        mood = sentiment(mention.text, lang or mention.lang, self.neutral)
        return in_bad_news(mood) if scenarios and self.crises.issuperset(scenarios) else mood

    def worded(self, mention: Mention) -> Worded:
        """What the wording model reads of `mention` for the plan's rules: the chance that an
        affected customer wrote it and that a community manager would answer it."""
        reading = self.wording or model()
        return Worded(reading.affected(mention.text), reading.answered(mention.text))

    def worded_kinds(self, kinds: Collection[str], affected: float) -> tuple[str, ...]:
        """The request types besides `kinds` (those its rules found) that a mention is of by
        its wording: those recognised also where an affected customer has at least a chance
        (`also_when_affected`) that `affected` reaches."""
        return tuple(
            kind.id
            for kind in self.plan_request_types
            if kind.also_when_affected is not None and kind.id not in kinds and affected >= kind.also_when_affected
        )

    def read(self, mention: Mention, scenarios: Collection[str], verdict: Verdict | None = None) -> Read:
        """What triage reads of `mention`, which matched `scenarios` (`verdict`: whether it is
        about us, judged here when not given)."""
        verdict = verdict or self.relevance.judge(mention)
        kinds = tuple(match.scenario_id for match in self.request_types.match(mention)) if verdict.relevant else ()
        lang = language_of(analysed(mention.text), mention.lang)  # guessed once, for the words and the context
        context = Context(
            mention.network,
            lang,
            crisis=not self.crises.isdisjoint(scenarios),
            hype=not self.crises.issuperset(scenarios),
            request_types=kinds,
            off_topic=not verdict.relevant,
        )
        return Read(verdict, self.mood(mention, scenarios, lang), context)

    def triage(
        self, mention: Mention, tags: Collection[str], scenarios: Collection[str], verdict: Verdict | None = None
    ) -> Triage:
        """What to do with `mention`: nothing if it is not about us (`verdict`, judged here
        when not given), else what the first de-escalation rule that holds says."""
        read = self.read(mention, scenarios, verdict)
        mood = weigh(mention.text, read.mood, read.context, self.wording)
        if not read.verdict.relevant:
            return Triage(IGNORE, OFF_TOPIC, (), mood)
        worded = self.worded(mention)
        kinds = (*read.context.request_types, *self.worded_kinds(read.context.request_types, worded.affected))
        rule = self.deescalation.decide(mention, tags, kinds, scenarios, worded)
        if rule is None:
            return Triage(None, None, kinds, mood)
        return Triage(rule.action, rule.id, kinds, mood)
