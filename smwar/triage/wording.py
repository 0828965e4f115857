"""How a mention's wording reads to a model fitted on labelled mentions: from its words and pairs
of words, weighed by logistic regressions over their TF-IDF values, the likelihood of each
sentiment class, of each scenario of the bundled runbooks, that an affected customer wrote it,
and that a community manager would answer it.

Why beside the lexicon and the rules: the lexicon knows the words someone wrote down as feeling,
and the rules the turns of phrase someone foresaw; a fitted model knows every word the labelled
writers used, how they felt using it and what they were writing about ("Warteschleife",
"endlich", "schon wieder", "the kitchen is a pond"). Fitted on all tuning sets but one and read
on that one, it adds to what the lexicon, the rules and the context tell (see
scripts/fit_mood.py and the README's figures): its sentiment is three of the signals the mood model weighs
(smwar/triage/mood.py); where it is sure of a scenario no rule matched, the mention matches
it (smwar/triage/worded.py); a de-escalation rule may ask that it not be sure no affected
customer wrote a mention (`affected_at_least`) or that no community manager would answer it
(`answered_at_least`), and a request type be recognised where it is sure an affected customer
wrote it (`also_when_affected`).

The model is fitted by scripts/fit_mood.py (with scikit-learn's TfidfVectorizer and
LogisticRegression, fed by `grams` here) and ships in wording_weights.json: for each word or
pair seen in at least two labelled mentions, its inverse document frequency and its weight in
each column (a sentiment class, a scenario, being affected, being answered). Reading a mention
is one pass over its words and a lookup of each, once for all its columns.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from smwar.runbooks.text import analysed

WEIGHTS = Path(__file__).with_name("wording_weights.json")
WORD = re.compile(r"\w\w+")  # letters and digits, two or more: scikit-learn's words


def grams(text: str) -> list[str]:
    """The words of a mention's analysed `text`, case folded, and each pair of neighbours."""
    words = WORD.findall(analysed(text).casefold())
    return [*words, *(f"{first} {second}" for first, second in pairwise(words))]


SENTIMENT = "sentiment "  # the columns of the sentiment classes: "sentiment negative", …
SCENARIO = "scenario "  # the column of a scenario: "scenario product-defect"
AFFECTED = "affected"  # the column of whether an affected customer wrote it
ANSWERED = "answered"  # the column of whether a community manager answered it (the action respond)
# The length of a text's TF-IDF vector below which what it says of a scenario, or of being
# written by an affected customer or answered, counts for less, in proportion: shorter than
# 99 % of the labelled mentions (as short as "@elektromueller AquaPro 8", 7.6), it is too little to go by,
# yet scaled to unit length it would weigh as much as a whole post (the name alone read as a
# leak at 0.82). A scenario's chance goes toward the model's prior for it (it is matched only
# when sure); being affected or answered toward an even chance (their bars go both ways: a low
# one sets a rule aside only where the wording is sure no affected customer wrote it, and an
# emoji alone tells nothing of that).
EVIDENCE = 12.0
LOGITS_KEPT = 64  # texts whose reading is kept: a mention's sentiment, scenarios and the rest ask in a row


class Model:
    """A fitted model: for each column (a sentiment class, a scenario, being affected or
    answered) its intercept, and for each gram its idf and its weight in each column."""

    def __init__(self, columns: Sequence[str], intercepts: Sequence[float], grams: dict[str, tuple[float, ...]]):
        self.columns = tuple(columns)
        self.intercepts = tuple(intercepts)
        # each gram's idf and its weights times its idf: a gram written once contributes its row as it is
        self._rows = {gram: (row[0], *(row[0] * weight for weight in row[1:])) for gram, row in grams.items()}
        self._index = {column: number for number, column in enumerate(self.columns)}
        self._read: dict[str, tuple[list[float], float]] = {}  # text -> its logits, its vector's length

    def weights(self) -> dict[str, tuple[float, ...]]:
        """Each gram's idf and its weight in each column, as fitted (its idf is at least 1),
        worked out anew from the weights kept."""
        return {gram: (row[0], *(value / row[0] for value in row[1:])) for gram, row in self._rows.items()}

    def logits(self, text: str) -> list[float]:
        """Each column's logit for `text`: its grams' sublinear TF-IDF values, scaled to unit
        length, times the column's weights, plus its intercept."""
        return self._reading(text)[0]

    def evidence(self, text: str) -> float:
        """How much `text` tells the model: the length of its TF-IDF vector (see `EVIDENCE`)."""
        return self._reading(text)[1]

    def _reading(self, text: str) -> tuple[list[float], float]:
        """`text`'s logits and the length of its TF-IDF vector."""
        found = self._read.get(text)
        if found is not None:
            return found
        rows = []
        square = 0.0
        for gram, count in Counter(grams(text)).items():
            row = self._rows.get(gram)
            if row is None:
                continue
            if count > 1:
                row = tuple((1.0 + math.log(count)) * value for value in row)
            rows.append(row)
            square += row[0] * row[0]
        length = math.sqrt(square)
        sums = [sum(column) for column in zip(*rows, strict=True)][1:] if rows else [0.0] * len(self.columns)
        logits = [total / (length or 1.0) + intercept for total, intercept in zip(sums, self.intercepts, strict=True)]
        if len(self._read) >= LOGITS_KEPT:
            self._read.clear()
        self._read[text] = logits, length
        return logits, length

    def sentiment(self, text: str, classes: Sequence[str]) -> list[float]:
        """The probability of each of the sentiment `classes` for `text` (a softmax)."""
        indexes = [self._index.get(SENTIMENT + label) for label in classes]
        if None in indexes:
            raise ValueError(f"{WEIGHTS}: fitted for other classes; run scripts/fit_mood.py")
        logits = self.logits(text)
        chosen = [logits[index] for index in indexes if index is not None]
        top = max(chosen)
        exps = [math.exp(logit - top) for logit in chosen]
        total = sum(exps)
        return [value / total for value in exps]

    def scenario(self, text: str, scenario_id: str) -> float | None:
        """The probability that `text` is about the scenario (None for one it was not fitted for),
        nearer the prior for a text too short to go by (`EVIDENCE`)."""
        return self._chance(text, SCENARIO + scenario_id, even=False)

    def affected(self, text: str) -> float:
        """The probability that an affected customer wrote `text`, nearer an even chance for a
        text too short to go by (`EVIDENCE`)."""
        return self._even(text, AFFECTED)

    def answered(self, text: str) -> float:
        """The probability that a community manager would answer `text` (as the labelled
        mentions worded like it were), nearer an even chance for a text too short to go by."""
        return self._even(text, ANSWERED)

    def _even(self, text: str, column: str) -> float:
        """The probability of `column`, which the model must have, toward an even chance."""
        chance = self._chance(text, column, even=True)
        if chance is None:
            raise ValueError(f"{WEIGHTS}: fitted without the column {column!r}; run scripts/fit_mood.py")
        return chance

    def _chance(self, text: str, column: str, *, even: bool) -> float | None:
        """The probability of `column` for `text`, toward the column's prior (or, if `even`, an
        even chance) for a text too short to go by."""
        index = self._index.get(column)
        if index is None:
            return None
        logits, length = self._reading(text)
        logit, toward = logits[index], 0.0 if even else self.intercepts[index]
        if length < EVIDENCE:
            logit = toward + (logit - toward) * length / EVIDENCE
        return 1.0 / (1.0 + math.exp(-logit))

    def telling(self, text: str, scenario_id: str, count: int = 3) -> tuple[str, ...]:
        """The grams of `text` that speak most for the scenario, strongest first, none of them
        sharing a word with a stronger one."""
        column = 1 + self._index[SCENARIO + scenario_id]
        weighed = sorted(
            ((row[column], gram) for gram in set(grams(text)) if (row := self._rows.get(gram))), reverse=True
        )
        told: list[str] = []
        said: set[str] = set()
        for weight, gram in weighed:
            if weight <= 0 or len(told) == count:
                break
            if said.isdisjoint(gram.split()):
                told.append(gram)
                said.update(gram.split())
        return tuple(told)


def from_json(fitted: Mapping[str, Any]) -> Model:
    """The model written as `fitted` (as `scripts/fit_mood.py` writes it)."""
    return Model(
        [str(column) for column in fitted["columns"]],
        [float(value) for value in fitted["intercepts"]],
        {str(gram): tuple(float(value) for value in row) for gram, row in fitted["grams"].items()},
    )


@cache
def model() -> Model:
    """The shipped model."""
    return from_json(json.loads(WEIGHTS.read_text(encoding="utf-8")))
