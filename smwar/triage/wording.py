"""How a mention's wording reads to a model fitted on labelled mentions: the likelihood of each
sentiment class from its words and pairs of words, weighed by a multinomial logistic regression
over their TF-IDF values.

Why beside the lexicon: the lexicon knows the words someone wrote down as feeling, and the
rules the turns of phrase someone foresaw; a fitted model knows every word the labelled
writers used and how they felt using it ("Warteschleife", "endlich", "schon wieder"). Fitted on
six of the tuning sets and read on the seventh, it adds to what the lexicon and the context tell
(see scripts/fit_mood.py and the README's figures); its probabilities are three of the signals
the mood model weighs (smwar/triage/mood.py).

The model is fitted by scripts/fit_mood.py (with scikit-learn's TfidfVectorizer and
LogisticRegression, fed by `grams` here) and ships in wording_weights.json: for each word or
pair seen in at least two labelled mentions, its inverse document frequency and its weight for
each class. Reading a mention is one pass over its words and a lookup of each.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from itertools import pairwise
from pathlib import Path

from smwar.runbooks.text import analysed

WEIGHTS = Path(__file__).with_name("wording_weights.json")
WORD = re.compile(r"\w\w+")  # letters and digits, two or more: scikit-learn's words


def grams(text: str) -> list[str]:
    """The words of a mention's analysed `text`, case folded, and each pair of neighbours."""
    words = WORD.findall(analysed(text).casefold())
    return [*words, *(f"{first} {second}" for first, second in pairwise(words))]


SENTIMENT = "sentiment "  # the columns of the sentiment classes: "sentiment negative", …
SCENARIO = "scenario "  # the column of a scenario: "scenario product-defect"
LOGITS_KEPT = 64  # texts whose reading is kept: a mention's sentiment and scenarios ask in a row


class Model:
    """A fitted model: for each column (a sentiment class, or a scenario) its intercept, and for
    each gram its idf and its weight in each column."""

    def __init__(self, columns: Sequence[str], intercepts: Sequence[float], grams: dict[str, tuple[float, ...]]):
        self.columns = tuple(columns)
        self.intercepts = tuple(intercepts)
        self.grams = grams
        self._logits: dict[str, list[float]] = {}

    def logits(self, text: str) -> list[float]:
        """Each column's logit for `text`: its grams' sublinear TF-IDF values, scaled to unit
        length, times the column's weights, plus its intercept."""
        found = self._logits.get(text)
        if found is not None:
            return found
        logits = [0.0] * len(self.columns)
        square = 0.0
        for gram, count in Counter(grams(text)).items():
            known = self.grams.get(gram)
            if known is None:
                continue
            value = (1.0 + math.log(count)) * known[0]
            square += value * value
            for number, weight in enumerate(known[1:]):
                logits[number] += value * weight
        length = math.sqrt(square) or 1.0
        logits = [logit / length + intercept for logit, intercept in zip(logits, self.intercepts, strict=True)]
        if len(self._logits) >= LOGITS_KEPT:
            self._logits.clear()
        self._logits[text] = logits
        return logits

    def sentiment(self, text: str, classes: Sequence[str]) -> list[float]:
        """The probability of each of the sentiment `classes` for `text` (a softmax)."""
        if not {SENTIMENT + label for label in classes} <= set(self.columns):
            raise ValueError(f"{WEIGHTS}: fitted for other classes; run scripts/fit_mood.py")
        logits = self.logits(text)
        chosen = [logits[self.columns.index(SENTIMENT + label)] for label in classes]
        top = max(chosen)
        exps = [math.exp(logit - top) for logit in chosen]
        total = sum(exps)
        return [value / total for value in exps]

    def scenario(self, text: str, scenario_id: str) -> float | None:
        """The probability that `text` is about the scenario (None for one it was not fitted for)."""
        column = SCENARIO + scenario_id
        if column not in self.columns:
            return None
        return 1.0 / (1.0 + math.exp(-self.logits(text)[self.columns.index(column)]))

    def telling(self, text: str, scenario_id: str, count: int = 3) -> tuple[str, ...]:
        """The grams of `text` that speak most for the scenario, strongest first."""
        column = 1 + self.columns.index(SCENARIO + scenario_id)
        weighed = [(known[0] * known[column], gram) for gram in set(grams(text)) if (known := self.grams.get(gram))]
        return tuple(gram for weight, gram in sorted(weighed, reverse=True)[:count] if weight > 0)


def from_json(fitted: dict[str, object]) -> Model:
    """The model written as `fitted`."""
    rows = fitted["grams"]
    assert isinstance(rows, dict)
    return Model(
        fitted["columns"],  # type: ignore[arg-type]
        [float(value) for value in fitted["intercepts"]],  # type: ignore[attr-defined]
        {gram: tuple(float(value) for value in row) for gram, row in rows.items()},
    )


@cache
def model() -> Model:
    """The shipped model."""
    return from_json(json.loads(WEIGHTS.read_text(encoding="utf-8")))
