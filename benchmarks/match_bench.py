"""How fast and how well the matcher works, against the naive way on the same data.

Generates a runbook set of 20 scenarios with 500 phrases in all and 100,000 mentions (typos,
inflections, CamelCase hashtags, words in between, Zipf-distributed chatter), then prints:

* mentions per second on one core for smwar's matcher, and for the naive way (rapidfuzz
  `process.cdist` with `partial_ratio` of every mention against every phrase, scored with the
  same rules and weights), measured on a sample of the same mentions, and their ratio;
* precision and recall per scenario against the shipped runbooks, for the matcher and for the
  naive way at its best threshold, on the labelled corpus the runbooks were written against
  (tests/data/corpus.jsonl) and on a held-out one (tests/data/corpus-holdout.jsonl);
* the matcher's peak memory (compiled rules and caches) and the process's peak RSS.

    python benchmarks/match_bench.py [--mentions 100000] [--naive-sample 2000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process, utils

from smwar.model import Mention
from smwar.runbooks.definitions import RunbookSet, Scenario
from smwar.runbooks.evaluate import macro_f1, quality
from smwar.runbooks.loader import load_runbook_set
from smwar.runbooks.matcher import RuleMatcher
from smwar.sources.jsonl import read_jsonl

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus.jsonl"
HOLDOUT = ROOT / "tests" / "data" / "corpus-holdout.jsonl"
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
SCENARIOS = 20
PHRASES = 500
MIN_NAIVE = 3  # characters a phrase needs, processed, for the naive way to look for it
SYLLABLES = [c + v for c in "bdfghklmnprstwz" for v in ("a", "e", "i", "o", "u", "ei", "au", "ie")]
ENDINGS = ("en", "e", "s", "ing", "ed", "er", "t")


# -- synthetic data ------------------------------------------------------------------------


def pseudo_word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables)) + rng.choice(("", "n", "r", "s", "t", "ck"))


def typo(rng: random.Random, word: str) -> str:
    """One typo that is not in the first letter: swap, drop, double or replace a letter."""
    if len(word) < 7:
        return word
    at = rng.randrange(2, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    if kind == 1:
        return word[:at] + word[at + 1 :]
    if kind == 2:
        return word[:at] + word[at] + word[at:]
    return word[:at] + rng.choice("aeioulnrst") + word[at + 1 :]


class Synthetic:
    """A runbook set and a stream of mentions with known labels."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        topic_words = sorted({pseudo_word(self.rng, self.rng.choice((2, 3, 3, 4))) for _ in range(2000)})
        self.rng.shuffle(topic_words)
        chatter = sorted(
            {pseudo_word(self.rng, self.rng.choice((1, 2, 2, 3))) for _ in range(12000)} - set(topic_words)
        )
        self.chatter = chatter
        self.zipf = [1 / (rank + 1) for rank in range(len(chatter))]
        words = iter(topic_words)
        self.scenarios: list[dict[str, list[str]]] = []
        per_scenario = PHRASES // SCENARIOS
        for _ in range(SCENARIOS):
            phrases = []
            for _ in range(per_scenario):
                length = self.rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
                phrases.append(" ".join(next(words) for _ in range(length)))
            self.scenarios.append({"a": phrases[:10], "b": phrases[10:23], "none": phrases[23:]})

    def write_runbooks(self, folder: Path) -> Path:
        parts = ['[company]\nname = "Benchmark AG"\n']
        for number, rules in enumerate(self.scenarios):
            parts.append(
                f'[[scenario]]\nid = "s{number:02d}"\ntitle = "Scenario {number}"\nseverity = "high"\n'
                f'threshold = 0.8\n[scenario.trigger]\nmentions = 5\nwithin = "10m"\n'
                f'[[scenario.rule]]\nid = "a"\nany = {rules["a"]!r}\nweight = 0.5\n'
                f'[[scenario.rule]]\nid = "b"\nany = {rules["b"]!r}\nweight = 0.5\n'
                f'[[scenario.rule]]\nid = "veto"\nnone = {rules["none"]!r}\n'
                f'[[scenario.step]]\nid = "notify"\ntitle = "Notify"\nrole = "lead"\ndeadline = "10m"\n'
            )
        (folder / "bench.toml").write_text("\n".join(parts).replace("'", '"'), encoding="utf-8")
        return folder

    def vary(self, phrase: str) -> list[str]:
        """A phrase as people write it: typos, endings, capitals, a hashtag, words in between."""
        words = phrase.split()
        out: list[str] = []
        for word in words:
            roll = self.rng.random()
            if roll < 0.15:
                word = typo(self.rng, word)
            elif roll < 0.3:
                word += self.rng.choice(ENDINGS)
            if self.rng.random() < 0.2:
                word = word.capitalize()
            out.append(word)
            if len(words) > 1 and self.rng.random() < 0.3:
                out.extend(self.rng.choices(self.chatter, weights=self.zipf, k=self.rng.randint(1, 2)))
        if len(words) > 1 and self.rng.random() < 0.15:
            return ["#" + "".join(word.capitalize() for word in words)]
        return out

    def mentions(self, count: int) -> tuple[list[str], list[set[str]]]:
        texts: list[str] = []
        labels: list[set[str]] = []
        for _ in range(count):
            words = self.rng.choices(self.chatter, weights=self.zipf, k=self.rng.randint(8, 40))
            expected: set[str] = set()
            if self.rng.random() < 0.3:
                number = self.rng.randrange(SCENARIOS)
                rules = self.scenarios[number]
                both = self.rng.random() < 0.7
                inserts = [self.rng.choice(rules["a"])] + ([self.rng.choice(rules["b"])] if both else [])
                for phrase in inserts:
                    at = self.rng.randrange(len(words) + 1)
                    words[at:at] = self.vary(phrase)
                if both:
                    expected.add(f"s{number:02d}")
            texts.append(" ".join(words))
            labels.append(expected)
        return texts, labels


# -- the naive way -------------------------------------------------------------------------


class Naive:
    """Every mention against every phrase with `partial_ratio`, scored with the same rules
    (weights, required rules, vetoes, `unless`), so only the way terms are found differs."""

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        self.scenarios = scenarios
        self.by_id = {scenario.id: scenario for scenario in scenarios}
        self.phrases: list[str] = []
        self.columns: list[list[tuple[float, list[int], bool, bool]]] = []
        for scenario in scenarios:
            rules = []
            for rule in scenario.rule:
                start = len(self.phrases)
                self.phrases.extend([*rule.any, *rule.all, *rule.none])
                rules.append((rule.weight, list(range(start, len(self.phrases))), rule.is_veto, rule.required))
            self.columns.append(rules)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        scores = process.cdist(
            texts, self.phrases, scorer=fuzz.partial_ratio, processor=utils.default_process, dtype=np.uint8, workers=1
        )
        # a phrase its processing leaves under three characters ("/s" becomes "s") is in every
        # text by partial ratio: it finds nothing, rather than vetoing everything
        scores[:, self._degenerate] = 0
        return scores

    @cached_property
    def _degenerate(self) -> list[int]:
        return [index for index, phrase in enumerate(self.phrases) if len(utils.default_process(phrase)) < MIN_NAIVE]

    def labels(self, scores: np.ndarray, cutoff: float) -> list[set[str]]:
        hit = scores >= cutoff
        total = np.zeros((len(scores), len(self.scenarios)))
        vetoed = np.zeros((len(scores), len(self.scenarios)), dtype=bool)
        for index, rules in enumerate(self.columns):
            for weight, columns, veto, required in rules:
                found = hit[:, columns].any(axis=1)
                if veto or required:
                    vetoed[:, index] |= found if veto else ~found
                if not veto:
                    best = np.where(hit[:, columns], scores[:, columns], 0).max(axis=1) / 100
                    total[:, index] += weight * best
        passed = (np.minimum(total, 1.0) >= [s.threshold for s in self.scenarios]) & ~vetoed
        labels = []
        for row in passed:
            matched = {self.scenarios[j].id for j in np.flatnonzero(row)}
            labels.append({s for s in matched if not set(self.by_id[s].unless) & matched})
        return labels


# -- measuring -----------------------------------------------------------------------------


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def timed(run: Callable[[], object]) -> tuple[object, float]:
    started = time.perf_counter()
    result = run()
    return result, time.perf_counter() - started


def corpus_quality(runbooks: RunbookSet, corpus: Path, about: str) -> None:
    rows = list(read_jsonl(corpus, T0))
    mentions = [mention for _, mention, _ in rows]
    expected = [set(raw.get("expect", [])) for _, _, raw in rows]
    ids = [scenario.id for scenario in runbooks.scenarios]
    matcher = RuleMatcher(runbooks.scenarios, runbooks.deescalation)
    ours = quality(
        ids, zip(expected, [{m.scenario_id for m in matcher.match(mention)} for mention in mentions], strict=True)
    )
    naive = Naive(runbooks.scenarios)
    scores = naive.scores([mention.text for mention in mentions])
    cutoff, theirs = max(
        (
            (cutoff, quality(ids, zip(expected, naive.labels(scores, cutoff), strict=True)))
            for cutoff in range(50, 101, 2)
        ),
        key=lambda pair: macro_f1(pair[1]),
    )
    print(f"\n{corpus.relative_to(ROOT)}: {len(mentions)} mentions, {about}")
    header = f"{'scenario':<20} {'smwar P':>8} {'smwar R':>8} {'naive P':>8} {'naive R':>8}"
    print(f"{header}   (naive at its best cutoff, {cutoff})")
    for scenario in ids:
        mine, other = ours[scenario], theirs[scenario]
        print(f"{scenario:<20} {mine.precision:8.3f} {mine.recall:8.3f} {other.precision:8.3f} {other.recall:8.3f}")
    print(f"{'macro F1':<20} {macro_f1(ours):17.3f} {macro_f1(theirs):17.3f}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--naive-sample", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    synthetic = Synthetic(args.seed)
    texts, labels = synthetic.mentions(args.mentions)
    with tempfile.TemporaryDirectory() as folder:
        runbooks = load_runbook_set(synthetic.write_runbooks(Path(folder)))
    phrases = sum(len(term) for s in synthetic.scenarios for term in s.values())
    mentions = [Mention("bench", str(number), "someone", text, T0) for number, text in enumerate(texts)]
    print(f"Generated: {len(runbooks.scenarios)} scenarios, {phrases} phrases, {len(mentions)} mentions")

    tracemalloc.start()
    matcher, build = timed(lambda: RuleMatcher(runbooks.scenarios, runbooks.deescalation))
    assert isinstance(matcher, RuleMatcher)
    found, seconds = timed(lambda: [{m.scenario_id for m in matcher.match(mention)} for mention in mentions])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # the same pass again without tracemalloc's overhead, on a fresh matcher (cold caches)
    matcher = RuleMatcher(runbooks.scenarios, runbooks.deescalation)
    found, seconds = timed(lambda: [{m.scenario_id for m in matcher.match(mention)} for mention in mentions])
    assert isinstance(found, list)
    ours = rate(len(mentions), seconds)

    sample = texts[: args.naive_sample]
    naive = Naive(runbooks.scenarios)
    _, naive_seconds = timed(lambda: naive.labels(naive.scores(sample), 80))
    theirs = rate(len(sample), naive_seconds)

    generated = quality([s.id for s in runbooks.scenarios], zip(labels, found, strict=True))
    print(
        f"smwar matcher: {ours:12,.0f} mentions/s  ({len(mentions):,} mentions in {seconds:.2f} s, build {build:.3f} s)"
    )
    print(f"naive cdist:   {theirs:12,.0f} mentions/s  ({len(sample):,} of the same mentions in {naive_seconds:.2f} s)")
    print(f"ratio:         {ours / theirs:12,.1f} x")
    print(f"synthetic data: macro F1 {macro_f1(generated):.3f} against the generator's labels")
    print(f"matcher peak memory (tracemalloc): {peak / 2**20:.1f} MiB")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"process peak RSS: {maxrss / (2**20 if sys.platform == 'darwin' else 2**10):.1f} MiB")
    shipped = load_runbook_set(ROOT / "runbooks")
    corpus_quality(shipped, CORPUS, "the corpus the shipped runbooks were written against")
    corpus_quality(shipped, HOLDOUT, "held out: never used to write the runbooks")


if __name__ == "__main__":
    main()
