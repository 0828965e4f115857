"""The de-escalation plan applied to one mention: whether it is about us at all (if not, it is
ignored by the rule "off-topic"), its request types, the first rule that decides whether to
respond at once, watch or ignore it, and its sentiment."""

from __future__ import annotations

from collections.abc import Collection

from smwar.model import Mention, Triage
from smwar.runbooks.definitions import RunbookSet, Tone
from smwar.runbooks.matcher import RuleMatcher
from smwar.runbooks.text import term_words
from smwar.triage.relevance import OFF_TOPIC, Relevance, Verdict
from smwar.triage.sentiment import Sentiment, in_bad_news, sentiment

RESPOND = "respond"  # the action that asks for an answer
IGNORE = "ignore"


def company_words(runbooks: RunbookSet) -> frozenset[str]:
    """The folded words of the company's names, which carry no sentiment."""
    return frozenset(word for term in runbooks.company.proper for word in term_words(term))


class Triager:
    def __init__(self, runbooks: RunbookSet) -> None:
        self.deescalation = runbooks.deescalation
        self.relevance = Relevance(runbooks)
        self.request_types = RuleMatcher(runbooks.request_types, runbooks.deescalation)
        self.neutral = company_words(runbooks)
        self.crises = frozenset(scenario.id for scenario in runbooks.scenarios if scenario.tone == Tone.BAD)

    def mood(self, mention: Mention, scenarios: Collection[str]) -> Sentiment:
        """The sentiment of `mention`, which matched `scenarios`: in a mention of a crisis (and
        of no good news), praise is sarcasm or a complaint's politeness."""
        mood = sentiment(mention.text, mention.lang, self.neutral)
        return in_bad_news(mood) if scenarios and self.crises.issuperset(scenarios) else mood

    def triage(
        self, mention: Mention, tags: Collection[str], scenarios: Collection[str], verdict: Verdict | None = None
    ) -> Triage:
        """What to do with `mention`: nothing if it is not about us (`verdict`, judged here
        when not given), else what the first de-escalation rule that holds says."""
        mood = self.mood(mention, scenarios).score
        if not (verdict or self.relevance.judge(mention)).relevant:
            return Triage(IGNORE, OFF_TOPIC, (), mood)
        kinds = tuple(match.scenario_id for match in self.request_types.match(mention))
        rule = self.deescalation.decide(mention, tags, kinds, scenarios)
        if rule is None:
            return Triage(None, None, kinds, mood)
        return Triage(rule.action, rule.id, kinds, mood)
