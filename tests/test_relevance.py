"""Relevance first: a mention not about us is ignored by the rule "off-topic" and counts for no
scenario; among those about us, affected customers are answered and commentators watched."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smwar.engine.assessing import Assessor, assess
from smwar.model import JournaledMention, Mention
from smwar.runbooks.definitions import RunbookSet, author_tags
from smwar.runbooks.matcher import RuleMatcher
from smwar.triage.decide import Triager, company_words
from smwar.triage.relevance import OFF_TOPIC, Relevance
from smwar.triage.sentiment import sentiment
from smwar.tui.widgets.detail import describe

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OUR_POST = "https://mastodon.social/@elektromueller/113554"


def mention(text: str, **extra: object) -> Mention:
    return Mention("mastodon", "1", str(extra.pop("author", "@a@example.social")), text, T0, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Frau Müller aus der Buchhaltung hat heute Geburtstag", "names nothing of Elektro-Müller AG's"),
        ("Drogerie Müller hat die Preise für Windeln schon wieder erhöht 🙄", "a namesake"),
        ("Die AquaPro Schwimmbrille beschlägt nach zwei Bahnen", "a namesake"),
        ("Drogerie Muller in Wien hat wieder offen", "a namesake"),
        ("Liebe Stadtwerke, eure App ist seit heute Morgen down. Fehler 503.", "“eure App”, but not to us"),
        ("Der neue Superheldenfilm ist komplett geleakt, überall Spoiler", "names nothing"),
        # a name's words stand together: a person called Mueller and a washing machine are no product
        ("My neighbour, Anna Mueller, swears her washing machine is haunted", "names nothing"),
    ],
)
def test_a_mention_not_about_us_is_ignored_and_says_why(runbooks: RunbookSet, text: str, why: str) -> None:
    verdict = Relevance(runbooks).judge(mention(text))
    assert not verdict.relevant and why in verdict.why
    triage = Triager(runbooks).triage(mention(text), (), ())
    assert (triage.action, triage.rule) == ("ignore", OFF_TOPIC)


@pytest.mark.parametrize(
    ("item", "why"),
    [
        (mention("Schon wieder Pfützen vor der Maschine #AquaPro"), "carries “#aquapro”"),
        (mention("Rückruf? Steht auf https://aquapro.example/rueckruf"), "links to aquapro.example"),
        (mention("eure App ist seit heute Morgen down", reply_to=OUR_POST), "replies to us"),
        (mention("Elektro-Müller's app is down again"), "names “Elektro-Müller”"),
        (mention("Bäckerei nebenan hat zu, aber meine AquaPro läuft"), "names “AquaPro”"),
        # a storm names us by the surname beside a word of it
        (
            mention("The interesting part of the Müller outage is that the hotline went down too"),
            "names “Müller outage”",
        ),
        # written without its umlaut, dictated or typed abroad
        (mention("hey elektro muller my washing machine keeps showing error e21"), "names “Elektro-Muller”"),
    ],
)
def test_a_mention_about_us_is_relevant_and_says_why(runbooks: RunbookSet, item: Mention, why: str) -> None:
    verdict = Relevance(runbooks).judge(item)
    assert verdict.relevant and verdict.why == why


def test_a_name_the_storm_gives_us_keeps_its_words_sentiment(runbooks: RunbookSet) -> None:
    """ "Müller outage" names us, but "outage" is bad news, not a name: it is read as such."""
    words = company_words(runbooks)
    assert "mueller" in words and "outage" not in words
    assert sentiment("Another Müller outage, the third this week", "en", words).score < 0


def decide(runbooks: RunbookSet, item: Mention) -> tuple[str | None, str | None]:
    matches = RuleMatcher(runbooks.scenarios, runbooks.deescalation).match(item)
    tags = author_tags(runbooks.deescalation, item.network, item.author, item.followers)
    triage = Triager(runbooks).triage(item, tags, [match.scenario_id for match in matches])
    return triage.action, triage.rule


def test_affected_customers_are_answered_and_commentators_watched(runbooks: RunbookSet) -> None:
    assert decide(runbooks, mention("Meine AquaPro ist heute Nacht ausgelaufen, das Laminat ist hin"))[0] == "respond"
    assert decide(runbooks, mention("my order #EM-55821 still says processing, Elektro-Müller"))[0] == "respond"
    assert (
        decide(runbooks, mention("Bestellnummer 2024-118734: Lieferung der AquaPro seit zwei Wochen überfällig"))[0]
        == "respond"
    )
    assert (
        decide(runbooks, mention("Laut Heise haben viele AquaPro-Besitzer Wasserschäden. Elektro-Müller schweigt."))[0]
        == "watch"
    ), "a commentator on the news"
    assert (
        decide(runbooks, mention("Meine AquaPro läuft seit fünf Jahren, nie ist ein Tropfen ausgelaufen"))[0] == "watch"
    ), "a denial is no problem"


def test_a_vip_without_a_request_is_watched_not_answered_first(runbooks: RunbookSet) -> None:
    vip = "lenatechnik.bsky.social"
    unboxing = Mention("bluesky", "1", vip, "Unboxing the AquaPro 10 tonight on stream", T0, followers=250_000)
    assert decide(runbooks, unboxing) == ("watch", "vips-and-journalists")
    asking = Mention("bluesky", "2", vip, "Meine AquaPro ist ausgelaufen, wer hilft?", T0, followers=250_000)
    assert decide(runbooks, asking)[0] == "respond", "with a request of their own, at once"


def test_the_detail_pane_says_why_a_mention_is_not_about_us(runbooks: RunbookSet) -> None:
    item = mention("Drogerie Müller hat die Preise für Windeln schon wieder erhöht")
    assessor = Assessor(runbooks, RuleMatcher(runbooks.scenarios, runbooks.deescalation))
    triage = assessor.triager.triage(item, (), ())
    lines = describe(JournaledMention(1, item, T0, (), (), triage), runbooks, assessor)
    shown = "\n".join(line.plain for line in lines)
    assert "Triage: IGNORE (rule off-topic)" in shown
    assert "not about us: names “Drogerie Müller”, a namesake, not us" in shown


def test_the_detail_pane_says_what_a_rule_set_aside(runbooks: RunbookSet) -> None:
    """A question that the plan takes for rhetorical, and praise that a cue of sarcasm rules out
    as hype, are shown as set aside, with the words that did it."""
    assessor = Assessor(runbooks, RuleMatcher(runbooks.scenarios, runbooks.deescalation))

    def shown(text: str) -> list[str]:
        item = mention(text)
        matches, triage = assess(item, (), assessor.matcher, assessor.triager)
        return [line.plain for line in describe(JournaledMention(1, item, T0, matches, (), triage), runbooks, assessor)]

    rhetorical = shown("Der neue Elektro-Müller-Spot. Echt jetzt? Wer hat das freigegeben?")
    assert "Triage: WATCH (rule everything-else)" in "\n".join(rhetorical)
    assert "  not A question about us: “Echt jetzt” (rule rhetorical)" in rhetorical
    sarcastic = shown("Na toll, die AquaPro ist super leise. Läuft halt auch nicht mehr. Danke, Elektro-Müller!")
    assert any(line.startswith("  not Positive hype") and "(rule not-sarcasm)" in line for line in sarcastic)
    # an opinion in the first person: the plan's rule for customers in a crisis asked the wording
    opinion = shown("Ich kaufe nie wieder was von Elektro-Müller. Nach den ganzen Berichten über ausgelaufene "
                    "AquaPros ist die Marke für mich erledigt.")  # fmt: skip
    triage_line = "Triage: WATCH (rule everything-else) · by the wording: affected customer 8%, to answer 18%"
    assert triage_line in "\n".join(opinion)
