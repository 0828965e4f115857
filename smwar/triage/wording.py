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
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class Model:
    """A fitted model: its classes, their intercepts, and each gram's (idf, weight per class)."""

    classes: tuple[str, ...]
    intercepts: tuple[float, ...]
    grams: dict[str, tuple[float, ...]]

    def probabilities(self, text: str) -> list[float]:
        """Each class's probability for `text`: its grams' sublinear TF-IDF values, scaled to
        unit length, times the weights, plus the intercepts, through a softmax."""
        logits = [0.0] * len(self.classes)
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
        top = max(logits)
        exps = [math.exp(logit - top) for logit in logits]
        total = sum(exps)
        return [value / total for value in exps]


def from_json(fitted: dict[str, object], classes: Sequence[str]) -> Model:
    """The model written as `fitted`, which must be for `classes`."""
    if tuple(fitted["classes"]) != tuple(classes):  # type: ignore[call-overload]
        raise ValueError(f"{WEIGHTS}: fitted for other classes; run scripts/fit_mood.py")
    rows = fitted["grams"]
    assert isinstance(rows, dict)
    return Model(
        tuple(classes),
        tuple(float(value) for value in fitted["intercepts"]),  # type: ignore[attr-defined]
        {gram: tuple(float(value) for value in row) for gram, row in rows.items()},
    )


@cache
def model(classes: tuple[str, ...]) -> Model:
    """The shipped model, checked to be for `classes`."""
    return from_json(json.loads(WEIGHTS.read_text(encoding="utf-8")), classes)
