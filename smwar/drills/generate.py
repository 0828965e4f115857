"""Write a realistic drill from a runbook: a self-exciting cascade of mentions around one
scenario (and, if asked, a second storm after it), with the response the runbook expects.

Arrivals follow a Hawkes process (each mention makes more likely, for a while, as a storm
feeds itself), drawn by Ogata's thinning. Each arrival is on topic (the scenario's terms in a
sentence people would write, German or English, with typos, capitals and hashtags), about the
company but not the scenario, a look-alike, or unrelated chatter. Early on, the scenario's
early-warning signs show: a post with one of a sign's terms, and a listed journalist asking
when a sign watches for journalists. A VIP posts on topic a third of the way in; halfway, a
troll campaign copy-pastes one text from several accounts; a network drops out for three
minutes; the trainer asks a question once the storm has fired. The expected response is read
off the runbook by the very matcher the drill will run: each scenario must be opened within ten
minutes of its trigger firing, the VIPs and journalists answered, the trolls left alone.
A low-severity scenario (a positive hype) gets the tone of praise instead of complaint.
Same seed, same drill.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import tomlkit

from smwar.model import Mention
from smwar.runbooks.definitions import RunbookSet, Scenario
from smwar.runbooks.matcher import RuleMatcher
from smwar.runbooks.text import term_words
from smwar.timespan import format_offset
from smwar.triage.decide import Triager
from smwar.triage.worded import scenarios_of

BASE_RATE = 1 / 45  # background mentions per second
EXCITATION = 0.7 / 60  # each mention adds this much rate…
DECAY = 1 / 60  # …fading with a time constant of a minute (branching ratio 0.7: it stays finite)
OPEN_WITHIN = timedelta(minutes=10)  # after the trigger fires
VIP_FOLLOWERS = 480_000
TROLL_COPIES = 6
OUTAGE = timedelta(minutes=3)
START = datetime(2026, 1, 1, tzinfo=UTC)  # only to run the matcher; offsets are what is written

# How people write about a scenario: {company} and {topic} are filled in; a complaint or praise.
SENTENCES = {
    ("complaint", "de"): [
        "{opening} {topic} bei {company}. {closing}",
        "Hat noch jemand Ärger mit {company}? Bei mir: {topic}. {closing}",
        "{company} – {topic}. Das kann doch nicht euer Ernst sein. {closing}",
        "Seit heute früh {topic}, und bei {company} geht keiner ran. {closing}",
        "Frage an {company}: was ist da los mit {topic}? {closing}",
        "Lese gerade überall von {topic} bei {company}. Stimmt das? {closing}",
    ],
    ("complaint", "en"): [
        "{opening} {topic} with {company}. {closing}",
        "Anyone else having trouble with {company}? Mine: {topic}. {closing}",
        "{company} – {topic}. You cannot be serious. {closing}",
        "Since this morning: {topic}, and nobody at {company} picks up. {closing}",
        "Question for {company}: what is going on with {topic}? {closing}",
        "Reading everywhere about {topic} at {company}. Is it true? {closing}",
    ],
    ("praise", "de"): [
        "{opening} {topic} – {company} hat es einfach drauf. {closing}",
        "Muss mal gesagt werden: {company}, {topic}! {closing}",
        "Gerade gesehen, {topic}. Danke {company}! {closing}",
        "{company}: {topic}. So geht das. {closing}",
    ],
    ("praise", "en"): [
        "{opening} {topic} – {company} nailed it. {closing}",
        "Have to say it: {company}, {topic}! {closing}",
        "Just saw it, {topic}. Thanks {company}! {closing}",
        "{company}: {topic}. That is how it is done. {closing}",
    ],
}
OPENINGS = {
    ("complaint", "de"): ["Unglaublich:", "Ernsthaft,", "Hilfe!", "Kennt das jemand?", "Update:", ""],
    ("complaint", "en"): ["Unbelievable:", "Seriously,", "Help!", "Anyone else?", "Update:", ""],
    ("praise", "de"): ["Wow!", "Ehrlich,", "Kurzes Lob:", ""],
    ("praise", "en"): ["Wow!", "Honestly,", "Quick shoutout:", ""],
}
CLOSINGS = {
    ("complaint", "de"): ["Was soll ich jetzt machen?", "Bitte meldet euch.", "😡", "#fail", ""],
    ("complaint", "en"): ["What do I do now?", "Please get back to me.", "😡", "#fail", ""],
    ("praise", "de"): ["👍", "❤️", "Weiter so!", ""],
    ("praise", "en"): ["👍", "❤️", "Keep it up!", ""],
}
CHATTER = {
    "de": ["Schönes Wetter heute in Hamburg.", "Wer schaut heute Abend das Spiel?", "Kaffee ist fertig."],
    "en": ["Lovely weather today.", "Who is watching the game tonight?", "Coffee's ready."],
}
LOOK_ALIKES = [
    "Thomas Müller trifft wieder für den FC Bayern!",
    "Bei Drogerie Müller gibt es gerade 20 % auf alles.",
    "My Bosch washer leaked all over the laundry room.",
]
TRAINER_QUESTIONS = [
    "The PR advisor cannot be reached for the next 20 minutes. Who approves the holding statement?",
    "A journalist calls the switchboard and asks for a statement within the hour. What happens now?",
    "The CEO asks for a one-line status for the board. What do you send?",
]
SIGN_SENTENCES = {
    "de": ["{term} – weiß jemand mehr? Betrifft das {company}?", "Hm, {term} bei {company}? Kann das wer bestätigen?"],
    "en": ["{term}? Anyone else seeing this with {company}?", "Is this {term} thing about {company} real?"],
}
PRESS_QUESTION = {"de": "Presseanfrage, wir recherchieren:", "en": "Press enquiry, we are looking into this:"}
VIPS = ["lenatechnik", "haushaltsheld", "gadgetgabi", "techtalk-tom", "smarthome-sam"]
NAMES = ["anna", "ben", "carla", "deniz", "emil", "fatma", "greta", "hannes", "ida", "jonas", "kim", "lea"]
NETWORK_HANDLES = {
    "mastodon": "@{name}{n}@social.example",
    "bluesky": "{name}{n}.bsky.social",
    "reddit": "u/{name}_{n}",
}


@dataclass(frozen=True, slots=True)
class _Inject:
    at: float  # seconds from the start
    network: str
    author: str
    text: str
    lang: str
    followers: int


def arrivals(rng: random.Random, seconds: float) -> list[float]:
    """Times of a Hawkes process on [0, seconds), by Ogata's thinning."""
    times: list[float] = []
    now = 0.0
    while True:
        ceiling = BASE_RATE + sum(EXCITATION * math.exp(-DECAY * (now - t)) for t in times[-200:])
        now += rng.expovariate(ceiling)
        if now >= seconds:
            return times
        rate = BASE_RATE + sum(EXCITATION * math.exp(-DECAY * (now - t)) for t in times[-200:])
        if rng.random() * ceiling <= rate:
            times.append(now)


def generate(runbooks: RunbookSet, scenario_id: str, seed: int, minutes: int, then: str | None = None) -> str:
    """A drill script (TOML) for `scenario_id` — followed, with `then`, by a second storm around
    that scenario in the drill's second half — reproducible from `seed`."""
    first = runbooks.scenario(scenario_id)
    rng = random.Random(f"{scenario_id}:{then}:{seed}:{minutes}")
    seconds = minutes * 60.0
    storms = [(first, 0.0, seconds)]
    if then is not None:
        storms = [(first, 0.0, seconds * 0.6), (runbooks.scenario(then), seconds * 0.5, seconds)]
    injects: list[_Inject] = []
    for scenario, begin, end in storms:
        injects += [_arrival(rng, runbooks, scenario, begin + at) for at in arrivals(rng, end - begin)]
        injects.append(_post(rng, runbooks, scenario, begin + (end - begin) / 3, vip=True))
        injects += _warning_signs(rng, runbooks, scenario, begin)
    trolls = _trolls(rng, runbooks)
    campaign = _on_topic(rng, runbooks, first, "de")
    middle = storms[0][2] / 2
    injects += [
        _Inject(middle + 15 * copy, "mastodon", trolls[copy % len(trolls)], campaign, "de", 40)
        for copy in range(TROLL_COPIES)
    ]
    injects = sorted((replace(inject, at=float(round(inject.at))) for inject in injects), key=lambda i: i.at)
    outage = (rng.choice(tuple(NETWORK_HANDLES)), round(seconds * 0.4))
    fired, touched = _fired(runbooks, [scenario for scenario, _, _ in storms], injects, outage)
    journalists = {person.handle for person in runbooks.deescalation.journalist}
    expected: dict[str, object] = {
        "answer": sorted(
            {i.author for i in injects if i.followers >= runbooks.deescalation.vip_followers or i.author in journalists}
        ),
        "leave_alone": trolls,
        "not_opened": sorted(touched - set(fired)),
        "incident": [
            {"scenario": scenario_id, "open_by": format_offset(timedelta(seconds=round(at)) + OPEN_WITHIN)}
            for scenario_id, at in fired.items()
        ],
    }
    messages = [
        {"at": format_offset(timedelta(seconds=round(at) + 120)), "text": rng.choice(TRAINER_QUESTIONS)}
        for at in list(fired.values())[:1]
    ]
    command = f"--scenario {scenario_id}" + (f" --then {then}" if then else "") + f" --seed {seed} --minutes {minutes}"
    return _toml(runbooks, [s for s, _, _ in storms], command, seed, injects, expected, messages, outage)


def _arrival(rng: random.Random, runbooks: RunbookSet, scenario: Scenario, at: float) -> _Inject:
    roll = rng.random()
    if roll < 0.6:
        return _post(rng, runbooks, scenario, at)
    lang = rng.choice(("de", "en"))
    if roll < 0.75:
        text = f"{rng.choice(_proper_names(runbooks))}: {rng.choice(CHATTER[lang])}"
    elif roll < 0.85:
        text = rng.choice(LOOK_ALIKES)
    else:
        text = rng.choice(CHATTER[lang])
    return _someone(rng, at, text, lang)


def _post(rng: random.Random, runbooks: RunbookSet, scenario: Scenario, at: float, vip: bool = False) -> _Inject:
    lang = rng.choice(("de", "en"))
    inject = _someone(rng, at, _on_topic(rng, runbooks, scenario, lang), lang)
    if vip:
        return _Inject(at, "bluesky", f"{rng.choice(VIPS)}.bsky.social", inject.text, lang, VIP_FOLLOWERS)
    return inject


def _warning_signs(rng: random.Random, runbooks: RunbookSet, scenario: Scenario, begin: float) -> list[_Inject]:
    """The scenario's early-warning signs, a minute or two into its storm: a post with one of
    a sign's terms, and a listed journalist asking about the scenario if a sign watches for one."""
    signs: list[_Inject] = []
    worded = [sign for sign in scenario.early_warning if sign.any]
    if worded:
        term = rng.choice(rng.choice(worded).any)
        lang = "de" if _looks_german(term) else "en"
        text = rng.choice(SIGN_SENTENCES[lang]).format(term=term, company=rng.choice(_company(runbooks)))
        signs.append(_someone(rng, begin + 60, text, lang))
    listed = [person for person in runbooks.deescalation.journalist if person.network in NETWORK_HANDLES]
    if listed and any("journalist" in sign.authors for sign in scenario.early_warning):
        person = rng.choice(listed)
        lang = rng.choice(("de", "en"))
        text = f"{PRESS_QUESTION[lang]} {_on_topic(rng, runbooks, scenario, lang)}"
        signs.append(_Inject(begin + 100, person.network, person.handle, text, lang, rng.randrange(5_000, 40_000)))
    return signs


def _someone(rng: random.Random, at: float, text: str, lang: str) -> _Inject:
    network = rng.choice(tuple(NETWORK_HANDLES))
    author = NETWORK_HANDLES[network].format(name=rng.choice(NAMES), n=rng.randrange(1000))
    return _Inject(at, network, author, text, lang, rng.randrange(20, 3000))


def _company(runbooks: RunbookSet) -> list[str]:
    """How people write the company: its names, not its handles."""
    return runbooks.company.written


def _proper_names(runbooks: RunbookSet) -> list[str]:
    """The names a stranger uses ("AquaPro"), not the ones of direct address ("eure App")."""
    return [name for name in _company(runbooks) if name[:1].isupper()] or _company(runbooks)


def _on_topic(rng: random.Random, runbooks: RunbookSet, scenario: Scenario, lang: str) -> str:
    """A post about the scenario: a term of every required rule (the company's name for a rule
    about "us"), maybe one more, in a sentence as people write it."""
    tone = "praise" if scenario.severity == "low" else "complaint"
    company = set(_company(runbooks))
    proper = _proper_names(runbooks)
    name = rng.choice(proper)
    topic: list[str] = []
    for rule in scenario.rule:
        if rule.is_veto or not (rule.required or rng.random() < 0.4):
            continue
        terms = [term for term in rule.any or rule.all if term_words(term)]
        if any(term in company for term in terms):
            name = _dressed(rng, rng.choice(proper))
        elif rule.all:
            topic += [_dressed(rng, term) for term in terms]
        elif terms:
            fitting = [term for term in terms if (_looks_german(term) == (lang == "de"))] or terms
            topic.append(_dressed(rng, rng.choice(fitting)))
    if not topic:  # no rule beyond "us" came up: any term of the scenario's own
        rules = [rule for rule in scenario.rule if not rule.is_veto]
        terms = [t for rule in rules for t in rule.any + rule.all if term_words(t) and t not in company]
        topic = [_dressed(rng, rng.choice(terms))] if terms else []
    sentence = rng.choice(SENTENCES[tone, lang]).format(
        opening=rng.choice(OPENINGS[tone, lang]),
        topic=" ".join(topic),
        company=name,
        closing=rng.choice(CLOSINGS[tone, lang]),
    )
    return " ".join(sentence.split())


_GERMAN_MARKS = ("ä", "ö", "ü", "ß", "sch", "ch", "ei", "ie", "au", "z", "k", "ss", "ck", "ft", "ung")
_ENGLISH_MARKS = ("th", "ing", "ed", "ea", "oo", "y", "w", "c")
_GERMAN_STARTS = ("ge", "ab", "aus", "ver", "zer")


def _looks_german(term: str) -> bool:
    """A rough guess at a term's language, to keep German posts German and English ones English."""
    lowered = term.casefold()
    german = sum(lowered.count(mark) for mark in _GERMAN_MARKS) + lowered.startswith(_GERMAN_STARTS)
    german += term[:1].isupper()
    english = sum(lowered.count(mark) for mark in _ENGLISH_MARKS) - lowered.count("ch") - lowered.count("ck")
    return german > english


def _dressed(rng: random.Random, term: str) -> str:
    """A term as people type it: now and then a typo, a capital, or a hashtag."""
    roll = rng.random()
    if roll < 0.12 and " " not in term and len(term) > 7:
        at = rng.randrange(2, len(term) - 2)
        return term[:at] + term[at + 1] + term[at] + term[at + 2 :]  # two letters swapped
    if roll < 0.2:
        return "#" + "".join(word.capitalize() for word in term.split())
    if roll < 0.35:
        return term.upper()
    return term


def _trolls(rng: random.Random, runbooks: RunbookSet) -> list[str]:
    listed = [person.handle for person in runbooks.deescalation.troublemaker if person.network == "mastodon"]
    puppets = [f"@truth_{rng.randrange(10_000)}@mastodon.example" for _ in range(3)]
    return (listed or puppets[:1]) + puppets


def _fired(
    runbooks: RunbookSet, scenarios: list[Scenario], injects: list[_Inject], outage: tuple[str, float]
) -> tuple[dict[str, float], set[str]]:
    """When each storm's trigger fires (seconds from the start), read off with the matcher the
    drill will run, in the order the posts get through the outage; and every scenario some
    post matched (those that are no storm must not be opened)."""
    matcher, triager = RuleMatcher(runbooks.scenarios, runbooks.deescalation), Triager(runbooks)
    down, since = outage
    back = since + OUTAGE.total_seconds()
    arriving = sorted(
        (back if inject.network == down and since <= inject.at < back else inject.at, number)
        for number, inject in enumerate(injects)
    )
    fired: dict[str, float] = {}
    touched: set[str] = set()
    hits: dict[str, list[float]] = {scenario.id: [] for scenario in scenarios}
    for at, number in arriving:
        inject = injects[number]
        mention = Mention(inject.network, str(number), inject.author, inject.text, START, inject.lang, inject.followers)
        verdict = triager.relevance.judge(mention)
        matched = {match.scenario_id for match in scenarios_of(mention, verdict, matcher, triager)}
        touched |= matched
        for scenario in scenarios:
            trigger = scenario.trigger
            if scenario.id in fired or scenario.id not in matched:
                continue
            if trigger.vip and inject.followers >= runbooks.deescalation.vip_followers:
                fired[scenario.id] = at
                continue
            window = trigger.within.total_seconds()
            hits[scenario.id] = [seen for seen in hits[scenario.id] if at - seen <= window] + [at]
            if len(hits[scenario.id]) >= trigger.mentions:
                fired[scenario.id] = at
    return fired, touched


def _toml(
    runbooks: RunbookSet,
    scenarios: list[Scenario],
    command: str,
    seed: int,
    injects: list[_Inject],
    expected: dict[str, object],
    messages: list[dict[str, str]],
    outage: tuple[str, float],
) -> str:
    ids = [scenario.id for scenario in scenarios]
    document = tomlkit.document()
    document.add(tomlkit.comment(f"Generated by `smwar drill generate {command}`."))
    titles = " then ".join(scenario.title for scenario in scenarios)
    document["drill"] = {
        "id": f"gen-{'-then-'.join(ids)}-{seed}",
        "title": f"Generated: {titles}",
        "company": runbooks.company.name,
        "summary": f"A self-exciting storm: {titles}; with a VIP, a troll campaign and a network outage.",
    }
    document["expected"] = expected
    document["message"] = tomlkit.aot()
    for message in messages:
        document["message"].append(message)
    network, since = outage
    document["outage"] = tomlkit.aot()
    document["outage"].append(
        {"network": network, "at": format_offset(timedelta(seconds=since)), "lasts": format_offset(OUTAGE)}
    )
    table = tomlkit.aot()
    for inject in injects:
        table.append(
            {
                "at": format_offset(timedelta(seconds=round(inject.at))),
                "network": inject.network,
                "author": inject.author,
                "followers": inject.followers,
                "lang": inject.lang,
                "text": inject.text,
            }
        )
    document["inject"] = table
    return tomlkit.dumps(document)
