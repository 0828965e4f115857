"""Scenarios a mention's wording is about that no rule of theirs matched.

Rules find what their writers foresaw; the people in a storm word it their own way ("the
kitchen is a pond", "d'Nachbarin unde het scho e Fläcke"). The wording model
(smwar.triage.wording), fitted on the labelled mentions, knows how the labelled writers spoke
of each scenario: where it is sure enough (at least `WORDED`, and no less than the scenario's
own threshold) and no rule of the scenario said otherwise, its judgement counts as a match,
its probability the score, explained by the words that spoke for it. A scenario a `none`
rule sets aside stays unmatched, and the scenarios' `unless` hold over both kinds of match
(praise beside a matched offensive ad is no hype).
"""

from __future__ import annotations

from collections.abc import Sequence

from smwar.model import Match, Mention, TermHit
from smwar.runbooks.definitions import Scenario
from smwar.runbooks.matcher import Matcher, gives_way, match_words
from smwar.triage.decide import Triager
from smwar.triage.relevance import Verdict
from smwar.triage.wording import Model, model

WORDED = 0.7  # how sure the wording must be: chosen on the tuning sets, each read by a model fitted on the others
RULE = "wording"  # the rule a match by the wording names
TERM = "the labelled mentions' words"


def scenarios_of(mention: Mention, verdict: Verdict, matcher: Matcher, triager: Triager) -> tuple[Match, ...]:
    """The scenarios a mention matches, by its rules or its wording; none if it is not about
    us (`verdict`): a namesake's storm is not ours."""
    if not verdict.relevant:
        return ()
    return worded(mention, matcher.match(mention), matcher, triager.scenarios, triager.wording)


def worded(
    mention: Mention,
    matches: tuple[Match, ...],
    matcher: Matcher,
    scenarios: Sequence[Scenario],
    reading: Model | None = None,
) -> tuple[Match, ...]:
    """`matches` (of a mention about us) and the scenarios of `scenarios` its wording is about
    (read by the shipped model, or `reading`), best first."""
    matched = {match.scenario_id for match in matches}
    reading = reading or model()
    sure = {
        scenario.id: chance
        for scenario in scenarios
        if scenario.id not in matched
        and (chance := reading.scenario(mention.text, scenario.id)) is not None
        and chance >= max(WORDED, scenario.threshold)
    }
    if not sure:
        return matches
    vetoed = matcher.vetoed(mention)
    sure = {scenario_id: chance for scenario_id, chance in sure.items() if scenario_id not in vetoed}
    added = [
        Match(
            scenario.id,
            round(sure[scenario.id], 3),
            (
                TermHit(
                    RULE, TERM, (", ".join(reading.telling(mention.text, scenario.id)),), round(sure[scenario.id], 3)
                ),
            ),
        )
        for scenario in scenarios
        if scenario.id in sure
    ]
    by_id = {scenario.id: scenario for scenario in scenarios}
    found = {match.scenario_id: match for match in (*matches, *added)}
    kept = [
        match
        for match in found.values()
        if (scenario := by_id.get(match.scenario_id)) is None
        or not gives_way(
            match,
            [found[name] for name in scenario.unless if name in found],
            match_words,
            same_words=scenario.unless_same_words,
        )
    ]
    return tuple(sorted(kept, key=lambda match: -match.score))
