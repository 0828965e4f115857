"""How a mention feels, read in its context: the lexicon's reading (smwar.triage.sentiment)
weighed together with what triage knows of the mention — a crisis or a hype it matched, a
question, a complaint or a press enquiry, an author in their own words, an off-topic post — and
with how its wording reads to a model of the labelled writers' words (smwar.triage.wording), by
a multinomial logistic model.

Why a model on top of the rules: a lexicon reads words, but a reader reads a post. A press
enquiry that names a leak is neutral, a polite complaint is negative however it thanks, praise
in a crisis's mention is sarcasm. Rules for each such case, written against the labelled sets,
carried over to a new writer's wording only a little; a few weights over the same signals,
fitted on the sets rules are tuned on, carried over better (see scripts/fit_mood.py and the
README's figures).

The weights are fitted by scripts/fit_mood.py on the labelled tuning sets with the bundled
runbooks (each set's wording read by a model fitted on the other sets, as a new writer's is),
and ship in mood_weights.json. The request types are named by the bundled plan's
ids: a plan whose request types are named otherwise gives those signals no weight, and the
rest still reads.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from smwar.triage.sentiment import CUTOFF, IRONIC, NEGATIVE, NEUTRAL, POSITIVE, Sentiment, label_of
from smwar.triage.sentiment_lexicons import EMOJI
from smwar.triage.wording import Model, model

WEIGHTS = Path(__file__).with_name("mood_weights.json")
CLASSES = (NEGATIVE, NEUTRAL, POSITIVE)
KINDS = (
    "affected-customer", "complaint", "support", "question", "purchase-question", "press", "troll", "spam",
    "first-person",
)  # fmt: skip
FEATURES = (
    "bias", "lexicon", "lexicon positive", "lexicon negative", "words", "praise", "other words", "question mark",
    "exclamations", "length", "crisis", "hype", "off-topic", "feed", "german",
    *(f"request type {kind}" for kind in KINDS),
    "lexicon in a question", "lexicon in a crisis", "ironic", "emoji", "quotes", "lexicon off-topic",
    "thanks in a question", *(f"wording {label}" for label in CLASSES),
)  # fmt: skip
_EMOJI = re.compile(EMOJI)
_QUOTES = frozenset('"„“”«»')
_THANKS = re.compile(r"(?i)danke|thank|thx|merci")  # a question's thanks: politeness, not praise


@dataclass(frozen=True, slots=True)
class Context:
    """What triage knows of a mention besides its words."""

    network: str
    lang: str  # the language its words were read in: "de" or "en"
    crisis: bool  # it matched a scenario of bad news (a crisis)
    hype: bool  # it matched a scenario of good news
    request_types: tuple[str, ...]
    off_topic: bool


def features(text: str, reading: Sentiment, context: Context, wording: Sequence[float]) -> list[float]:
    """The signals the model weighs, in the order of FEATURES (`wording`: the probability of
    each class by the mention's wording alone)."""
    score = reading.score
    asks = float("?" in text)
    crisis = float(context.crisis)
    off_topic = float(context.off_topic)
    return [
        1.0,
        score,
        float(score >= CUTOFF),
        float(score <= -CUTOFF),
        float(len(reading.words)),
        float(len(reading.praise)),
        float(len(reading.words) - len(reading.praise)),
        asks,
        min(text.count("!"), 4) / 4,
        math.log1p(len(text)) / 6,
        crisis,
        float(context.hype),
        off_topic,
        float(context.network == "rss"),
        float(context.lang == "de"),
        *(float(kind in context.request_types) for kind in KINDS),
        score * asks,
        score * crisis,
        float(any(word.endswith(IRONIC) for word in reading.words)),
        float(_EMOJI.search(text) is not None),
        float(not _QUOTES.isdisjoint(text)),
        score * off_topic,
        asks * float(bool(reading.praise) and all(_THANKS.match(word) for word in reading.praise)),
        *wording,
    ]


@cache
def weights() -> tuple[tuple[float, ...], ...]:
    """The fitted weights, a row for each class of CLASSES; checked against FEATURES."""
    fitted = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    if tuple(fitted["features"]) != FEATURES or tuple(fitted["classes"]) != CLASSES:
        raise ValueError(f"{WEIGHTS}: fitted for other features; run scripts/fit_mood.py")
    return tuple(tuple(float(value) for value in row) for row in fitted["weights"])


def probabilities(signals: Sequence[float], rows: Sequence[Sequence[float]]) -> list[float]:
    """Each class's probability under the weights `rows` (a softmax of their dot products; most
    signals are 0, and only the others are multiplied)."""
    logits = [0.0] * len(rows)
    for index, value in enumerate(signals):
        if value:
            for number, row in enumerate(rows):
                logits[number] += row[index] * value
    top = max(logits)
    exps = [math.exp(logit - top) for logit in logits]
    total = sum(exps)
    return [value / total for value in exps]


def weigh(text: str, reading: Sentiment, context: Context, wording: Model | None = None) -> float:
    """The mention's sentiment in context, −1…+1, whose sign (`label_of`) is the likeliest class:
    how much likelier positive is than negative, and 0 where neutral is likeliest (`wording`:
    the wording model to read it with, the shipped one if None)."""
    signals = features(text, reading, context, (wording or model()).sentiment(text, CLASSES))
    negative, neutral, positive = probabilities(signals, weights())
    if neutral >= max(negative, positive):
        return 0.0
    score = round(positive - negative, 4)
    return max(score, CUTOFF) if positive > negative else min(score, -CUTOFF)


def words_alone(score: float, reading: Sentiment) -> str:
    """What to add where a sentiment in context is shown with its lexicon's words, when the
    context turned its sign: "the words alone read negative" (a press enquiry naming a leak)."""
    return "" if label_of(score) == reading.label else f"; the words alone read {reading.label}"
