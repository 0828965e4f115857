"""Triage in the pipeline: a labelled set of mentions against the shipped runbooks; author
context from the journal (first-time authors, troublemakers learned from earlier incidents);
early-warning signs, spikes and campaigns raised once as journaled alerts; and the answer
queue's order."""

from __future__ import annotations

import importlib.util
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smwar.clock import ManualClock
from smwar.engine.assessing import assess
from smwar.engine.ingest import Handover
from smwar.engine.pipeline import FIRST_TIME_TAG, LEARNED_TAG
from smwar.engine.review import build_review
from smwar.engine.session import Session
from smwar.journal.store import Journal
from smwar.model import Mention, Triage
from smwar.paths import bundled_runbooks_dir
from smwar.review.figures import metric_rows
from smwar.runbooks.definitions import TROUBLEMAKER_TAG, RunbookSet, author_tags
from smwar.runbooks.matcher import RuleMatcher
from smwar.sources.base import Batch
from smwar.triage.decide import Triager
from smwar.triage.queue import answer_queue
from smwar.triage.signals import CAMPAIGN, SPIKE, WARNING
from smwar.tui.app import WarRoomApp
from smwar.tui.screens.queue import QueueScreen
from smwar.tui.screens.reply import ReplyScreen
from smwar.tui.widgets.feed import Feed

from .conftest import screen_text

LABELLED = Path(__file__).parent / "data" / "triage.jsonl"
BENCHMARKS = Path(__file__).parent.parent / "benchmarks"
# request types the plan gained after the set was labelled: who speaks, and whether they ask
MARKERS = {"first-person", "affected-customer", "question"}
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
JOURNALIST = "@redaktion@social.heise.de"
LEAK_REPORT = "Meine AquaPro von Elektro-Müller ist ausgelaufen, Wasserschaden in der Küche!"


def labelled() -> list[tuple[int, dict[str, object]]]:
    lines = LABELLED.read_text(encoding="utf-8").splitlines()
    return [(number, json.loads(line)) for number, line in enumerate(lines, start=1)]


@pytest.mark.parametrize(("half", "types"), [("tuned", 0.85), ("held out", 0.6)])
def test_the_labelled_set_gets_its_request_types(runbooks: RunbookSet, half: str, types: float) -> None:
    """The request-type terms of the shipped plan were widened on the even lines only. (Its
    actions were the plan's before it told affected customers from commentators: what to do is
    measured against a community manager's labels below.)"""
    request_types = Triager(runbooks).request_types
    rows = [(number, row) for number, row in labelled() if (number % 2 == 0) == (half == "tuned")]
    right_types = 0
    for number, row in rows:
        mention = Mention(
            str(row["network"]), str(number), str(row["author"]), str(row["text"]), T0, row.get("lang"),  # type: ignore[arg-type]
            row.get("followers"),  # type: ignore[arg-type]
        )  # fmt: skip
        found = {match.scenario_id for match in request_types.match(mention)} - MARKERS
        right_types += found == set(row["expect_types"])  # type: ignore[arg-type]
    assert right_types / len(rows) >= types


def triage_bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("triage_bench", BENCHMARKS / "triage_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("name", "actions", "affected"), [("triage-eval.jsonl", 0.8, 0.8), ("triage-unseen.jsonl", 0.75, 0.75)]
)
def test_triage_agrees_with_a_community_managers_labels(name: str, actions: float, affected: float) -> None:
    """Off-topic posts (namesakes, another firm's outage, "Leck mich") are never put on
    RESPOND and nearly all are ignored; affected customers are answered, commentators watched.
    The thresholds are what the shipped plan reaches, below the issue's goals, so that it only
    gets better: the held-out set was never tuned on."""
    outcomes = triage_bench().run(LABELLED.parent / name, bundled_runbooks_dir())
    off_topic = [outcome for outcome in outcomes if not outcome.label["relevant"]]
    assert not [outcome.mention.text for outcome in off_topic if outcome.action == "respond"]
    assert sum(outcome.action == "ignore" for outcome in off_topic) / len(off_topic) >= 0.9
    assert sum(outcome.action == outcome.label["action"] for outcome in outcomes) / len(outcomes) >= actions
    customers = [outcome for outcome in outcomes if outcome.label["affected"]]
    assert sum(outcome.action == "respond" for outcome in customers) / len(customers) >= affected


Decide = Callable[..., str]  # a post's words (and network) -> the action triage gives it


@pytest.fixture
def action(runbooks: RunbookSet) -> Decide:
    """What triage does with a post by an ordinary author, as the pipeline assesses it."""
    matcher, triager = RuleMatcher(runbooks.scenarios, runbooks.deescalation), Triager(runbooks)

    def decided(words: str, network: str = "mastodon") -> str:
        return assess(post(1, "@kunde@example.social", words, network), (), matcher, triager)[1].action

    return decided


@pytest.mark.parametrize(
    "text",
    [
        "Vielen Dank auch, Elektro-Müller. Die AquaPro ist ausgelaufen, die Küche steht unter Wasser.",
        "Elektro-Müller, die AquaPro ist schon wieder ausgelaufen. Wasserschaden Nummer zwei.",
        "Thanks a lot, Elektro-Mueller. The AquaPro leaked again, water everywhere.",
    ],
)
def test_a_complaint_that_speaks_to_us_by_name_is_answered(action: Decide, text: str) -> None:
    """Someone caught in the crisis who speaks to the company by its name, as one speaks to a
    person, is answered like one who writes to its handle; a headline that starts with the
    name is not spoken to anyone."""
    assert action(text) == "respond"
    assert action("Elektro-Müller: Berichte über auslaufende AquaPro-Waschmaschinen häufen sich") == "watch"


def test_a_status_line_that_leaves_out_its_i_is_a_customers_own_words(action: Decide) -> None:
    """ "Can't log in since this morning" says "I" without writing it: an affected customer,
    answered; "Can't wait for …" is no problem of anyone's."""
    assert action("Can't log in to the Müller Kundenportal since this morning, no reset mail.") == "respond"
    assert action("Müller Home app: error 503 again. Still can't start a wash.") == "respond"
    assert action("Can't wait for the new AquaPro 9 Turbo, the reviews are great!") == "watch"


def test_whose_problem_it_is_and_whether_anything_is_asked(action: Decide) -> None:
    """What happens to one again and again is one's own; a sister's machine, or the complaints
    a consumer organisation collects, is not; prize spam that names the recall asks nothing, nor
    does a rhetorical question or a feed's headline with a question mark."""
    assert action("Super, die Müller Home App ist schon wieder down. Genau das, was man braucht.") == "respond"
    assert action("The Elektro-Müller portal is down again. Love it.") == "respond"
    assert action("Meine Schwester hat auch eine AquaPro 7, die ist letzte Woche ausgelaufen.") == "watch"
    assert action("We are receiving numerous complaints about leaking AquaPro washers.") == "watch"
    assert action("Betroffen vom AquaPro-Rückruf? Entschädigung abholen: rueckruf-geld.example") == "ignore"
    assert action("Der neue Elektro-Müller-Spot. Echt jetzt? Wer hat das freigegeben?") == "watch"
    assert action("Wasserschäden durch AquaPro-Trockner? Verbraucherschützer sammeln Fälle", "rss") == "watch"
    assert action("Wie entkalke ich die AquaPro 6 am besten? @elektromueller") == "respond"
    assert action("AquaPro 8 🌊🌊🌊 Küche 😡 @elektromueller@mastodon.social") == "respond"  # said in emoji
    # one who tells of the bait they were sent is a customer to warn; the bait itself is ignored
    assert (
        action("Grad ne Mail bekommen, mit meiner Bestellnummer. Ich soll meine Kartendaten eingeben. @elektromueller")
        == "respond"
    )
    assert action("Jetzt Kartendaten eingeben und 500 € Entschädigung sichern: aquapro-geld.example") == "ignore"
    # an error code the machine shows is a problem of one's own
    assert action("sunday 6am, toddler up, and my AquaPro shows F07 again") == "respond"


def test_the_press_is_answered_when_it_asks_not_when_it_is_named(action: Decide) -> None:
    """A journalist's enquiry goes first; a post that only names the press or a statement is
    commentary."""
    assert action("Für einen Artikel bräuchten wir bis 16 Uhr eine Stellungnahme von Elektro-Müller.") == "respond"
    assert action("Reporter here: could Elektro-Müller give us a statement on the AquaPro recall?") == "respond"
    assert (
        action("Der Streit um den AquaPro-Spot ist in den Nachrichten. Von Elektro-Müller keine Stellungnahme.")
        == "watch"
    )
    assert (
        action("Any reporter covering the AquaPro leaks should talk to the plumbers, not Elektro-Müller's PR.")
        == "watch"
    )


def test_a_question_about_a_rumour_put_to_everyone_is_watched(action: Decide) -> None:
    """Talk about the leak rumour or the row over an ad is watched even as a question; a
    support question during the rumour, and a question about what is going on, are answered."""
    assert action("Angeblich sind Kundendaten von Elektro-Müller im Darknet. Weiß jemand, ob das stimmt?") == "watch"
    assert action("Is the Elektro-Müller ad sexist, or is everyone just online too much?") == "watch"
    assert action("Wie kann ich nach dem Datenleck bei Elektro-Müller mein Passwort zurücksetzen?") == "respond"
    assert action("Is the Müller Home app down for everyone? Nothing loads since noon.") == "respond"


def test_a_vip_who_asks_about_the_rumour_is_answered(runbooks: RunbookSet) -> None:
    """What a high-reach account passes on, thousands read: its question about the rumour is
    answered, where anyone else's is watched; its report without a question is watched."""
    matcher, triager = RuleMatcher(runbooks.scenarios, runbooks.deescalation), Triager(runbooks)

    def decided(author: str, followers: int, words: str) -> str | None:
        mention = post(1, author, words, "bluesky", followers=followers)
        tags = author_tags(runbooks.deescalation, mention.network, author, followers)
        return assess(mention, tags, matcher, triager)[1].action

    asks = "Angeblich sind Kundendaten von Elektro-Müller im Darknet. Weiß jemand, ob das stimmt?"
    assert decided("lenatechnik.bsky.social", 120_000, asks) == "respond"
    assert decided("jemand.bsky.social", 40, asks) == "watch"
    told = "Uns erreichen viele Beschwerden zu auslaufenden AquaPro-Waschmaschinen von Elektro-Müller."
    assert decided("lenatechnik.bsky.social", 120_000, told) == "watch"


def test_praise_in_a_mention_of_a_crisis_is_sarcasm_or_politeness(runbooks: RunbookSet) -> None:
    """A word of praise in a mention of bad news (a crisis's scenario matched it) is sarcasm or
    a complaint's politeness: the mention reads negative, and the detail shows the praise as
    ironic. Praise in good news stands, and so does relief at a defect that is gone."""
    matcher, triager = RuleMatcher(runbooks.scenarios, runbooks.deescalation), Triager(runbooks)

    def mood(words: str) -> tuple[float, tuple[str, ...]]:
        mention = post(1, "@kunde@example.social", words)
        scenarios, triage = assess(mention, (), matcher, triager)
        assert triage.sentiment is not None
        return triage.sentiment, triager.mood(mention, [match.scenario_id for match in scenarios]).words

    polite, words = mood("Guten Tag liebe Firma Elektro-Müller, meine AquaPro läuft leider unten aus. Danke!")
    assert polite < 0 and any(word.endswith("(ironic)") for word in words), words
    assert mood("Toll gemacht, Elektro-Müller: die Müller Home App ist down. Weltklasse.")[0] < 0
    assert mood("Toll gemacht, Elektro-Müller: die neue AquaPro ist super leise. Weltklasse.")[0] > 0
    assert mood("Seit dem Schlauchtausch läuft die AquaPro nicht mehr aus. Danke, Elektro-Müller!")[0] > 0


@pytest.fixture
def live(tmp_path: Path, runbooks: RunbookSet) -> tuple[Session, Handover, ManualClock]:
    handover, clock = Handover(), ManualClock(T0)
    return Session(Journal.open(tmp_path / "live.sqlite"), runbooks, clock, handover, "anna"), handover, clock


def feed(session: Session, handover: Handover, *mentions: Mention):  # type: ignore[no-untyped-def]
    handover.give(Batch(mentions=list(mentions)))
    return session.pipeline.poll()


def post(number: int, author: str, text: str, network: str = "mastodon", **extra: object) -> Mention:
    return Mention(network, f"m{number}", author, text, T0, "de", **extra)  # type: ignore[arg-type]


def test_first_time_authors_are_told_from_known_ones(live) -> None:  # type: ignore[no-untyped-def]
    session, handover, clock = live
    update = feed(
        session, handover, post(1, "@anna@x.social", "Hallo Elektro-Müller"), post(2, "@anna@x.social", "Und?")
    )
    assert [FIRST_TIME_TAG in item.author_tags for item in update.mentions] == [True, False]
    clock.advance(timedelta(minutes=1))
    [again] = feed(session, handover, post(3, "@anna@x.social", "Noch da?")).mentions
    assert FIRST_TIME_TAG not in again.author_tags
    assert again.triage is not None and again.triage.sentiment is not None


def test_a_troublemaker_is_learned_from_negative_mentions_in_earlier_incidents(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    journal, handover, clock = Journal.open(tmp_path / "live.sqlite"), Handover(), ManualClock(T0)
    session = Session(journal, runbooks, clock, handover, "anna")
    angry = "Meine AquaPro von Elektro-Müller ist schon wieder ausgelaufen. Frechheit, Schrott, nie wieder!"
    for round_ in range(3):  # three incidents, days apart, each with his angry mention in it
        [item] = feed(session, handover, post(100 + round_, "@grumpy@x.social", angry)).mentions
        incident = session.desk.open_from_mention(item, "product-defect", "answer the affected")
        session.desk.resolve_incident(incident.id, "calmed down")
        clock.advance(timedelta(days=3))
    assert TROUBLEMAKER_TAG not in item.author_tags, "learned when a session starts, from what is journaled"
    later = Session(journal, runbooks, clock, handover, "anna")
    [known] = feed(
        later, handover, post(200, "@grumpy@x.social", "Ich sag's nochmal: Elektro-Müller ist Schrott.")
    ).mentions
    assert {TROUBLEMAKER_TAG, LEARNED_TAG} <= set(known.author_tags)
    assert known.triage is not None and known.triage.action == "ignore", "the plan's troublemaker rule applies"
    [other] = feed(
        later, handover, post(201, "@calm@x.social", "Ich sag's nochmal: Elektro-Müller ist Schrott.")
    ).mentions
    assert TROUBLEMAKER_TAG not in other.author_tags


def test_early_warnings_are_raised_once_before_the_trigger_and_journaled(live) -> None:  # type: ignore[no-untyped-def]
    session, handover, clock = live
    asking = post(1, JOURNALIST, "Wir recherchieren zu auslaufenden AquaPro-Waschmaschinen von Elektro-Müller.")
    update = feed(session, handover, asking)
    titles = [alert.title for alert in update.alerts if alert.kind == WARNING and alert.scenario_id == "product-defect"]
    assert "Early warning: A journalist or consumer portal asks about leaks" in titles
    assert session.desk.incidents() == [], "a warning, before any trigger fired"
    clock.advance(timedelta(minutes=2))
    again = feed(
        session, handover, post(2, JOURNALIST, "Gibt es schon eine Stellungnahme zu den auslaufenden AquaPro?")
    )
    assert [a for a in again.alerts if a.kind == WARNING and "journalist" in a.title] == [], "raised once"
    assert session.pipeline.scenario_stats()[3].warnings, "the board shows the sign while it holds"
    journaled = list(session.journal.events(kind="alert.warning"))
    assert journaled and journaled[0].payload["scenario"] == "product-defect"
    clock.advance(timedelta(minutes=1))
    hashtag = feed(session, handover, post(3, "@x@y.social", "Schon wieder #ElektroMuellerFail, ich hab genug"))
    assert [alert.title for alert in hashtag.alerts] == ["Early warning: A #…Fail hashtag appears"]


def test_no_early_warning_while_the_scenario_has_an_incident(live) -> None:  # type: ignore[no-untyped-def]
    session, handover, clock = live
    [item] = feed(session, handover, post(1, "@a@b.social", LEAK_REPORT)).mentions
    session.desk.open_from_mention(item, "product-defect", "answer everyone")
    clock.advance(timedelta(minutes=20))
    update = feed(
        session, handover, post(2, JOURNALIST, "Wir recherchieren zu auslaufenden AquaPro von Elektro-Müller.")
    )
    assert [alert for alert in update.alerts if alert.scenario_id == "product-defect"] == []


def test_a_spike_against_the_journals_baseline_raises_one_alert(live) -> None:  # type: ignore[no-untyped-def]
    session, handover, clock = live
    for minute in range(0, 120, 30):  # two quiet hours: a report every half hour
        feed(session, handover, post(minute, f"@user{minute}@x.social", LEAK_REPORT))
        clock.advance(timedelta(minutes=30))
    spikes = []
    for second in range(0, 300, 15):  # then twenty in five minutes
        clock.advance(timedelta(seconds=15))
        update = feed(session, handover, post(1000 + second, f"@storm{second}@x.social", LEAK_REPORT + f" ({second})"))
        spikes += [alert for alert in update.alerts if alert.kind == SPIKE]
    # the seventh report is six above the usual; the scenario's trigger proposed its incident at
    # the sixth: the spike is alerted for all mentions, the scenario's own is kept quiet
    assert [alert.scenario_id for alert in spikes] == [None], "one alert per burst"
    assert "mentions in the last 10 min" in spikes[0].detail
    [stat] = [stat for stat in session.pipeline.scenario_stats() if stat.scenario.id == "product-defect"]
    assert stat.trend is not None and stat.trend.spike and stat.trend.burst is not None
    assert list(session.journal.events(kind="alert.spike"))


def test_a_campaign_about_a_scenario_is_alerted_once_and_answered_once(live) -> None:  # type: ignore[no-untyped-def]
    session, handover, clock = live
    copy = "ACHTUNG!!! Elektro-Müller Kundendaten geleakt!!! Passwörter im Netz, sofort ändern!!!"
    alerts, items = [], []
    for number in range(5):
        clock.advance(timedelta(seconds=20))
        update = feed(session, handover, post(number, f"@bot{number}@x.social", copy + f" #{number}"))
        alerts += [alert for alert in update.alerts if alert.kind == CAMPAIGN]
        items += update.mentions
    [alert] = alerts
    assert alert.scenario_id == "data-leak-rumour" and alert.mention_id == items[0].id
    queue = answer_queue(items, session.runbooks, {}, session.pipeline.signals.campaigns.find)
    assert [entry.copies for entry in queue] == [5], "the campaign is one entry"
    answered = {items[2].id: items[2].mention.text}
    answered_once = answer_queue(items[3:], session.runbooks, answered, session.pipeline.signals.campaigns.find)
    assert answered_once == [], "one copy answered: the campaign is answered"


def test_the_queue_puts_respond_first_then_priority_then_reach_and_drops_the_answered(live) -> None:  # type: ignore[no-untyped-def]
    session, handover, _ = live
    update = feed(
        session,
        handover,
        post(1, "@fan@x.social", "Schönes Wetter heute, Elektro-Müller hat gut geliefert", followers=50),
        post(2, "@kunde@x.social", "Meine AquaPro ist kaputt, Fehlercode E18. Hilfe?", followers=10),
        post(3, "@gross@x.social", "Meine AquaPro ist kaputt, Fehlercode E18. Hilfe!!", followers=40_000),
        post(4, JOURNALIST, "Presseanfrage: Wir bitten um eine Stellungnahme zu Elektro-Müller."),
    )
    items = list(update.mentions)
    queue = answer_queue(items, session.runbooks, {}, lambda _: None)
    assert [entry.item.mention.native_id for entry in queue] == ["m4", "m3", "m2", "m1"]
    assert queue[0].owner == "pr-advisor" and queue[0].priority == 1
    answered = answer_queue(items, session.runbooks, {items[3].id: items[3].mention.text}, lambda _: None)
    assert [entry.item.mention.native_id for entry in answered] == ["m3", "m2", "m1"]


async def test_the_war_room_shows_alerts_the_board_trend_and_the_queue(live) -> None:  # type: ignore[no-untyped-def]
    session, handover, clock = live
    app = WarRoomApp(session, poll_seconds=3600)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert "End drill" not in screen_text(app) and "Answer next" in screen_text(app), "live mode: no drill keys"
        handover.give(
            Batch(mentions=[post(1, JOURNALIST, "Presseanfrage zu auslaufenden AquaPro: was sagt Müller dazu?")])
        )
        app.main.poll_now()
        await pilot.pause()
        [notice] = app.main.desk.journal.notices("warning", "product-defect")
        assert notice.title.startswith("Early warning: A journalist or consumer portal asks about leaks")
        assert "✉ 1 unread (m)" in screen_text(app), "it waits in the inbox"
        assert "⚠ Product de" in screen_text(app), "the board marks the scenario"
        app.query_one(Feed).cursor = 0
        await pilot.pause()
        detail = screen_text(app)
        assert "Triage: RESPOND (rule press-first)" in detail
        assert "Press or media enquiry: priority 1, owner pr-advisor" in detail
        [mood] = [line for line in detail.splitlines() if "sentiment " in line]
        assert "Müller" not in mood, "the company's name carries no sentiment"
        handover.give(
            Batch(
                mentions=[
                    post(2, "@kunde@x.social", "Meine AquaPro ist kaputt, Fehlercode E18. Hilfe?", followers=10),
                    post(3, "@fan@x.social", "Schönes Wetter heute, Elektro-Müller hat gut geliefert", followers=5),
                ]
            )
        )
        clock.advance(timedelta(seconds=5))
        app.main.poll_now()
        await pilot.pause()
        await pilot.press("n")
        assert isinstance(app.screen, QueueScreen)
        text = screen_text(app)
        assert "2 to answer now" in text and "1 to watch" in text
        assert text.index("Presseanfrage") < text.index("Fehlercode E18") < text.index("Schönes Wetter")
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert "Meine AquaPro ist kaputt, Fehlercode E18." in screen_text(app), "the text gets the room at 120"
        await pilot.press("down", "r")
        assert isinstance(app.screen, ReplyScreen) and app.screen.item.mention.native_id == "m2"


async def test_in_a_storm_the_press_waiting_longest_still_tops_the_answer_queue(live) -> None:  # type: ignore[no-untyped-def]
    """A journalist asked first; six hundred complaints came after. The queue is read deep
    enough that the journalist is still there, first, and the head counts them all."""
    session, _handover, _clock = live
    asked = Triage("respond", "press-first", ("press",))
    complained = Triage("respond", "complaints", ("complaint",))
    session.journal.add_mentions(
        [(post(0, JOURNALIST, "Presseanfrage zur AquaPro: Stellungnahme bis 15 Uhr?"), T0, (), (), asked)]
        + [(post(n, f"@k{n}@x.social", _complaint(n)), T0, (), (), complained) for n in range(1, 601)]
    )
    app = WarRoomApp(session, poll_seconds=3600)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        head, _columns, first, *_ = screen_text(app).splitlines()
        assert int(head.split(" to answer now")[0].replace(",", "")) > 500, head  # more than the old depth read
        assert "Presseanfrage zur AquaPro" in first, "priority 1, however many came after"


COMPLAINT_WORDS = ("Waschmaschine", "Küche", "Keller", "Wasser", "Schaden", "Hotline", "Techniker", "Termin", "Woche")


def _complaint(number: int) -> str:
    """A complaint in words of its own, mostly: few of them read as copies of one another."""
    return f"AquaPro {' '.join(random.Random(number).sample(COMPLAINT_WORDS, 6))} kaputt, Nummer {number}"


def test_the_post_mortem_shows_what_warned_of_the_incident_without_naming_authors(live) -> None:  # type: ignore[no-untyped-def]
    session, handover, clock = live
    feed(session, handover, post(1, "lenatechnik.bsky.social", "#ElektroMuellerFail schon wieder", network="bluesky"))
    clock.advance(timedelta(minutes=30))
    [item] = feed(session, handover, post(2, "@a@b.social", LEAK_REPORT)).mentions
    incident = session.desk.open_from_mention(item, "product-defect", "answer every affected customer")
    review = build_review(session, incident.id)
    kinds = [entry.kind for entry in review.timeline]
    assert kinds.index("alert.warning") < kinds.index("incident.proposed"), "the warning came first"
    warned = [entry.text for entry in review.timeline if entry.kind == "alert.warning"]
    assert warned[0].startswith("Early warning: A #…Fail hashtag appears: bluesky: “#ElektroMuellerFail")
    assert warned[1].startswith("Early warning: A water-damage report: mastodon: “Meine AquaPro")
    assert "lenatechnik" not in " ".join(entry.text for entry in review.timeline)
    assert review.warned_ahead == timedelta(minutes=30)
    assert ("Early warning ahead of the proposal", "30m") in metric_rows(review)


@pytest.mark.parametrize(("every", "spike"), [(timedelta(minutes=20), True), (timedelta(seconds=20), False)])
def test_after_a_restart_the_baseline_comes_from_the_journal(
    tmp_path: Path, runbooks: RunbookSet, every: timedelta, spike: bool
) -> None:
    """Three hours of reports, one every `every`, then smwar restarts and, once settled, ten
    arrive in two minutes."""
    journal, handover, clock = Journal.open(tmp_path / "live.sqlite"), Handover(), ManualClock(T0)
    first = Session(journal, runbooks, clock, handover, "anna")
    for number in range(int(timedelta(hours=3) / every)):
        feed(first, handover, post(number, f"@u{number}@x.social", LEAK_REPORT + f" #{number}"))
        clock.advance(every)
    later = Session(journal, runbooks, clock, handover, "anna")
    feed(later, handover)  # the first poll after a start: sources would catch up now
    clock.advance(timedelta(minutes=11))
    for number in range(10):
        clock.advance(timedelta(seconds=12))
        feed(later, handover, post(10_000 + number, f"@s{number}@x.social", LEAK_REPORT + f" ({number})"))
    [stat] = [stat for stat in later.pipeline.scenario_stats() if stat.scenario.id == "product-defect"]
    assert stat.trend is not None and stat.trend.spike is spike
    assert stat.trend.expected == pytest.approx(timedelta(minutes=10) / every, rel=0.35)


def test_what_sources_catch_up_with_after_a_day_away_is_no_spike(tmp_path: Path, runbooks: RunbookSet) -> None:
    journal, handover, clock = Journal.open(tmp_path / "live.sqlite"), Handover(), ManualClock(T0)
    first = Session(journal, runbooks, clock, handover, "anna")
    for number in range(24):  # two hours, a report every five minutes
        feed(first, handover, post(number, f"@u{number}@x.social", LEAK_REPORT + f" #{number}"))
        clock.advance(timedelta(minutes=5))
    clock.advance(timedelta(hours=24))  # smwar was not running
    later = Session(journal, runbooks, clock, handover, "anna")
    backlog = [post(100 + n, f"@b{n}@x.social", LEAK_REPORT + f" ({n})") for n in range(40)]
    update = feed(later, handover, *backlog)
    assert [alert for alert in update.alerts if alert.kind == SPIKE] == []
    [stat] = [stat for stat in later.pipeline.scenario_stats() if stat.scenario.id == "product-defect"]
    # a report every five minutes is two a window; counting the day away as quiet would make it ~0.02
    assert stat.trend is not None and stat.trend.expected > 1, "the day away is no history"


def test_answered_mentions_do_not_crowd_older_ones_out_of_the_queue(live) -> None:  # type: ignore[no-untyped-def]
    session, handover, _ = live
    posts = [post(n, f"@k{n}@x.social", f"{LEAK_REPORT} Hilfe? #{n}") for n in range(30)]
    items = feed(session, handover, *posts).mentions
    assert all(item.triage is not None and item.triage.action == "respond" for item in items)
    answered = {item.id: item.mention.text for item in items[5:]}  # the newest 25 have their reply
    found = session.journal.to_answer(T0 - timedelta(hours=1), ("respond",), 10, answered)
    assert [item.id for item in found] == [item.id for item in reversed(items[:5])]
    assert all(item.matches for item in found), "with their matches"


def test_a_campaign_is_still_one_row_and_no_news_after_a_restart(tmp_path: Path, runbooks: RunbookSet) -> None:
    journal, handover, clock = Journal.open(tmp_path / "live.sqlite"), Handover(), ManualClock(T0)
    first = Session(journal, runbooks, clock, handover, "anna")
    copy = "ACHTUNG!!! Elektro-Müller Kundendaten geleakt!!! Passwörter im Netz, sofort ändern!!!"
    for number in range(4):
        clock.advance(timedelta(seconds=20))
        feed(first, handover, post(number, f"@bot{number}@x.social", copy))
    later = Session(journal, runbooks, clock, handover, "anna")
    clock.advance(timedelta(seconds=20))
    update = feed(later, handover, post(9, "@bot9@x.social", copy))
    assert [alert for alert in update.alerts if alert.kind == CAMPAIGN] == [], "announced before the restart"
    items = journal.recent_mentions(T0, 100)
    queue = answer_queue(items, runbooks, {}, later.pipeline.signals.campaigns.find)
    assert [entry.copies for entry in queue] == [5]
