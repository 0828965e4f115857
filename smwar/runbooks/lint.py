"""Warnings for a valid runbook set: rules and targets that can never match a mention."""

from __future__ import annotations

from collections.abc import Iterator

from smwar.errors import InputError
from smwar.model import NETWORKS
from smwar.runbooks.definitions import Deescalation, DeescalationRule, RequestType, Rule, Scenario
from smwar.runbooks.text import term_words
from smwar.tomlfile import Key, TomlDocument


def never_matching(document: TomlDocument, at: Key, target: Scenario | RequestType) -> Iterator[InputError]:
    kind = "scenario" if isinstance(target, Scenario) else "request type"
    counting = [rule for rule in target.rule if not rule.is_veto]
    if target.rule:
        reachable = min(sum(rule.weight for rule in counting), 1.0)
        if reachable < target.threshold:
            yield document.error(
                (*at, "threshold"),
                f"{kind} {target.id!r} can never match: its rules add up to at most {reachable:g}, "
                f"below its threshold {target.threshold:g}",
            )
    vetoes = {term_words(term): rule.id for rule in target.rule for term in rule.none}
    for number, rule in enumerate(target.rule):
        rule_at = (*at, "rule", number)
        yield from _filters_never_hold(document, rule_at, rule)
        if not vetoes:
            continue  # nothing to veto a term: spare folding every term of a large set once more
        for key in ("any", "all"):
            for term in getattr(rule, key):
                veto = vetoes.get(term_words(term))
                if veto is not None:
                    yield document.error(
                        (*rule_at, key), f"rule {rule.id!r}: term {term!r} can never count, rule {veto!r} vetoes it"
                    )


def mutual_unless(scenarios: list[tuple[TomlDocument, Key, Scenario]]) -> list[InputError]:
    """Two scenarios that give way to each other: a mention matching both counts for neither,
    unless one of them gives way only to the same words (`unless_same_words`) and found others."""
    by_id = {scenario.id: scenario for _, _, scenario in scenarios}
    return [
        document.error(
            (*at, "unless"),
            f"scenarios {scenario.id!r} and {other!r} name each other in `unless`: "
            f"a mention matching both counts for neither{_unless_words_differ(scenario, by_id[other])}",
        )
        for document, at, scenario in scenarios
        for other in sorted(scenario.unless)
        if scenario.id < other and other in by_id and scenario.id in by_id[other].unless
    ]


def _unless_words_differ(first: Scenario, second: Scenario) -> str:
    """When a match of both scenarios counts for one after all: where one that gives way only to
    the same words found words the other's terms did not."""
    if first.unless_same_words and second.unless_same_words:
        return " unless one found words the other's terms did not"
    for own, other in ((first, second), (second, first)):
        if own.unless_same_words:
            return f" unless {own.id!r} found words the terms of {other.id!r} did not"
    return ""


def deescalation_never_matching(document: TomlDocument, deescalation: Deescalation) -> list[InputError]:
    return [
        warning
        for number, rule in enumerate(deescalation.rule)
        for warning in _filters_never_hold(document, ("deescalation", "rule", number), rule)
    ]


def _filters_never_hold(document: TomlDocument, at: Key, rule: Rule | DeescalationRule) -> Iterator[InputError]:
    unknown = [network for network in rule.networks if network not in NETWORKS]
    if unknown:
        yield document.error(
            (*at, "networks"),
            f"rule {rule.id!r}: no source delivers {', '.join(map(repr, unknown))} (networks: {', '.join(NETWORKS)})",
        )
    if rule.min_followers is not None and rule.max_followers is not None and rule.min_followers > rule.max_followers:
        yield document.error((*at, "max_followers"), f"rule {rule.id!r} can never match: max_followers < min_followers")
    both = set(rule.authors) & set(rule.not_authors)
    if both:
        yield document.error(
            (*at, "not_authors"),
            f"rule {rule.id!r} can never match: {', '.join(sorted(both))} in authors and not_authors",
        )
    for language in rule.languages:
        if language != language.casefold() or not language.isalpha() or len(language) not in (2, 3):
            yield document.error(
                (*at, "languages"), f"rule {rule.id!r}: {language!r} is not a language code like 'de' or 'en'"
            )
