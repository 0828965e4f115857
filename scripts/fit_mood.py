"""Fit the models with which triage reads a mention's sentiment in its context on the labelled
sets the rules are tuned on, and write them: the wording model (smwar/triage/wording.py) to
smwar/triage/wording_weights.json, the mood model (smwar/triage/mood.py) to
smwar/triage/mood_weights.json. Never on the held-out sets.

The wording model is scikit-learn's TF-IDF of each mention's words and pairs of words (as
`wording.grams` makes them) under logistic regressions — a multinomial one of the sentiment, a
balanced binary one for each scenario, one for whether an affected customer wrote it and one
for whether it was to be answered (the action respond) —
fitted to the labels until they converge (the optimum of a strictly convex loss: the same sets give the same
weights). Every mention then goes through what the live pipeline reads of it (relevance, the
scenarios it matches, its request types, the lexicon's sentiment) with the bundled runbooks,
its wording read by a wording model fitted on the other sets only (as a new writer's would
be), and the mood model, a multinomial logistic regression with an L2 penalty, is fitted to
the labels by gradient descent from zero. `--check` fits and compares with the shipped weights
instead of writing them; `--folds` prints, for each tuning set, the sign accuracy of the
lexicon alone, of the mood model without the wording and with it, the scenarios' macro
precision and recall by the rules and with the wording, and the action's accuracy and the
affected customers' recall with the wording asked who is affected and what is answered or not,
each fitted on the other sets only (on wording they were not fitted to).

    python scripts/fit_mood.py [--check] [--folds]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from smwar.model import Match, Mention
from smwar.paths import bundled_runbooks_dir
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.evaluate import quality
from smwar.runbooks.loader import load_runbook_set
from smwar.runbooks.matcher import RuleMatcher
from smwar.sources.jsonl import read_jsonl
from smwar.triage import wording
from smwar.triage.decide import RESPOND, Triager
from smwar.triage.mood import CLASSES, FEATURES, WEIGHTS, features, probabilities
from smwar.triage.sentiment import label_of
from smwar.triage.worded import worded

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
WORDING_C = 4.0  # the wording model's inverse L2 penalty (scikit-learn's C), chosen on the folds
WORDING_MIN_MENTIONS = 2  # a word or pair counts once this many mentions hold it
WORDING_TOLERANCE = 1e-10  # its solver runs until the loss changes by less: to the optimum
WORDING = len(CLASSES)  # the mood model's last features are the wording's probabilities


class Labelled:
    """The mentions of one tuning set: their texts, the mood model's features but the wording's,
    their labels' classes and scenarios, the lexicon's classes, and the rules' matches of those
    about us (None for the others)."""

    def __init__(self, path: Path, matcher: RuleMatcher, triager: Triager) -> None:
        texts, rows, labels, scenarios, lexicon = [], [], [], [], []
        self.mentions: list[tuple[Mention, tuple[Match, ...] | None]] = []
        self.actions: list[str] = []
        self.affected: list[bool] = []
        for _, mention, raw in read_jsonl(path, BENCH.T0):
            self.actions.append(raw["action"])
            self.affected.append(raw["affected"])
            verdict = triager.relevance.judge(mention)
            matches = matcher.match(mention) if verdict.relevant else None
            matched = [match.scenario_id for match in matches or ()]
            read = triager.read(mention, matched, verdict)
            self.mentions.append((mention, matches))
            texts.append(mention.text)
            rows.append(features(mention.text, read.mood, read.context, [0.0] * WORDING)[:-WORDING])
            labels.append(CLASSES.index(raw["sentiment"]))
            scenarios.append(frozenset(raw["scenarios"]))
            lexicon.append(CLASSES.index(label_of(read.mood.score)))
        self.texts, self.rows, self.scenarios = texts, np.array(rows), scenarios
        self.labels, self.lexicon = np.array(labels), np.array(lexicon)


def fit_wording(sets: Sequence[Labelled]) -> wording.Model:
    """The wording model fitted on the mentions of `sets`: their sentiment, each scenario they
    are labelled with (as itself or not), whether an affected customer wrote them and whether
    they were to be answered."""
    vectorizer = TfidfVectorizer(analyzer=wording.grams, min_df=WORDING_MIN_MENTIONS, sublinear_tf=True)
    tfidf = vectorizer.fit_transform([text for labelled in sets for text in labelled.texts])
    labels = np.concatenate([labelled.labels for labelled in sets])
    scenarios = [scenario for labelled in sets for scenario in labelled.scenarios]
    sentiment = _regression().fit(tfidf, labels)
    binary = {
        wording.SCENARIO + scenario: _balanced(tfidf, [scenario in labelled for labelled in scenarios])
        for scenario in sorted(set().union(*scenarios))
    }
    binary[wording.AFFECTED] = _balanced(tfidf, [affected for labelled in sets for affected in labelled.affected])
    binary[wording.ANSWERED] = _balanced(tfidf, [action == RESPOND for labelled in sets for action in labelled.actions])
    return to_model(vectorizer, sentiment, binary)


def _balanced(tfidf: object, labels: Sequence[bool]) -> LogisticRegression:
    return _regression(class_weight="balanced").fit(tfidf, labels)


def _regression(**options: str) -> LogisticRegression:
    return LogisticRegression(C=WORDING_C, solver="newton-cg", tol=WORDING_TOLERANCE, max_iter=1000, **options)


def to_model(
    vectorizer: TfidfVectorizer, sentiment: LogisticRegression, binary: Mapping[str, LogisticRegression]
) -> wording.Model:
    """A fitted TF-IDF of `wording.grams`, a logistic regression on it over the sentiment classes'
    indexes and binary ones by the column they make (a scenario's: whether a mention is about
    it; `wording.AFFECTED`, `wording.ANSWERED`), as the wording model that reads alike without
    scikit-learn."""
    assert list(sentiment.classes_) == list(range(len(CLASSES)))
    columns = [*(wording.SENTIMENT + label for label in CLASSES), *binary]
    intercepts = [*sentiment.intercept_, *(regression.intercept_[0] for regression in binary.values())]
    weights = np.vstack([sentiment.coef_, *(regression.coef_ for regression in binary.values())])
    return wording.Model(
        columns,
        [float(value) for value in intercepts],
        {
            gram: (float(vectorizer.idf_[at]), *(float(value) for value in weights[:, at]))
            for gram, at in sorted(vectorizer.vocabulary_.items())
        },
    )


def fitted_apart(sets: Sequence[Labelled]) -> list[wording.Model]:
    """For each set, the wording model fitted on the other sets."""
    return [fit_wording([other for number, other in enumerate(sets) if number != held]) for held in range(len(sets))]


def read_apart(sets: Sequence[Labelled], apart: Sequence[wording.Model]) -> list[np.ndarray]:
    """The mood model's features of each set's mentions, their wording read by the model of
    `apart` (`fitted_apart`) fitted on the other sets."""
    return [
        np.hstack([labelled.rows, np.array([model.sentiment(text, CLASSES) for text in labelled.texts])])
        for labelled, model in zip(sets, apart, strict=True)
    ]


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
    sets = [Labelled(path, matcher, triager) for path in TUNING]
    apart = fitted_apart(sets)
    if args.folds:
        for held, labelled in enumerate(sets):
            others = [other for number, other in enumerate(sets) if number != held]
            labels = np.concatenate([other.labels for other in others])
            without = fit(np.vstack([other.rows for other in others]), labels)
            with_wording = fit(np.vstack(read_apart(others, fitted_apart(others))), labels)
            reading = apart[held]
            rows = np.hstack([labelled.rows, [reading.sentiment(text, CLASSES) for text in labelled.texts]])
            worded_matches = [
                matches if matches is None else worded(mention, matches, matcher, runbooks.scenarios, reading)
                for mention, matches in labelled.mentions
            ]
            acting = _acting(labelled, worded_matches, runbooks, reading)
            print(
                f"{TUNING[held].name}: sentiment: lexicon {float(np.mean(labelled.lexicon == labelled.labels)):.3f}, "
                f"in context {accuracy(labelled.rows, labelled.labels, without):.3f}, "
                f"with the wording {accuracy(rows, labelled.labels, with_wording):.3f}; scenarios P / R: "
                f"rules {_macro([matches for _, matches in labelled.mentions], labelled)}, "
                f"with the wording {_macro(worded_matches, labelled)}; action / affected recall: {acting}"
            )
    model = fit_wording(sets)
    rows = np.vstack(read_apart(sets, apart))
    labels = np.concatenate([labelled.labels for labelled in sets])
    weights = fit(rows, labels)
    print(f"fitted on {len(labels)} mentions: sign accuracy {accuracy(rows, labels, weights):.3f} on them")
    if args.check:
        shipped = np.array(json.loads(WEIGHTS.read_text(encoding="utf-8"))["weights"])
        drift = float(np.abs(shipped - weights).max()) if shipped.shape == weights.shape else float("inf")
        print(f"largest difference from the shipped weights: {drift:.2e}")
        shipped_model = wording.from_json(json.loads(wording.WEIGHTS.read_text(encoding="utf-8")))
        wording_drift = _drift(shipped_model, model)
        print(f"largest difference from the shipped wording weights: {wording_drift:.2e}")
        return 0 if drift <= TOLERANCE and wording_drift <= TOLERANCE else 1
    _write_wording(model, len(labels))
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
    print(f"wrote {WEIGHTS.relative_to(ROOT)} and {wording.WEIGHTS.relative_to(ROOT)}")
    return 0


def _macro(found: Sequence[tuple[Match, ...] | None], labelled: Labelled) -> str:
    """Macro precision and recall over the labelled scenarios of the scenarios `found` (a
    scenario never found nor labelled counts 1 for both)."""
    named = [{match.scenario_id for match in matches or ()} for matches in found]
    pairs = [(set(labels), names) for labels, names in zip(labelled.scenarios, named, strict=True)]
    table = quality(sorted(set().union(*labelled.scenarios)), pairs)
    precision = np.mean([entry.precision for entry in table.values()])
    return f"{precision:.3f} / {np.mean([entry.recall for entry in table.values()]):.3f}"


def asking_nothing(runbooks: RunbookSet) -> RunbookSet:
    """`runbooks` with no rule or request type that asks the wording who is affected or what
    is answered."""
    rules = [
        rule.model_copy(update={"affected_at_least": None, "answered_at_least": None})
        for rule in runbooks.deescalation.rule
    ]
    kinds = tuple(kind.model_copy(update={"also_when_affected": None}) for kind in runbooks.request_types)
    deescalation = runbooks.deescalation.model_copy(update={"rule": rules})
    return runbooks.model_copy(update={"deescalation": deescalation, "request_types": kinds})


def _acting(
    labelled: Labelled, found: Sequence[tuple[Match, ...] | None], runbooks: RunbookSet, reading: wording.Model
) -> str:
    """Action accuracy and affected customers' recall (on RESPOND) of the mentions of `labelled`,
    which matched `found`, triaged with `reading` as the wording model: by the plan with no rule
    or request type asking the wording who is affected or what is answered, and by the plan as
    it is."""
    figures = []
    for plan in (asking_nothing(runbooks), runbooks):
        triager = Triager(plan, reading)
        known: set[tuple[str, str]] = set()  # the authors journaled before, as triage_bench has them
        actions = [
            triager.triage(
                mention,
                BENCH.tags_for(mention, plan.deescalation, known, {}),
                [match.scenario_id for match in matches or ()],
            ).action
            for (mention, _), matches in zip(labelled.mentions, found, strict=True)
        ]
        right = np.mean([got == want for got, want in zip(actions, labelled.actions, strict=True)])
        answered = [got == RESPOND for got, affected in zip(actions, labelled.affected, strict=True) if affected]
        figures.append(f"{right:.3f} / {np.mean(answered) if answered else 1.0:.3f}")
    return " without, ".join(figures) + " with"


def _drift(shipped: wording.Model, model: wording.Model) -> float:
    """The largest difference between two wording models' numbers (infinite if their columns
    or grams differ)."""
    shipped_weights, fitted_weights = shipped.weights(), model.weights()
    if shipped.columns != model.columns or shipped_weights.keys() != fitted_weights.keys():
        return float("inf")
    rows = [(shipped.intercepts, model.intercepts)]
    rows += [(shipped_weights[gram], fitted_weights[gram]) for gram in fitted_weights]
    return max(abs(a - b) for old, new in rows for a, b in zip(old, new, strict=True))


def _write_wording(model: wording.Model, mentions: int) -> None:
    fitted = {
        "about": "The wording model of smwar/triage/wording.py, written by scripts/fit_mood.py; do not edit by hand.",
        "sets": [path.name for path in TUNING],
        "mentions": mentions,
        "c": WORDING_C,
        "columns": list(model.columns),
        "intercepts": [round(value, 8) for value in model.intercepts],
        "grams": {gram: [round(value, 8) for value in row] for gram, row in model.weights().items()},
    }
    wording.WEIGHTS.write_text(json.dumps(fitted, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
