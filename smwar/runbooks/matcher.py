"""The matcher: which scenarios (or request types) a mention belongs to, how strongly, and why.

The runbook's terms are compiled once for finding (`TermFinder`), and each term knows the
targets and rules that use it. Matching a mention is then finding its terms (one pass over its
words), and scoring of only the targets those terms touch. A mention that shares no word with
any term costs little more than splitting it into words.

A target's score is the sum of `weight × similarity` over its rules, capped at 1; a rule
counts its best `any` term (or regex) and every one of its `all` terms; a `required` rule
must count; a `none` term vetoes the target, and so does a match of a target named in its
`unless`. A term a negation governs counts as its rule says (see `Rule`), and one found in
the rule's false friends does not count for it. Every match carries its explanation: rule,
mention words, term, similarity. A target that gives way only to a match of the same words
(`unless_same_words`) stands beside one that found words of its own.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol, TypeVar

import re2

from smwar.model import Match, Mention, TermHit
from smwar.runbooks.definitions import Deescalation, Rule, author_tags, compile_regex
from smwar.runbooks.reading import Reading, read
from smwar.runbooks.terms import PHRASE_GAP, Found, Occurrence, Progress, TermFinder
from smwar.runbooks.text import term_words


@dataclass(frozen=True, slots=True)
class SetAside:
    """A target a mention would match but for a `none` rule: which, by which rule and term."""

    target_id: str
    rule: str
    term: str
    words: tuple[str, ...]  # the mention's words that stood for the term


MAX_QUOTE = 80  # characters of a regex hit kept in the explanation


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector held off while rules compile: a large set makes millions of
    containers and no reference cycles, and collecting while they pile up walks them again and
    again (a sixth of the time for 100,000 terms, counting the one collection that follows)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class Matcher(Protocol):
    def match(self, mention: Mention) -> tuple[Match, ...]:
        """Every target whose score reaches its threshold, best first."""
        ...

    def set_aside(self, mention: Mention) -> tuple[SetAside, ...]:
        """The targets the mention would match but for a `none` rule."""
        ...

    def vetoed(self, mention: Mention) -> frozenset[str]:
        """The targets a `none` rule of theirs sets off in the mention, whatever else it holds."""
        ...


class Target(Protocol):
    """What rules are written for: a scenario or a request type."""

    @property
    def id(self) -> str: ...
    @property
    def threshold(self) -> float: ...
    @property
    def unless(self) -> list[str]: ...
    @property
    def unless_same_words(self) -> bool: ...
    @property
    def rule(self) -> list[Rule]: ...


@dataclass(frozen=True)
class _Rule:
    rule: Rule
    any: tuple[int, ...]  # term indexes
    all: tuple[int, ...]
    none: tuple[int, ...]
    regex: tuple[int, ...]  # pattern indexes
    filtered: bool  # has any filter: only then is it worth asking whether a mention passes
    friends: tuple[tuple[str, ...], ...] = ()  # false friends, as folded words
    negation: str = "keep"

    @cached_property
    def terms(self) -> frozenset[int]:
        return frozenset((*self.any, *self.all))

    @cached_property
    def friends_by_first(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        grouped: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for friend in self.friends:
            grouped[friend[0]].append(friend)
        return {first: tuple(friends) for first, friends in grouped.items()}

    @cached_property
    def plain(self) -> bool:
        """Whether it counts every term found, with no false friend to leave out: most rules."""
        return self.negation == "keep" and not self.friends

    @cached_property
    def ranks(self) -> dict[int, int]:
        """Each `any` term's place among them, first occurrences only."""
        return {term: rank for rank, term in enumerate(dict.fromkeys(self.any))}

    @cached_property
    def needed(self) -> frozenset[int]:
        return frozenset(self.all)

    @cached_property
    def vetoes(self) -> frozenset[int]:
        return frozenset(self.none)

    def can_count(self, terms: Mapping[int, object], patterns: Mapping[int, object]) -> bool:
        """Whether the terms and patterns found could let this rule count (filters aside)."""
        if self.all and not terms.keys() >= self.needed:
            return False
        if not (self.any or self.regex):
            return bool(self.all)
        return not self.ranks.keys().isdisjoint(terms) or not patterns.keys().isdisjoint(self.regex)


@dataclass(frozen=True)
class _Target:
    id: str
    threshold: float
    unless: frozenset[str]
    unless_same_words: bool
    rules: tuple[_Rule, ...]

    @cached_property
    def required(self) -> tuple[_Rule, ...]:
        return tuple(rule for rule in self.rules if rule.rule.required)

    @cached_property
    def counting(self) -> tuple[_Rule, ...]:
        return tuple(rule for rule in self.rules if not rule.rule.is_veto)

    @cached_property
    def vetoes(self) -> tuple[_Rule, ...]:
        return tuple(rule for rule in self.rules if rule.rule.is_veto)

    @cached_property
    def needs_tags(self) -> bool:
        """Whether a rule filters on author lists (VIP, troublemaker…)."""
        return any(rule.rule.filters_authors for rule in self.rules)


T = TypeVar("T")  # what a match gives way to: a target, or a match


def gives_way(match: Match, named: Sequence[T], words: Callable[[T], frozenset[str]], *, same_words: bool) -> bool:
    """Whether `match` gives way to the mention's matches of the targets its target names in
    `unless` (`named`; `words`: the words one of them found in the mention): to any, or with
    `same_words` only to one that found every word it found (the company's name, and a "leak"
    that a data leak's terms found too)."""
    if not same_words or not named:
        return bool(named)
    own = match_words(match)
    return any(own <= words(other) for other in named)


def match_words(match: Match) -> frozenset[str]:
    """The folded words a match found (a wording match names its words as one text)."""
    return frozenset(word for hit in match.hits for found in hit.words for word in term_words(found))


class RuleMatcher:
    """Compiled rules of a set of targets; `match` is safe to call from one thread at a time."""

    @_collector_paused()
    def __init__(
        self,
        targets: Sequence[Target],
        deescalation: Deescalation,
        progress: Progress | None = None,
        gap: int = PHRASE_GAP,
    ) -> None:
        """`progress` is told (terms compiled, terms in all) about `PROGRESS_STEPS` times as the
        terms compile: a set of 100,000 terms takes seconds. A phrase's words may stand up to
        `gap` words apart."""
        self._deescalation = deescalation
        texts: dict[str, int] = {}
        patterns: dict[str, int] = {}

        def term_index(text: str) -> int:
            return texts.setdefault(text, len(texts))

        def pattern_index(text: str) -> int:
            return patterns.setdefault(text, len(patterns))

        self._targets = tuple(
            _Target(
                target.id,
                target.threshold,
                frozenset(target.unless),
                target.unless_same_words,
                tuple(
                    _Rule(
                        rule,
                        tuple(map(term_index, rule.any)),
                        tuple(map(term_index, rule.all)),
                        tuple(map(term_index, rule.none)),
                        tuple(map(pattern_index, rule.regex)),
                        rule.filters_anything,
                        tuple(term_words(friend) for friend in rule.false_friends),
                        rule.negation,
                    )
                    for rule in target.rule
                ),
            )
            for target in targets
        )
        loose = {text for target in targets for rule in target.rule if rule.loose for text in (*rule.any, *rule.all)}
        self._finder = TermFinder(texts, loose, progress, gap)
        self._terms = self._finder.terms
        self._patterns = tuple((text, compile_regex(text)) for text in patterns)
        self._pattern_set = _pattern_set(self._patterns)
        # the targets a term or pattern can make count (a `none` term alone never makes a match)
        self._targets_by_term: list[set[int]] = [set() for _ in self._terms]
        self._targets_by_pattern: list[set[int]] = [set() for _ in self._patterns]
        for target_index, target in enumerate(self._targets):
            for rule in target.rules:
                for term in (*rule.any, *rule.all):
                    self._targets_by_term[term].add(target_index)
                for pattern in rule.regex:
                    self._targets_by_pattern[pattern].add(target_index)
        self._tagged = {index for index, target in enumerate(self._targets) if target.needs_tags}
        # negations are looked for only when a rule counts a negated term otherwise than any other
        self._negation_counts = any(rule.negation != "keep" for target in self._targets for rule in target.rules)

    def match(self, mention: Mention) -> tuple[Match, ...]:
        candidates = self._candidates(mention)
        if candidates is None:
            return ()
        targets, found, patterns, tags = candidates
        scored: list[tuple[_Target, Match]] = []
        for target in targets:
            match = self._score(target, found, patterns, mention, tags)
            if match is not None:
                scored.append((target, match))
        if not scored:
            return ()
        matched = {target.id: target for target, _ in scored}
        kept = [
            match
            for target, match in scored
            if not gives_way(
                match,
                [matched[name] for name in target.unless if name in matched],
                lambda other: self._words_found(other, found),
                same_words=target.unless_same_words,
            )
        ]
        return tuple(sorted(kept, key=lambda match: -match.score))

    @staticmethod
    def _words_found(target: _Target, found: _Finds) -> frozenset[str]:
        """The folded words that the terms of `target`'s counting rules found in the mention,
        wherever they were found (not only the best, which a match names)."""
        return frozenset(
            word
            for rule in target.counting
            for term, occurrence in found.for_rule(rule).items()
            if term in rule.terms
            for quoted in occurrence.words
            for word in term_words(quoted)
        )

    def set_aside(self, mention: Mention) -> tuple[SetAside, ...]:
        """The targets `mention` would match but for a `none` rule, each with that rule and the
        term it found there: why a mention is not taken for what its words suggest ("Echt
        jetzt?" is no question to answer, "meine Schwester" no case of the writer's own)."""
        candidates = self._candidates(mention)
        if candidates is None:
            return ()
        targets, found, patterns, tags = candidates
        aside: list[SetAside] = []
        for target in targets:
            veto = self._veto(target, found, mention, tags)
            if veto is not None and self._score(target, found, patterns, mention, tags, vetoes=False) is not None:
                rule, term = veto
                aside.append(SetAside(target.id, rule.rule.id, self._terms[term].text, found.every[term].words))
        return tuple(aside)

    def vetoed(self, mention: Mention) -> frozenset[str]:
        reading = read(mention.text)
        terms, governed = self._finder.find(reading, self._negation_counts)
        if not terms and not governed:
            return frozenset()
        found = _Finds(terms, governed, reading)
        tags = author_tags(self._deescalation, mention.network, mention.author, mention.followers)
        return frozenset(
            target.id for target in self._targets if target.vetoes and self._veto(target, found, mention, tags)
        )

    def _candidates(self, mention: Mention) -> tuple[list[_Target], _Finds, Found, tuple[str, ...]] | None:
        """The targets a term or pattern found in `mention` can make count, with what was found
        and the author's tags where a rule asks for them; None if nothing was found."""
        reading = read(mention.text)
        terms, governed = self._finder.find(reading, self._negation_counts)
        patterns = self._find_patterns(reading.text) if self._patterns else {}  # a set without regexes looks for none
        if not terms and not governed and not patterns:
            return None
        touched: set[int] = set()
        for term in (*terms, *governed):
            touched |= self._targets_by_term[term]
        for pattern in patterns:
            touched |= self._targets_by_pattern[pattern]
        tags: tuple[str, ...] = ()
        if not self._tagged.isdisjoint(touched):
            tags = author_tags(self._deescalation, mention.network, mention.author, mention.followers)
        targets = [self._targets[index] for index in sorted(touched)]
        return targets, _Finds(terms, governed, reading), patterns, tags

    # -- finding terms -----------------------------------------------------------------

    def _find_patterns(self, text: str) -> Found:
        """Each pattern found in `text`: one pass of them all tells which (most texts: none),
        then each of those is searched for its hit."""
        if self._pattern_set is None:
            indexes: Iterable[int] = range(len(self._patterns))
        else:
            indexes = self._pattern_set.Match(text) or ()
        found: Found = {}
        for index in sorted(indexes):
            hit = self._patterns[index][1].search(text)
            if hit is not None:
                found[index] = Occurrence(1.0, (hit.group()[:MAX_QUOTE],))
        return found

    # -- scoring -----------------------------------------------------------------------

    def _score(
        self,
        target: _Target,
        found: _Finds,
        patterns: Found,
        mention: Mention,
        tags: tuple[str, ...],
        vetoes: bool = True,
    ) -> Match | None:
        """The target's match, or None; with `vetoes` false, what it would be but for its
        `none` rules."""
        for rule in target.required:
            if not rule.can_count(found.every, patterns):
                return None  # the common case: a mention of us that is not about this scenario
        possible: list[tuple[_Rule, Found]] = []
        weights: list[float] = []
        required = 0
        for rule in target.counting:
            terms = found.for_rule(rule)
            if rule.can_count(terms, patterns):
                possible.append((rule, terms))
                weights.append(rule.rule.weight)
                required += rule.rule.required
        if required < len(target.required):
            return None  # a required rule's terms are there, but not as it counts them
        if min(sum(weights), 1.0) < target.threshold:
            return None  # even at full similarity it could not reach the threshold
        if vetoes and self._veto(target, found, mention, tags) is not None:
            return None
        score = 0.0
        counted: list[tuple[str, list[tuple[str, Occurrence]]]] = []  # (rule id, [(term, occurrence)])
        for compiled, terms in possible:
            if compiled.filtered and not compiled.rule.admits(mention, tags):
                if compiled.rule.required:
                    return None
                continue
            similarity, hits = self._counted(compiled, terms, patterns)
            score += compiled.rule.weight * similarity
            counted.append((compiled.rule.id, hits))
        score = min(score, 1.0)
        if not counted or score < target.threshold:
            return None
        explained: list[TermHit] = []
        for rule_id, hits in counted:
            for term, occurrence in hits:
                explained.append(TermHit(rule_id, term, occurrence.words, round(occurrence.similarity, 3)))
        return Match(target.id, round(score, 3), tuple(explained))

    @staticmethod
    def _veto(target: _Target, found: _Finds, mention: Mention, tags: tuple[str, ...]) -> tuple[_Rule, int] | None:
        """The first `none` rule of the target that a term found sets off, with that term."""
        for veto in target.vetoes:
            if veto.vetoes.isdisjoint(found.every):
                continue  # the common case
            if not veto.filtered or veto.rule.admits(mention, tags):
                return veto, min(veto.vetoes & found.every.keys())
        return None

    def _counted(self, compiled: _Rule, terms: Found, patterns: Found) -> tuple[float, list[tuple[str, Occurrence]]]:
        """What a rule that can count counts, as (term, occurrence): its best `any` term or
        regex (the rule's first on a tie) and each of its `all` terms; and how strongly, the
        mean of their similarities."""
        counted: list[tuple[str, Occurrence]] = []
        similarities: list[float] = []
        for term in compiled.all:
            counted.append((self._terms[term].text, terms[term]))
            similarities.append(terms[term].similarity)
        if compiled.any or compiled.regex:
            best: tuple[str, Occurrence] | None = None
            for term in sorted(compiled.ranks.keys() & terms.keys(), key=compiled.ranks.__getitem__):
                if best is None or terms[term].similarity > best[1].similarity:
                    best = (self._terms[term].text, terms[term])
            for pattern in compiled.regex:
                if pattern in patterns and (best is None or patterns[pattern].similarity > best[1].similarity):
                    best = (f"/{self._patterns[pattern][0]}/", patterns[pattern])
            assert best is not None  # the rule can count
            similarities.append(best[1].similarity)
            counted.insert(0, best)
        return sum(similarities) / len(similarities), counted


class _Finds:
    """The terms found in one mention, as each rule sees them: those a negation governs count
    as the rule says, and those in its false friends not at all."""

    def __init__(self, free: Found, governed: Found, reading: Reading) -> None:
        self.free = free
        self.governed = governed
        self.every = {**governed, **free} if governed else free  # an occurrence no negation governs first
        self._reading = reading

    def for_rule(self, rule: _Rule) -> Found:
        if rule.plain:
            return self.every
        terms = self.every if rule.negation == "keep" else self.free if rule.negation == "void" else self.governed
        if not rule.friends or rule.terms.isdisjoint(terms):
            return terms  # no false friend to leave out, or none of the rule's terms to leave
        friendly = self._covered(rule.friends_by_first)
        return {term: found for term, found in terms.items() if friendly.isdisjoint(found.tokens)}

    def _covered(self, friends: Mapping[str, tuple[tuple[str, ...], ...]]) -> set[int]:
        """The numbers of the tokens that make up an occurrence of one of `friends` (by their
        first word): one look at each token."""
        folded, covered = self._reading.folded, set()
        for start, word in enumerate(folded):
            for friend in friends.get(word, ()):
                if tuple(folded[start : start + len(friend)]) == friend:
                    covered.update(range(start, start + len(friend)))
        return covered


def _pattern_set(patterns: Sequence[tuple[str, re2._Regexp]]) -> re2.Set | None:
    """All `patterns` as one RE2 set, which finds which of them a text holds in one pass; None
    without patterns, or if RE2 cannot make the set (then each is searched alone)."""
    if not patterns:
        return None
    try:
        found = re2.Set.SearchSet(patterns[0][1].options)
        for text, _ in patterns:
            found.Add(text)
        found.Compile()
    except re2.error:
        return None
    return found
