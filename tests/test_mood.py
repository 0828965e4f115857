"""A mention's sentiment read in its context (smwar/triage/mood.py): the lexicon's reading
weighed with what triage knows of the mention, by weights fitted on the tuning sets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smwar.engine.assessing import assess
from smwar.model import Mention
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.matcher import RuleMatcher
from smwar.runbooks.trial import Trial
from smwar.triage import mood
from smwar.triage.decide import Triager
from smwar.triage.sentiment import label_of
from tests.tools import scripts

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PRESS_ENQUIRY = (
    "Hi @elektromueller.bsky.social, I'm a reporter at a consumer site writing about the AquaPro leak "
    "complaints. Could your press office comment by Friday?"
)
ROOT = Path(__file__).resolve().parent.parent


def read(runbooks: RunbookSet, text: str, lang: str) -> tuple[str, str]:
    """(the lexicon's sign, the sign in context) of a post by an ordinary author."""
    matcher, triager = RuleMatcher(runbooks.scenarios, runbooks.deescalation), Triager(runbooks)
    mention = Mention("mastodon", "1", "@someone@example.social", text, T0, lang)
    matches, triage = assess(mention, (), matcher, triager)
    assert triage.sentiment is not None
    return triager.mood(mention, [match.scenario_id for match in matches]).label, label_of(triage.sentiment)


@pytest.mark.parametrize(
    ("text", "lang", "lexicon", "in_context"),
    [
        # a press enquiry names the leak; it asks, it does not complain
        (
            PRESS_ENQUIRY,
            "en",
            "negative",
            "neutral",
        ),
        # a spinner and a groan at a portal that does not load are a complaint without a word of feeling
        (
            "Kundenportal von Elektro-Müller seit heute früh: 🔄🔄🔄 -.- ich will nur meine Rechnung",
            "de",
            "neutral",
            "negative",
        ),
        # a customer's report of what the machine saved is praise, whatever a bill "down" sounds like
        (
            "Small bakery owner here. Swapped our old washer for an AquaPro 9 Eco last month. Water bill down a "
            "third, the staff love it.",
            "en",
            "negative",
            "positive",
        ),
        # a question's thanks is politeness: the question is neutral
        ("@elektromueller which spare drain hose fits the AquaPro Dry 8? Thanks!", "en", "positive", "neutral"),
        ("@elektromueller Passt die AquaPro 8 unter eine Arbeitsplatte? Danke!", "de", "positive", "neutral"),
    ],
)
def test_a_post_is_read_as_a_reader_reads_it(
    runbooks: RunbookSet, text: str, lang: str, lexicon: str, in_context: str
) -> None:
    assert read(runbooks, text, lang) == (lexicon, in_context)


def test_where_the_context_turned_the_sign_the_words_alone_are_told(runbooks: RunbookSet) -> None:
    """`runbooks try` shows the sentiment in context with the words that carried the lexicon's,
    and says so when those words alone read otherwise; nothing is added where they agree."""
    trial = Trial(runbooks)
    enquiry = Mention("mastodon", "1", "@desk@example.social", PRESS_ENQUIRY, T0, "en")
    assert trial.describe(enquiry)[-1].endswith("; the words alone read negative")
    complaint = Mention("mastodon", "2", "@someone@example.social", "my AquaPro flooded the kitchen again", T0, "en")
    assert "words alone" not in trial.describe(complaint)[-1]


def test_a_plain_complaint_and_plain_praise_keep_their_sign(runbooks: RunbookSet) -> None:
    complaint = "my AquaPro 7 flooded the kitchen again. @elektromueller.bsky.social send someone"
    praise = "Die neue AquaPro 9 ist so leise, ich bin begeistert! Danke, Elektro-Müller"
    assert read(runbooks, complaint, "en") == ("negative", "negative")
    assert read(runbooks, praise, "de") == ("positive", "positive")


def test_the_shipped_weights_are_what_the_fit_script_fits_from_the_tuning_sets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Nobody tunes the weights by hand or on a held-out set: refitting them from the tuning
    sets with the bundled runbooks gives the shipped ones (after a change of the runbooks:
    `python scripts/fit_mood.py`)."""
    fit = scripts.fit_mood()
    assert all("unseen" not in path.name for path in fit.TUNING)
    assert fit.main(["--check"]) == 0, capsys.readouterr().out


def test_weights_fitted_for_other_signals_are_refused_with_the_way_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = json.loads(mood.WEIGHTS.read_text(encoding="utf-8"))
    stale["features"] = stale["features"][:-1]
    path = tmp_path / "mood_weights.json"
    path.write_text(json.dumps(stale), encoding="utf-8")
    monkeypatch.setattr(mood, "WEIGHTS", path)
    mood.weights.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"run scripts/fit_mood\.py"):
            mood.weights()
    finally:
        mood.weights.cache_clear()
