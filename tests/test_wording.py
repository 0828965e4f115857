"""How a mention's wording reads (smwar/triage/wording.py): exactly as scikit-learn's fitted model
reads it; in triage, where it tells what the lexicon's words alone do not; and in matching,
where it finds scenarios the rules missed (smwar/triage/worded.py) and leaves alone what the
runbooks set aside."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from smwar.engine.assessing import assess
from smwar.model import Mention
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.matcher import RuleMatcher
from smwar.runbooks.trial import Trial
from smwar.triage import worded, wording
from smwar.triage.decide import Triager
from smwar.triage.mood import CLASSES
from smwar.triage.sentiment import label_of
from tests.tools import scripts

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_the_model_reads_a_text_as_scikit_learn_does() -> None:
    """Fitted on labelled mentions, the exported model gives every text the probabilities
    scikit-learn's own pipeline gives it, of its sentiment and of a scenario: repeated words,
    words it never saw, an empty text."""
    rows = [json.loads(line) for line in (ROOT / "tests/data/triage-second.jsonl").read_text("utf-8").splitlines()]
    vectorizer = TfidfVectorizer(analyzer=wording.grams, min_df=2, sublinear_tf=True)
    tfidf = vectorizer.fit_transform([row["text"] for row in rows[:200]])
    sentiment = LogisticRegression(C=4.0).fit(tfidf, [CLASSES.index(row["sentiment"]) for row in rows[:200]])
    defect = LogisticRegression(C=4.0).fit(tfidf, ["product-defect" in row["scenarios"] for row in rows[:200]])
    model = scripts.fit_mood().to_model(vectorizer, sentiment, {wording.SCENARIO + "product-defect": defect})
    texts = [row["text"] for row in rows[200:]] + ["kaputt kaputt kaputt, nicht nicht", "Xyzzy plugh", ""]
    tfidf = vectorizer.transform(texts)
    prior = 1 / (1 + np.exp(-defect.intercept_[0]))
    for text, feeling, about in zip(texts, sentiment.predict_proba(tfidf), defect.predict_proba(tfidf), strict=True):
        assert np.allclose(model.sentiment(text, CLASSES), feeling, atol=1e-9), text
        chance = model.scenario(text, "product-defect")
        assert chance is not None
        if model.evidence(text) >= wording.EVIDENCE:  # enough to go by
            assert chance == pytest.approx(about[1], abs=1e-9), text
        else:  # too little: nearer the prior
            assert min(prior, about[1]) - 1e-9 <= chance <= max(prior, about[1]) + 1e-9, text
            assert abs(chance - prior) < abs(about[1] - prior) or about[1] == pytest.approx(prior), text
    assert model.scenario("Portal down", "service-outage") is None  # not fitted for it


def test_words_and_pairs_are_read_case_folded() -> None:
    assert wording.grams("Schon WIEDER kaputt!") == ["schon", "wieder", "kaputt", "schon wieder", "wieder kaputt"]


@pytest.mark.parametrize(
    ("text", "lang", "sign"),
    [
        # no word of feeling, but a writer who is done waiting
        ("Three weeks and my AquaPro still sits unconnected in the hallway.", "en", "negative"),
        ("my AquaPro 8 is now on its second drain pump in a year", "en", "negative"),
        # relief the lexicon reads as nothing, or as the failure it names
        ("Die AquaPro läuft seit dem Techniker-Besuch wieder einwandfrei.", "de", "positive"),
        ("Techniker war da, Maschine läuft wieder, alles trocken.", "de", "positive"),
    ],
)
def test_the_wording_tells_what_the_words_alone_do_not(runbooks: RunbookSet, text: str, lang: str, sign: str) -> None:
    matcher, triager = RuleMatcher(runbooks.scenarios, runbooks.deescalation), Triager(runbooks)
    mention = Mention("mastodon", "1", "@someone@example.social", text, T0, lang)
    matches, triage = assess(mention, (), matcher, triager)
    assert triage.sentiment is not None
    assert triager.mood(mention, [match.scenario_id for match in matches]).label != sign  # the lexicon alone
    assert label_of(triage.sentiment) == sign


def test_a_model_for_other_classes_is_refused_with_the_way_out() -> None:
    fitted = json.loads(wording.WEIGHTS.read_text(encoding="utf-8"))
    renamed = [
        column.replace("sentiment", "mood").replace("affected", "hit").replace("answered", "replied")
        for column in fitted["columns"]
    ]
    model = wording.from_json({**fitted, "columns": renamed})
    with pytest.raises(ValueError, match=r"run scripts/fit_mood\.py"):
        model.sentiment("Portal down", CLASSES)
    with pytest.raises(ValueError, match=r"without the column 'affected'; run scripts/fit_mood\.py"):
        model.affected("Portal down")
    with pytest.raises(ValueError, match=r"without the column 'answered'; run scripts/fit_mood\.py"):
        model.answered("Portal down")


def _scenarios(runbooks: RunbookSet, text: str) -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    """The scenarios a post by an ordinary author matches, each with the rules that said so and
    the words they found."""
    matcher, triager = RuleMatcher(runbooks.scenarios, runbooks.deescalation), Triager(runbooks)
    mention = Mention("mastodon", "1", "@someone@example.social", text, T0, None)
    matches, _ = assess(mention, (), matcher, triager)
    return {match.scenario_id: tuple((hit.rule, hit.words) for hit in match.hits) for match in matches}


def test_the_wording_finds_a_scenario_the_rules_missed_and_says_so(runbooks: RunbookSet) -> None:
    """The rules read the washing machine's thanks as praise; the wording knows the ad people
    were angry about. The hype gives way to it, as its `unless` says."""
    text = "That Elektro-Müller ad where the wife thanks the washing machine for her husband's dinner. Seriously?"
    assert (
        RuleMatcher(runbooks.scenarios, runbooks.deescalation)
        .match(Mention("mastodon", "1", "@someone@example.social", text, T0, None))[0]
        .scenario_id
        == "positive-hype"
    )  # the rules alone
    found = _scenarios(runbooks, text)
    assert list(found) == ["offensive-post"]
    [(rule, (words,))] = found["offensive-post"]
    assert rule == worded.RULE and "ad" in words.split(", ")  # the words that spoke for it


@pytest.mark.parametrize(
    ("text", "action", "unasked"),
    [
        # in the first person, in the crisis, and no customer in trouble: an opinion, watched,
        # where a plan that asked the wording nothing would answer it
        ("Ich kaufe nie wieder was von Elektro-Müller. Nach den ganzen Berichten über ausgelaufene AquaPros "
         "ist die Marke für mich erledigt.", "watch", "respond"),
        # customers in trouble are answered
        ("Meine AquaPro 8 ist heute Nacht ausgelaufen, die ganze Küche steht unter Wasser. Wer kommt für den "
         "Schaden auf?", "respond", "respond"),
        ("My AquaPro leaked all over the bathroom floor last night. Who do I call about the water damage?",
         "respond", "respond"),
        # a question put to the thread in passing, with praise: talk, watched
        ("Kennt ihr das, wenn die neue AquaPro 9 einfach leiser ist als der Kühlschrank? Bester Kauf des Jahres!",
         "watch", "respond"),
        # questions for us are answered
        ("Wann liefert Elektro-Müller die AquaPro 9 Eco nach Österreich? Finde im Shop nichts dazu.",
         "respond", "respond"),
        ("Gibt es für die AquaPro 8 einen Ersatzschlauch im Shop? Unserer ist porös geworden.", "respond", "respond"),
    ],
)  # fmt: skip
def test_the_wording_tells_a_customer_in_trouble_from_an_opinion_and_a_question_from_talk(
    runbooks: RunbookSet, text: str, action: str, unasked: str
) -> None:
    """The plan answers first-person mentions of the crisis unless the wording model is sure no
    affected customer wrote them (`affected_at_least`), and questions unless it is sure no
    community manager would answer them (`answered_at_least`); `runbooks try` shows its reading."""
    mention = Mention("mastodon", "1", "@someone@example.social", text, T0, None)
    matcher = RuleMatcher(runbooks.scenarios, runbooks.deescalation)
    assert assess(mention, (), matcher, Triager(runbooks))[1].action == action
    asking_nothing = scripts.fit_mood().asking_nothing(runbooks)
    assert assess(mention, (), matcher, Triager(asking_nothing))[1].action == unasked
    read = Triager(runbooks).worded(mention)
    shown = f"  by the wording: affected customer {read.affected:.0%}, to answer {read.answered:.0%}"
    assert shown in Trial(runbooks).describe(mention)


def test_a_short_text_tells_nothing_of_being_affected_or_answered() -> None:
    """An emoji alone or an empty text is as likely as not an affected customer's, and one to
    answer: the plan's low bars do not set a rule aside for it, nor does its high bar take it for
    an affected customer's."""
    for text in ("", "😭😭😭", "AquaPro"):
        assert 0.25 < wording.model().affected(text) < 0.7, text
        assert 0.25 < wording.model().answered(text) < 0.75, text


def test_a_customer_in_trouble_in_words_no_request_type_foresaw_is_answered(runbooks: RunbookSet) -> None:
    """No first person, no question, sarcasm: no rule of a request type matches, yet the wording
    is sure an affected customer wrote it, so the plan's request type for affected customers
    (`also_when_affected`) takes it, with its priority and owner, and it is answered."""
    text = (
        "Küche unter Wasser, Schlauch hinten geplatzt, AquaPro 8, 5 Uhr morgens, Hotline erst ab 8. "
        "Super Start in den Tag, Elektro-Müller 🙃"
    )
    mention = Mention("mastodon", "1", "@someone@example.social", text, T0, None)
    assert Triager(runbooks).request_types.match(mention) == ()  # the rules alone
    _, triage = assess(mention, (), RuleMatcher(runbooks.scenarios, runbooks.deescalation), Triager(runbooks))
    assert triage.request_types == ("affected-customer",)
    assert (triage.action, triage.rule) == ("respond", "affected-customers")
    shown = Trial(runbooks).describe(mention)
    at = shown.index("  request type affected-customer: Affected customer · priority 2, owner customer-service")
    assert shown[at + 1].startswith("    by the wording: an affected customer ")


def test_a_name_alone_is_too_little_to_go_by(runbooks: RunbookSet) -> None:
    """The model learnt the company's name from posts about its storm, and would read a post of
    nothing else as a leak; a text that short counts for less, and matches nothing, while a
    short post that says what happened still reads as it."""
    assert _scenarios(runbooks, "@elektromueller AquaPro 8") == {}
    assert (wording.model().scenario("@elektromueller AquaPro 8", "product-defect") or 1.0) < worded.WORDED
    assert (wording.model().scenario("My AquaPro flooded the kitchen", "product-defect") or 0.0) >= worded.WORDED


def test_what_the_runbooks_set_aside_the_wording_does_not_bring_back(runbooks: RunbookSet) -> None:
    """A prototype's leak at a trade fair is no defect of the product (a `none` rule), and a
    namesake's flooded kitchen is not about us, however much they sound like the storm."""
    prototype = "Der AquaPro Prototyp ist auf der Messe ausgelaufen, alles nass, Schlauch geplatzt."
    namesake = "Thomas Müller's washing machine flooded his kitchen, water everywhere, leak from the hose."
    for text in (prototype, namesake):
        assert (wording.model().scenario(text, "product-defect") or 0.0) >= worded.WORDED  # it does sound like it
        assert _scenarios(runbooks, text) == {}
