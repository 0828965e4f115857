"""Sentiment per mention, German and English: clear cases; what issue 18 found wrong (sarcasm
read as praise, 🔥 read as rage, German negation missed); the German rules (negation after the
verb, inflections, "aber", the company's own name); and two labelled sets: the sign must be
right for at least 85 % of each language's mentions in tests/data/sentiment.jsonl, which the
rules were fitted to, and on tests/data/sentiment-unseen.jsonl, which they never were."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from smwar.paths import bundled_runbooks_dir
from smwar.runbooks.loader import load_runbook_set
from smwar.runbooks.text import MAX_ANALYSED_CHARS
from smwar.triage.decide import company_words
from smwar.triage.language import guess_language
from smwar.triage.sentiment import NEGATIVE, NEUTRAL, POSITIVE, sentiment

DATA = Path(__file__).parent / "data"
SIGN = {NEGATIVE: -1, NEUTRAL: 0, POSITIVE: 1}
GOAL = 0.85  # issue 18: sentiment sign accuracy on the labelled set and on unseen mentions
UNSEEN_FLOOR = GOAL


@cache
def company() -> frozenset[str]:
    """The bundled plan's names of the company, which triage tells sentiment to leave alone."""
    return company_words(load_runbook_set(bundled_runbooks_dir()))


@pytest.mark.parametrize(
    ("text", "lang", "label"),
    [
        ("Meine Waschmaschine ist kaputt, total enttäuscht 😡", "de", NEGATIVE),
        ("Danke für die schnelle Hilfe, super freundlich!", "de", POSITIVE),
        ("Elektro-Müller eröffnet eine neue Filiale in Köln.", "de", NEUTRAL),
        ("Das Programm funktioniert leider nicht.", "de", NEGATIVE),  # the "nicht" after the verb
        ("Nicht schlecht, der neue Trockner!", "de", POSITIVE),
        ("Die Beratung war gut, aber die Lieferung eine einzige Katastrophe.", "de", NEGATIVE),
        ("enttauscht von der Hotline", "de", NEGATIVE),  # typed without the umlaut
        ("My washer is broken and support ignores me. Never again.", "en", NEGATIVE),
        ("Great service, the technician fixed it in 20 minutes 👍", "en", POSITIVE),
        ("You cannot be serious. 😡", "en", NEGATIVE),  # "cannot" must not turn the emoji round
        ("Wo finde ich das Flusensieb der AquaPro 6?", "de", NEUTRAL),  # a question's faint words
    ],
)
def test_clear_cases(text: str, lang: str, label: str) -> None:
    assert sentiment(text, lang).label == label


@pytest.mark.parametrize(
    ("text", "lang", "label"),
    [
        # sarcasm: praise beside an outage or a failure, the phrases, scare quotes, 🙃 and 🙄
        ("great, third outage this week, love it", "en", NEGATIVE),
        ("Danke für nichts", "de", NEGATIVE),
        ("Thanks for nothing, Elektro-Müller. Still no refund.", "en", NEGATIVE),
        ("Hab mich auf die neue Maschine gefreut. Jetzt sitz ich im Waschsalon. Danke auch.", "de", NEGATIVE),
        ("Na toll, die App ist schon wieder down.", "de", NEGATIVE),
        ("Super gemacht, Elektro-Müller: Server wieder weg.", "de", NEGATIVE),
        ('Toller "Service": zwei Stunden in der Warteschleife.', "de", NEGATIVE),
        ('Can\'t believe I paid extra for the "silent" model.', "en", NEGATIVE),
        ("Love how the portal crashes every time I log in 🙃", "en", NEGATIVE),
        ("Love how the app logs me out every ten minutes 👏", "en", NEGATIVE),
        ("Danke für nix, die Maschine steht wieder still.", "de", NEGATIVE),
        ("Nach dem Update startet nur noch das Schnellprogramm. Toll gemacht. 🙄", "de", NEGATIVE),
        # a complaint conceded before "aber" does not make the praise after it sarcasm
        ("Die Lieferung hat eine Woche gedauert, schon wieder, aber der Techniker war super.", "de", POSITIVE),
        # a resolved failure is relief, not sarcasm
        ("Das Portal war down, jetzt ist der Fehler behoben. Danke!", "de", POSITIVE),
        # 🔥 praises in praise and rages after a failure; 👏 after a complaint mocks
        ("Die neue AquaPro ist der Hammer 🔥", "de", POSITIVE),
        ("Love the new AquaPro 🔥", "en", POSITIVE),
        ("Server down 🔥", "en", NEGATIVE),
        ("Server down 🔥", "de", NEGATIVE),
        # and beside words that only blame, before them as after
        ("🔥🔥 what an awful ad 🔥🔥", "en", NEGATIVE),
        ("🔥 Der neue Spot ist einfach peinlich 🔥", "de", NEGATIVE),
        ("Lieferung zum dritten Mal verschoben, keine Antwort 👏", "de", NEGATIVE),
        ("Toller Service, danke 👏", "de", POSITIVE),
        # praise beside an angry emoji or a facepalm is ironic
        ("Toller Service 😡", "de", NEGATIVE),
        ("Great support, really 🤦", "en", NEGATIVE),
        # more sarcasm: a lone "Not." turns round what came before; the idioms of it
        ("Best customer service ever. Not.", "en", NEGATIVE),
        ("Bester Kundenservice ever. Nicht.", "de", NEGATIVE),
        ("Läuft bei euch, Elektro-Müller. 👍", "de", NEGATIVE),
        ("Super, der Aquastop hat wieder ausgelöst. Genau das, was ich heute brauchte.", "de", NEGATIVE),
        ("Brilliant, the aquastop tripped again. Exactly what I needed today.", "en", NEGATIVE),
        ("Thanks Elektro-Müller for letting me pay twice.", "en", NEGATIVE),
        # fitting and washing are expected: "doesn't even fit" is a failure
        ("Vielen Dank für die tolle Beratung, die Maschine passt nicht mal durch die Tür.", "de", NEGATIVE),
        ("Great innovation: a washer that won't wash without wifi.", "en", NEGATIVE),
        # negation: a negated failure is relief, a negated reply a failure, "sondern" sets aside
        ("kein guter Service", "de", NEGATIVE),
        ("nicht mehr undicht, danke!", "de", POSITIVE),
        ("The washer is no longer leaking, thanks!", "en", POSITIVE),
        ("The leak isn't fixed.", "en", NEGATIVE),
        ("Head office has not replied.", "en", NEGATIVE),
        ("Die Maschine ist nicht laut, sondern leise.", "de", POSITIVE),
        ("My AquaPro is neither great nor terrible.", "en", NEUTRAL),
        ("Ich dachte erst, die Maschine wäre kaputt, so leise ist sie.", "de", POSITIVE),
        # but "hätte gern" asks politely for what is missing: the failure beside it is real
        ("Die Maschine rumpelt und ich hätte gern einen Techniker.", "de", NEGATIVE),
        ("The door arrived dented and the drum makes a grinding noise.", "en", NEGATIVE),
        # insults
        ("Leck mich, Kundendienst 🖕", "de", NEGATIVE),
        ("nobody asked, the brand fell off years ago", "en", NEGATIVE),
        # intensifiers, and "super"/"mega" as praise of their own
        ("Mega!", "de", POSITIVE),
        ("Extrem schlechter Support.", "de", NEGATIVE),
        # emoticons
        ("Der Techniker war pünktlich :)", "de", POSITIVE),
        ("Wieder kein Termin frei :(", "de", NEGATIVE),
        ("App finally works :D", "en", POSITIVE),
        ("They lost my order again :/", "en", NEGATIVE),
    ],
)
def test_what_issue_18_found_wrong(text: str, lang: str, label: str) -> None:
    assert sentiment(text, lang, company()).label == label


@pytest.mark.parametrize(
    ("text", "lang", "label"),
    [
        # what a machine, an app or a person should do, not done, is a failure without a
        # feeling word; a German verb's negator may stand at the end of its clause
        ("Die Trommel dreht sich nicht mehr.", "de", NEGATIVE),
        ("Meine Schwester sagt, die App geht bei ihr seit heute früh nicht.", "de", NEGATIVE),
        ("Seit vier Monaten kommt niemand zur Wartung.", "de", NEGATIVE),
        ("Techniker-Termin 8-12 Uhr. Es ist 14:30. Niemand da, niemand ruft an.", "de", NEGATIVE),
        ("Nobody answers my emails.", "en", NEGATIVE),
        ("The dryer won't start.", "en", NEGATIVE),
        # done, it carries nothing; "ohne" negates only what follows it
        ("Die Maschine startet sofort.", "de", NEUTRAL),
        ("Unsere AquaPro läuft seit drei Jahren ohne Murren.", "de", POSITIVE),
        # a negation reaches across fillers ("a single", "auch nur ein"), and a lone 0 negates
        ("Never had a single problem with it.", "en", POSITIVE),
        ("Nie ist auch nur ein Tropfen ausgelaufen.", "de", POSITIVE),
        ("AquaPro 8 im Keller, 5 Jahre, 0 Probleme", "de", POSITIVE),
        ("The 0-5 loss was painful.", "en", NEGATIVE),  # a 0 in a score negates nothing
        # what follows a hedge in its sentence is only claimed, asked or denied evidence
        ("Journalist here, covering the alleged data breach. Is anyone available for a statement?", "en", NEUTRAL),
        ("Es gibt bisher keine Belege, dass Kundendaten abgeflossen sind.", "de", NEUTRAL),
        ("Mal schauen, ob die wirklich so leise ist.", "de", NEUTRAL),
        (
            "I'm a reporter working on a story about AquaPro leaks. Could your press office get back to me?",
            "en",
            NEUTRAL,
        ),
        ("What a piece of junk.", "en", NEGATIVE),
        ("Ich recherchiere zu den Berichten über auslaufende AquaPros. Gibt es eine Stellungnahme?", "de", NEUTRAL),
        # but the failure told beside it stands
        ('Sure, "no evidence of a breach". So why three phishing mails today? Totally fine.', "en", NEGATIVE),
        # a phrase is read across the emoji between its words, and "nicht mehr" reaches as "nicht"
        ("👏 eure 👏 Hotline 👏 ist 👏 seit 👏 Tagen 👏 nicht 👏 erreichbar", "de", NEGATIVE),
        ("Ich kann mich nicht mehr im Kundenportal einloggen.", "de", NEGATIVE),
        ("Not one email, not one call back since the 2nd.", "en", NEGATIVE),
        # a resolution in scare quotes is only claimed, and a cue of sarcasm
        ('Der Techniker hat "alles repariert" und die Maschine tropft munter weiter.', "de", NEGATIVE),
        # a German word of a complaint, as a verb, is negated by a negator after it, unless
        # that is "nicht mal" (not even)
        ("Die Maschine tropft seit der Reparatur nicht mehr.", "de", POSITIVE),
        ("Ich empfehle die Maschine nicht.", "de", NEGATIVE),
        ("Kaputt nach nicht mal zwei Wochen.", "de", NEGATIVE),
        ("Lohnt sich nicht.", "de", NEGATIVE),
        # with its particle after the negator, the verb negated is the one with the particle:
        # a leak that stopped, not a machine that stopped
        ("Seit dem Schlauchtausch läuft die Maschine nicht mehr aus.", "de", POSITIVE),
        ("Seit dem Update läuft die Maschine nicht mehr.", "de", NEGATIVE),
        # a separable verb is read with its particle at the clause's end, as one
        ("Die App loggt mich alle zehn Minuten aus.", "de", NEGATIVE),
        ("Die Hotline legt nach dem Sprachmenü einfach auf.", "de", NEGATIVE),
        # what is not needed is not missed
        ("Kein Techniker nötig, alles läuft. Danke!", "de", POSITIVE),
        # a failure negated is relief, even one that carries nothing of its own; a negation's
        # reach ends at a preposition
        ("Kein Tropfen mehr seit der Reparatur.", "de", POSITIVE),
        ("Not a single drip since the repair.", "en", POSITIVE),
        # a number written out is passed over in a phrase, and a rating is a rating
        ("Seit vier Monaten Ärger mit der Hotline.", "de", NEGATIVE),
        # but after "nach" a number counts a span: no wait is complained of
        ("Zwischenfazit nach vier Wochen im Dauertest: flüsterleise und sauber.", "de", POSITIVE),
        ("Five stars, would buy again.", "en", POSITIVE),
    ],
)
def test_failures_without_feeling_words_the_reach_of_negation_and_hedges(text: str, lang: str, label: str) -> None:
    assert sentiment(text, lang, company()).label == label


@pytest.mark.parametrize(
    ("text", "lang", "label"),
    [
        # the common complaints the lexicons lack: money, damage, waiting, being fobbed off
        ("Zweimal abgebucht und keiner meldet sich.", "de", NEGATIVE),
        ("Die Trommel rostet nach einem Jahr.", "de", NEGATIVE),
        ("Since the update the app is so buggy.", "en", NEGATIVE),
        ("Second flood this month. Replaced the hose, same thing.", "en", NEGATIVE),
        # a word silenced is silenced in its inflections: a salutation is no praise
        ("Lieber Kundenservice, wo bleibt meine Lieferung?", "de", NEUTRAL),
        ("Liebes Team, wie entkalke ich die Maschine?", "de", NEUTRAL),
        # "thanks to" thanks no one
        ("thanks to my washer the utility room is now a paddling pool 😡", "en", NEGATIVE),
        # a smell praised is no failure
        ("Seit zwei Jahren begeistert. Leise, sparsam, die Wäsche riecht frisch.", "de", POSITIVE),
        # an English plural counts as its singular; understatement complains
        ("Absolute idiots at the hotline.", "en", NEGATIVE),
        ("No issues so far.", "en", POSITIVE),
        ("The app could be better.", "en", NEGATIVE),
        ("Beim Kundenservice ist noch Luft nach oben.", "de", NEGATIVE),
        # laughter laughs with praise and at a complaint, and alone at whoever it is about
        ("Elektro-Müll AG lol. Name ist Programm.", "de", NEGATIVE),
        ("Server down again lol", "en", NEGATIVE),
        ("Best washer I ever had haha", "en", POSITIVE),
        ("Elektro-Müller und Kundenservice 😂😂", "de", NEGATIVE),
        ("So quiet I have to check if it's running 😂", "en", POSITIVE),
        # "imagine" doing something mocks whoever does it
        ("imagine paying 900 bucks for this lmao", "en", NEGATIVE),
        # insults and scorn; "ein Witz" is no joke
        ("Was für Stümper, der Service ist ein Witz.", "de", NEGATIVE),
        # waiting, and "endlich" asked for, are impatience
        ("Ich warte auf den Techniker.", "de", NEGATIVE),
        ("Wann kommt endlich der Techniker?", "de", NEGATIVE),
        ("When will the app finally work again?", "en", NEGATIVE),
        # what lasts or answers the phone is expected: its lack is a failure
        ("Hat nicht mal ein Jahr gehalten.", "de", NEGATIVE),
        ("Nobody picks up the phone.", "en", NEGATIVE),
        ("Niemand nimmt ab.", "de", NEGATIVE),
        # "nicht nur" / "not only" negates nothing
        ("Nicht nur laut, sondern auch undicht.", "de", NEGATIVE),
        ("Not only quiet but also fast.", "en", POSITIVE),
        # "??" and "?!" ask no plain question; a promise or an expectation not kept complains
        ("Die Abholung kostet jetzt 89 Euro??", "de", NEGATIVE),
        ("Techniker-Termin frühestens in drei Wochen?!", "de", NEGATIVE),
        # and shouting in capitals is anger
        ("DAS IST JETZT DER FÜNFTE ANRUF!!! Kann bei euch irgendjemand Mails lesen?", "de", NEGATIVE),
        ("Neue Maschine ist da, BESTE MASCHINE EVER!!!", "de", POSITIVE),
        ("Lieferung war für Dienstag zugesagt, heute ist Freitag.", "de", NEGATIVE),
        ("Is that really how the eco program is supposed to work?", "en", NEGATIVE),
        # a German compound is what its head is, when the head complains
        ("Totalausfall seit heute Morgen.", "de", NEGATIVE),
        ("Der Kundenfrust wächst.", "de", NEGATIVE),
        # a capitalized word inside its clause is a noun, which a negator after it does not negate
        ("Meine AquaPro zeigt Fehler E18 und pumpt nicht ab.", "de", NEGATIVE),
        # noises, postponements, losses; the phrases of sarcasm
        ("Trommel quietscht bei jedem Schleudergang.", "de", NEGATIVE),
        ("Ganz großes Kino, Elektro-Müller. Drei Termine verschoben.", "de", NEGATIVE),
        ("Oh wonderful, another firmware update that bricked my washer.", "en", NEGATIVE),
        ("Well done, you managed to lose my order twice.", "en", NEGATIVE),
        ("The detergent drawer fills with water and the powder never rinses out.", "en", NEGATIVE),
        # to be without what a customer should have is a failure (issue 18: "seit 3 Tagen kein Internet")
        ("Seit 3 Tagen kein Internet.", "de", NEGATIVE),
        ("Eine Woche ohne Trockner.", "de", NEGATIVE),
        ("No internet for three days.", "en", NEGATIVE),
        # scare quotes may be single; silence, giving up, danger, regret complain
        ("Ah yes, the famous 'quality'. Third drum bearing in two years.", "en", NEGATIVE),
        ("Bravo, Kundendaten im Netz und ihr schweigt.", "de", NEGATIVE),
        ("Ein Chatbot, der nach drei Fragen aufgibt.", "de", NEGATIVE),
        ("Elektro-Müller ruft Trockner zurück – Brandgefahr", "de", NEGATIVE),
        ("Hätte ich bloß die Bewertungen gelesen.", "de", NEGATIVE),
        ("Not a single issue in five years.", "en", POSITIVE),
        # a negated fix or response leaves what it was to act on as it was
        ("Thanks for getting back to me, but that doesn't solve my problem.", "en", NEGATIVE),
        ("They didn't fix the leak.", "en", NEGATIVE),
        # cynicism, indignation, praise in idioms
        ("Not surprised, their quality has been going downhill for years.", "en", NEGATIVE),
        ("All I want is a washer that works. Is that too much to ask?", "en", NEGATIVE),
        ("Unfassbar, dass sowas noch durchgeht.", "de", NEGATIVE),
        ("Hut ab, so stellt man sich Service vor.", "de", POSITIVE),
        # "wow" is amazed at what stands beside it
        ("Wow. Just wow. Worst customer service I've ever experienced.", "en", NEGATIVE),
        ("Wow, so quiet!", "en", POSITIVE),
        # breaking, nothing still, a busy line, giving up on the product
        ("So glad I paid extra for the premium model that breaks just as fast.", "en", NEGATIVE),
        ("Called 6 times, emailed twice, still nothing.", "en", NEGATIVE),
        ("Why is the hotline always busy?", "en", NEGATIVE),
        ("I'm honestly done. Returning it tomorrow.", "en", NEGATIVE),
        # a closing single quote is no part of the word: 'under maintenance' is read
        ("The portal has been 'under maintenance' for three days now.", "en", NEGATIVE),
        # jamming, stopping, residue, bills twice over
        ("Die Waschmittelschublade klemmt und voller Rückstände.", "de", NEGATIVE),
        ("You sent me two invoices and I paid twice.", "en", NEGATIVE),
        # helplessness, and a customer's next steps
        ("Die Trommel dreht sich, aber das Display zeigt E--. Wie geht's jetzt weiter?", "de", NEGATIVE),
        ("Third visit, same result. What now?", "en", NEGATIVE),
        ("I've had better customer service from a vending machine.", "en", NEGATIVE),
        # "can't … enough" praises, "not … enough" does not
        ("Can't recommend the AquaPro enough.", "en", POSITIVE),
        ("Not good enough.", "en", NEGATIVE),
        # a machine that stops or takes no water, a wrong bill, a device not connected, an
        # account changed unasked, contradicting answers, smells
        ("Meine AquaPro hat mitten im Programm aufgehört.", "de", NEGATIVE),
        ("Die Maschine zieht kein Wasser mehr.", "de", NEGATIVE),
        ("Die Rechnung stimmt nicht.", "de", NEGATIVE),
        ("Der Fahrer hat die Maschine vor die Tür gestellt, nicht angeschlossen.", "de", NEGATIVE),
        ("My password was reset without me asking.", "en", NEGATIVE),
        ("Called three times, got three different answers.", "en", NEGATIVE),
        ("Clothes come out smelling like a swamp.", "en", NEGATIVE),
        ("Geliefert wie versprochen.", "de", POSITIVE),
        # "warum" asked of a company is a reproach, unless praise outweighs it
        ("Warum muss ich für eine Reklamation drei Formulare ausfüllen?", "de", NEGATIVE),
        ("Why does a washer need a cloud account to start a cycle?", "en", NEGATIVE),
        ("Why didn't I buy this sooner? Love it!", "en", POSITIVE),
        # breakdowns, leaks and delays; a part replaced resolves them
        ("Das Leck ist immer noch da.", "de", NEGATIVE),
        ("Kein Leck mehr seit der Reparatur.", "de", POSITIVE),
        ("Leck unter der Spüle gefunden, Schlauch getauscht. Schnell und fair.", "de", POSITIVE),
        # dismissal and backhanded praise
        ("Customer service from Elektro-Müller? Good one.", "en", NEGATIVE),
        ("Cool story, now fix my washer.", "en", NEGATIVE),
        ("A masterclass in how not to do PR.", "en", NEGATIVE),
        # canned replies, forgotten appointments, answers after weeks; "der Wahnsinn" praises
        ("Wow, eine Entschuldigung per Textbaustein. Ich bin gerührt.", "de", NEGATIVE),
        ("Spitzenleistung: Termin vergessen, zweimal.", "de", NEGATIVE),
        ("Ich bin begeistert: Dritter Techniker, dritte Meinung, kein Ergebnis.", "de", NEGATIVE),
        ("Ehrlich gesagt war ich skeptisch, aber das Ding ist der Wahnsinn.", "de", POSITIVE),
        # working and caring are expected: their lack is a failure; a machine that did its job
        ("Seit dem Update funktioniert gar nichts mehr.", "de", NEGATIVE),
        ("Bei Elektro-Müller scheint sich niemand zu kümmern.", "de", NEGATIVE),
        ("Nobody at Elektro-Müller seems to care.", "en", NEGATIVE),
        ("It's not leaking, but it's not draining either.", "en", NEGATIVE),
        ("The Aquastop did its job: no water on the floor at all.", "en", POSITIVE),
        ("I wouldn't call this customer service.", "en", NEGATIVE),
        ("Not once did anyone call me back.", "en", NEGATIVE),
        # damage, stains, a line that hangs up, an account used by someone else
        ("The installer scratched my floor and left without a word.", "en", NEGATIVE),
        ("Clothes come out with grey streaks.", "en", NEGATIVE),
        ("Can't get through to anyone, the hotline just hangs up.", "en", NEGATIVE),
        ("Someone used my account to order stuff. Not me.", "en", NEGATIVE),
        ("Die Wäsche hat Flecken und einen Grauschleier.", "de", NEGATIVE),
        # praise the lexicons lack, and "couldn't be happier" / "nothing but" are no negations
        ("Läuft reibungslos, hält, was sie verspricht.", "de", POSITIVE),
        ("Hätte nicht besser laufen können.", "de", POSITIVE),
        ("Couldn't be happier.", "en", POSITIVE),
        ("Nothing but good things to say.", "en", POSITIVE),
        ("Worth every penny, a real game changer.", "en", POSITIVE),
        # VADER's words that here carry nothing: "well" as a pause, "yes"
        ("Well, yes, the portal is down again.", "en", NEGATIVE),
        ("The drum works well.", "en", POSITIVE),
        ("Ich kündige den Wartungsvertrag und gehe zur Verbraucherzentrale.", "de", NEGATIVE),
        # bait (a link and a call to follow it) says nothing of how anyone feels
        ("Gewinnspiel!!! Jetzt AquaPro gratis sichern, einfach hier klicken: gewinn.example/aqua 🎁", "de", NEUTRAL),
        ("Claim your compensation now at refund.example/aqua, limited time!!", "en", NEUTRAL),
    ],
)
def test_common_complaints_and_words_that_carry_nothing(text: str, lang: str, label: str) -> None:
    assert sentiment(text, lang, company()).label == label


def test_intensifiers_strengthen_and_the_words_that_carried_it_are_named_with_irony_marked() -> None:
    assert sentiment("Der Service ist sehr gut", "de").score > sentiment("Der Service ist gut", "de").score
    assert sentiment("really helpful", "en").score > sentiment("helpful", "en").score
    assert sentiment("äußerst freundlich", "de").score > sentiment("freundlich", "de").score
    assert sentiment("great, third outage this week, love it", "en").words == (
        "great (ironic)",
        "outage",
        "love (ironic)",
    )
    assert sentiment("Danke für nichts!", "de").words == ("danke für nichts",)


def test_the_company_name_carries_no_sentiment_and_the_carrying_words_are_named() -> None:
    text = "Müller hat geliefert."
    assert sentiment(text, "de").label == NEGATIVE, "without the company's names, Müller is 'Müll'"
    assert sentiment(text, "de", neutral={"mueller"}).label == NEUTRAL
    assert sentiment("Kaputt und enttäuscht.", "de").words == ("Kaputt", "enttäuscht")


def test_the_language_is_guessed_when_the_network_does_not_say_and_regions_are_ignored() -> None:
    assert guess_language("Ich habe die Maschine gestern bestellt und sie ist nicht da") == "de"
    assert guess_language("I ordered the machine and it is not here") == "en"
    assert guess_language("Terrible service, schedule missed again!!") == "en", "'sch' is English too"
    angry = "Totale Abzocke, der Kundenservice ist eine Katastrophe und ignoriert mich"
    assert sentiment(angry, "de-DE").label == sentiment(angry, "DE").label == NEGATIVE
    assert sentiment("Das ist eine Frechheit und ich bin sauer", None).label == NEGATIVE


@pytest.mark.parametrize("lang", ["de", "en"])
def test_hostile_text_is_read_in_time_linear_in_its_analysed_start(lang: str) -> None:
    """Negators, "sondern", quotes, the unreal, hedges, lone negators and phrases across emoji
    repeated all through the analysed start: each is found by bisection or within a few words,
    never by a scan per word."""
    if lang == "de":
        words = "nicht gut sondern wäre „super“ angeblich kaputt. Nicht. nicht 👏 👏 erreichbar "
    else:
        words = "not good rather \"great\" 'fine' allegedly broken. Not. can't recommend enough "
    text = words * (MAX_ANALYSED_CHARS // len(words) + 100)
    assert sentiment(text, lang).label in (NEGATIVE, NEUTRAL, POSITIVE)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_sign_is_right_for_85_percent_of_the_labelled_set(lang: str) -> None:
    assert sign_accuracy("sentiment.jsonl", lang) >= GOAL


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_sign_is_right_for_85_percent_of_the_unseen_set(lang: str) -> None:
    """Measured: 0.943 German, 0.872 English, from 0.874 and 0.846 before the rules of complaint
    without feeling words, German negation after the verb and sarcasm's idioms (and 0.667 and
    0.615 before any rules); the floor is the issue's goal, which both now reach."""
    assert sign_accuracy("sentiment-unseen.jsonl", lang) >= UNSEEN_FLOOR


def sign_accuracy(name: str, lang: str) -> float:
    """The share of a labelled set's mentions in `lang` whose sentiment has the labelled sign,
    scored as triage scores them (the bundled plan's names of the company carry none)."""
    rows = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]
    rows = [row for row in rows if row["lang"] == lang]
    assert len(rows) >= 75
    right = sum(SIGN[sentiment(row["text"], lang, company()).label] == SIGN[row["sentiment"]] for row in rows)
    return right / len(rows)
