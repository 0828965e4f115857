"""The matcher: which scenarios (or request types) a mention belongs to, how strongly, and why.

The runbook's terms are compiled once: their words go into a `Lexicon`, each term knows
the targets and rules that use it. Matching a mention is then one pass over its words (one
cached lookup each), a check of only the terms whose words turned up, and scoring of only
the targets those terms touch. A mention that shares no word with any term costs little
more than splitting it into words.

A target's score is the sum of `weight × similarity` over its rules, capped at 1; a rule
counts its best `any` term (or regex) and every one of its `all` terms; a `required` rule
must count; a `none` term vetoes the target, and so does a match of a target named in its
`unless`. Every match carries its explanation: rule, mention words, term, similarity.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence, Set
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from smwar.model import Match, Mention, TermHit
from smwar.runbooks.definitions import Deescalation, Rule, author_tags, compile_regex
from smwar.runbooks.lexicon import CACHE_LIMIT, Hits, Lexicon
from smwar.runbooks.text import TOKEN, analysed, term_words, token_words

PHRASE_GAP = 3
PROGRESS_STEPS = 100
Progress = Callable[[int, int], None]  # (done, total)
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


class Target(Protocol):
    """What rules are written for: a scenario or a request type."""

    @property
    def id(self) -> str: ...
    @property
    def threshold(self) -> float: ...
    @property
    def unless(self) -> list[str]: ...
    @property
    def rule(self) -> list[Rule]: ...


@dataclass(frozen=True, slots=True)
class _Term:
    text: str
    words: tuple[int, ...]  # lexicon ids, in order
    joined: int | None  # a phrase's words written as one ("elektromueller"), if a phrase


@dataclass(frozen=True)
class _Rule:
    rule: Rule
    any: tuple[int, ...]  # term indexes
    all: tuple[int, ...]
    none: tuple[int, ...]
    regex: tuple[int, ...]  # pattern indexes
    filtered: bool  # has any filter: only then is it worth asking whether a mention passes

    @cached_property
    def wanted(self) -> frozenset[int]:
        return frozenset(self.any)

    @cached_property
    def needed(self) -> frozenset[int]:
        return frozenset(self.all)

    @cached_property
    def vetoes(self) -> frozenset[int]:
        return frozenset(self.none)

    def can_count(self, terms: Set[int], patterns: Set[int]) -> bool:
        """Whether the terms and patterns found could let this rule count (filters aside)."""
        if self.all and not self.needed.issubset(terms):
            return False
        if not (self.any or self.regex):
            return bool(self.all)
        return not self.wanted.isdisjoint(terms) or any(pattern in patterns for pattern in self.regex)


@dataclass(frozen=True)
class _Target:
    id: str
    threshold: float
    unless: frozenset[str]
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


@dataclass(frozen=True, slots=True)
class _Found:
    similarity: float
    words: tuple[str, ...]


class RuleMatcher:
    """Compiled rules of a set of targets; `match` is safe to call from one thread at a time."""

    @_collector_paused()
    def __init__(self, targets: Sequence[Target], deescalation: Deescalation, progress: Progress | None = None) -> None:
        """`progress` is told (terms compiled, terms in all) about `PROGRESS_STEPS` times as the
        terms compile: a set of 100,000 terms takes seconds."""
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
                tuple(
                    _Rule(
                        rule,
                        tuple(map(term_index, rule.any)),
                        tuple(map(term_index, rule.all)),
                        tuple(map(term_index, rule.none)),
                        tuple(map(pattern_index, rule.regex)),
                        rule.filters_anything,
                    )
                    for rule in target.rule
                ),
            )
            for target in targets
        )
        self.lexicon = Lexicon()
        self._terms = self._compile_terms(texts, progress)
        self._patterns = tuple((text, compile_regex(text)) for text in patterns)
        self._terms_by_word: defaultdict[int, list[int]] = defaultdict(list)
        for index, term in enumerate(self._terms):
            self._terms_by_word[term.words[0]].append(index)
            if term.joined is not None:
                self._terms_by_word[term.joined].append(index)
        self._targets_by_term: defaultdict[int, set[int]] = defaultdict(set)
        self._targets_by_pattern: defaultdict[int, set[int]] = defaultdict(set)
        for target_index, target in enumerate(self._targets):
            for rule in target.rules:
                for term in (*rule.any, *rule.all, *rule.none):
                    self._targets_by_term[term].add(target_index)
                for pattern in rule.regex:
                    self._targets_by_pattern[pattern].add(target_index)
        self._tokens: dict[str, tuple[Hits, ...]] = {}  # token -> the hits of each of its words

    def _compile_terms(self, texts: Collection[str], progress: Progress | None) -> tuple[_Term, ...]:
        """Each term folded and its words (and a phrase's words written as one) indexed in the
        lexicon, telling `progress` along the way."""
        compiled: list[_Term] = []
        step = -(-len(texts) // PROGRESS_STEPS)  # rounded up
        for done, text in enumerate(texts, start=1):
            words = term_words(text)
            ids = tuple(map(self.lexicon.add, words))
            compiled.append(_Term(text, ids, self.lexicon.add("".join(words)) if len(words) > 1 else None))
            if progress is not None and (done % step == 0 or done == len(texts)):
                progress(done, len(texts))
        return tuple(compiled)

    def match(self, mention: Mention) -> tuple[Match, ...]:
        text = analysed(mention.text)
        terms = self._find_terms(text)
        patterns = self._find_patterns(text)
        if not terms and not patterns:
            return ()
        touched: set[int] = set()
        for term in terms:
            touched |= self._targets_by_term.get(term, set())
        for pattern in patterns:
            touched |= self._targets_by_pattern[pattern]
        tags: tuple[str, ...] | None = None
        if any(self._targets[index].needs_tags for index in touched):
            tags = author_tags(self._deescalation, mention.network, mention.author, mention.followers)
        scored = {
            index: found
            for index in sorted(touched)
            if (found := self._score(self._targets[index], terms, patterns, mention, tags or ())) is not None
        }
        matched = {found.scenario_id for found in scored.values()}
        kept = [found for index, found in scored.items() if not self._targets[index].unless & matched]
        return tuple(sorted(kept, key=lambda match: -match.score))

    # -- finding terms -----------------------------------------------------------------

    def _find_terms(self, text: str) -> dict[int, _Found]:
        """Every term found in `text`, with its best occurrence."""
        seen: dict[int, list[tuple[int, float]]] = {}  # lexicon id -> [(position, similarity)]
        origin: dict[int, tuple[int, str]] = {}  # position -> (token number, token), for explanations
        position = 0
        for number, token in enumerate(TOKEN.findall(text)):
            per_word = self._tokens.get(token)
            if per_word is None:
                per_word = self._learn(token)
            for hits in per_word:
                if hits:
                    origin[position] = (number, token)
                    for word_id, similarity in hits:
                        seen.setdefault(word_id, []).append((position, similarity))
                position += 1
        if not seen:
            return {}
        found: dict[int, _Found] = {}
        for word_id in seen:
            for term_index in self._terms_by_word.get(word_id, ()):
                if term_index in found:
                    continue
                hit = self._locate(self._terms[term_index], seen, origin)
                if hit is not None:
                    found[term_index] = hit
        return found

    def _learn(self, token: str) -> tuple[Hits, ...]:
        per_word = tuple(self.lexicon.lookup(word) for word in token_words(token))
        if len(self._tokens) >= CACHE_LIMIT:
            self._tokens.clear()
        self._tokens[token] = per_word
        return per_word

    def _locate(
        self, term: _Term, seen: dict[int, list[tuple[int, float]]], origin: dict[int, tuple[int, str]]
    ) -> _Found | None:
        best: _Found | None = None
        if term.joined is not None:
            for position, similarity in seen.get(term.joined, ()):
                if best is None or similarity > best.similarity:
                    best = _Found(similarity, (origin[position][1],))
        for position, similarity in seen.get(term.words[0], ()):
            chain = _follow(term.words[1:], seen, position)
            if chain is None:
                continue
            mean = (similarity + chain[0]) / len(term.words)
            if best is None or mean > best.similarity:
                best = _Found(mean, _quoted([position, *chain[1]], origin))
        return best

    def _find_patterns(self, text: str) -> dict[int, _Found]:
        found: dict[int, _Found] = {}
        for index, (_, pattern) in enumerate(self._patterns):
            hit = pattern.search(text)
            if hit is not None:
                found[index] = _Found(1.0, (hit.group()[:MAX_QUOTE],))
        return found

    # -- scoring -----------------------------------------------------------------------

    def _score(
        self,
        target: _Target,
        terms: dict[int, _Found],
        patterns: dict[int, _Found],
        mention: Mention,
        tags: tuple[str, ...],
    ) -> Match | None:
        present, matched_patterns = terms.keys(), patterns.keys()
        possible = [rule for rule in target.counting if rule.can_count(present, matched_patterns)]
        if len([rule for rule in possible if rule.rule.required]) < len(target.required):
            return None  # the common case: a mention of us that is not about this scenario
        if min(sum(rule.rule.weight for rule in possible), 1.0) < target.threshold:
            return None  # even at full similarity it could not reach the threshold
        for veto in target.vetoes:
            if not veto.vetoes.isdisjoint(present) and (not veto.filtered or veto.rule.admits(mention, tags)):
                return None
        score = 0.0
        counting: list[_Rule] = []
        for compiled in possible:
            if compiled.filtered and not compiled.rule.admits(mention, tags):
                if compiled.rule.required:
                    return None
                continue
            counting.append(compiled)
            score += compiled.rule.weight * self._rule_similarity(compiled, terms, patterns)
        score = min(score, 1.0)
        if not counting or score < target.threshold:
            return None
        hits = [hit for compiled in counting for hit in self._rule_hits(compiled, terms, patterns)]
        return Match(target.id, round(score, 3), tuple(hits))

    def _rule_similarity(self, compiled: _Rule, terms: dict[int, _Found], patterns: dict[int, _Found]) -> float:
        """How strongly a rule that can count counts: the mean of its best `any` hit and its
        `all` hits. The explanation is only built for targets that match."""
        similarities = [terms[term].similarity for term in compiled.all]
        if compiled.any or compiled.regex:
            best = max((terms[term].similarity for term in compiled.wanted & terms.keys()), default=0.0)
            if any(pattern in patterns for pattern in compiled.regex):
                best = max(best, 1.0)
            similarities.append(best)
        return sum(similarities) / len(similarities)

    def _rule_hits(self, compiled: _Rule, terms: dict[int, _Found], patterns: dict[int, _Found]) -> list[TermHit]:
        """The hits a counting rule counts: its best `any` term or regex and all its `all` terms."""
        rule = compiled.rule
        counted = [self._hit(rule.id, self._terms[term].text, terms[term]) for term in compiled.all]
        if compiled.any or compiled.regex:
            candidates = [(terms[term], self._terms[term].text) for term in compiled.any if term in terms]
            candidates += [(patterns[p], f"/{self._patterns[p][0]}/") for p in compiled.regex if p in patterns]
            if not candidates:
                return []
            found, text = max(candidates, key=lambda candidate: candidate[0].similarity)
            counted.insert(0, self._hit(rule.id, text, found))
        return counted

    @staticmethod
    def _hit(rule_id: str, term: str, found: _Found) -> TermHit:
        return TermHit(rule_id, term, found.words, round(found.similarity, 3))


def _quoted(positions: list[int], origin: dict[int, tuple[int, str]]) -> tuple[str, ...]:
    """The tokens at `positions`, with "…" where tokens were skipped; a hashtag that gave
    several of the words is quoted once."""
    quoted: list[str] = []
    previous: int | None = None
    for position in positions:
        number, token = origin[position]
        if number == previous:
            continue
        if previous is not None and number - previous > 1:
            quoted.append("…")
        quoted.append(token)
        previous = number
    return tuple(quoted)


def _follow(
    rest: tuple[int, ...], seen: dict[int, list[tuple[int, float]]], start: int
) -> tuple[float, list[int]] | None:
    """The best way to find the remaining phrase words in order, each within `PHRASE_GAP`
    words of the one before: (sum of their similarities, their positions), or None."""
    if not rest:
        return 0.0, []
    best: tuple[float, list[int]] | None = None
    for at, similarity in seen.get(rest[0], ()):
        if start < at <= start + PHRASE_GAP + 1 and (tail := _follow(rest[1:], seen, at)) is not None:
            total = similarity + tail[0]
            if best is None or total > best[0]:
                best = (total, [at, *tail[1]])
    return best
