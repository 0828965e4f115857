"""Fit the weights with which triage reads a mention's sentiment in its context
(smwar/triage/mood.py) on the labelled sets the rules are tuned on, and write them to
smwar/triage/mood_weights.json. Never on the held-out sets.

Every mention goes through what the live pipeline reads of it (relevance, the scenarios it
matches, its request types, the lexicon's sentiment) with the bundled runbooks; a multinomial
logistic regression with an L2 penalty is fitted to the labels by gradient descent from zero,
so the same sets always give the same weights. `--check` fits and compares with the shipped
weights instead of writing them; `--folds` prints, for each tuning set, the sign accuracy of
the lexicon alone and of weights fitted on the other sets only (on wording they were not
fitted to).

    python scripts/fit_mood.py [--check] [--folds]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import numpy as np

from smwar.paths import bundled_runbooks_dir
from smwar.runbooks.loader import load_runbook_set
from smwar.runbooks.matcher import RuleMatcher
from smwar.sources.jsonl import read_jsonl
from smwar.triage.decide import Triager
from smwar.triage.mood import CLASSES, FEATURES, WEIGHTS, features, probabilities
from smwar.triage.sentiment import label_of

ROOT = Path(__file__).resolve().parent.parent


def _triage_bench() -> ModuleType:
    """benchmarks/triage_bench.py, which names the labelled sets and which of them are tuned on."""
    spec = importlib.util.spec_from_file_location("triage_bench", ROOT / "benchmarks" / "triage_bench.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


BENCH = _triage_bench()
TUNING = tuple(path for path, _ in BENCH.TUNING)  # never a held-out set
L2 = 1.0  # the penalty on the weights, against the sum of the mentions' losses
STEPS, RATE = 3000, 0.5
TOLERANCE = 1e-6  # how far a refit may differ from the shipped weights (floating point)


def signals(path: Path, matcher: RuleMatcher, triager: Triager) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The features of every mention of `path`, its label's class, and the lexicon's class."""
    rows, labels, lexicon = [], [], []
    for _, mention, raw in read_jsonl(path, BENCH.T0):
        verdict = triager.relevance.judge(mention)
        scenarios = [match.scenario_id for match in matcher.match(mention)] if verdict.relevant else []
        read = triager.read(mention, scenarios, verdict)
        rows.append(features(mention.text, read.mood, read.context))
        labels.append(CLASSES.index(raw["sentiment"]))
        lexicon.append(CLASSES.index(label_of(read.mood.score)))
    return np.array(rows), np.array(labels), np.array(lexicon)


def fit(rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Weights (classes × features) of a multinomial logistic regression with an L2 penalty."""
    weights = np.zeros((len(CLASSES), rows.shape[1]))
    wanted = np.eye(len(CLASSES))[labels]
    for _ in range(STEPS):
        logits = rows @ weights.T
        logits -= logits.max(axis=1, keepdims=True)
        chances = np.exp(logits)
        chances /= chances.sum(axis=1, keepdims=True)
        gradient = (chances - wanted).T @ rows / len(labels) + L2 * weights / len(labels)
        weights -= RATE * gradient
    return weights


def accuracy(rows: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> float:
    chosen = [max(range(len(CLASSES)), key=probabilities(row, weights).__getitem__) for row in rows]
    return float(np.mean(np.array(chosen) == labels))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the shipped weights, write nothing")
    parser.add_argument("--folds", action="store_true", help="accuracy on each set, fitted on the others")
    args = parser.parse_args(argv)
    runbooks = load_runbook_set(bundled_runbooks_dir())
    matcher, triager = RuleMatcher(runbooks.scenarios, runbooks.deescalation), Triager(runbooks)
    sets = {path: signals(path, matcher, triager) for path in TUNING}
    if args.folds:
        for held, (rows, labels, lexicon) in sets.items():
            others = [sets[path] for path in TUNING if path != held]
            weights = fit(
                np.vstack([rows for rows, _, _ in others]), np.concatenate([labels for _, labels, _ in others])
            )
            alone = float(np.mean(lexicon == labels))
            print(f"{held.name}: lexicon {alone:.3f}, in context {accuracy(rows, labels, weights):.3f}")
    rows = np.vstack([rows for rows, _, _ in sets.values()])
    labels = np.concatenate([labels for _, labels, _ in sets.values()])
    weights = fit(rows, labels)
    print(f"fitted on {len(labels)} mentions: sign accuracy {accuracy(rows, labels, weights):.3f} on them")
    if args.check:
        shipped = np.array(json.loads(WEIGHTS.read_text(encoding="utf-8"))["weights"])
        drift = float(np.abs(shipped - weights).max()) if shipped.shape == weights.shape else float("inf")
        print(f"largest difference from the shipped weights: {drift:.2e}")
        return 0 if drift <= TOLERANCE else 1
    fitted = {
        "about": "Weights of smwar/triage/mood.py, written by scripts/fit_mood.py; do not edit by hand.",
        "sets": [path.name for path in TUNING],
        "mentions": len(labels),
        "l2": L2,
        "classes": list(CLASSES),
        "features": list(FEATURES),
        "weights": [[round(float(value), 10) for value in row] for row in weights],
    }
    WEIGHTS.write_text(json.dumps(fitted, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
