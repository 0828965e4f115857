"""Write a realistic drill from a runbook: a self-exciting cascade of mentions around one
scenario, with the response the runbook expects.

Arrivals follow a Hawkes process (each mention makes more likely, for a while, as a storm
feeds itself), drawn by Ogata's thinning. Each arrival is on topic (the scenario's terms, in
German or English, with typos, endings and hashtags), about the company but not the scenario,
a look-alike, or unrelated chatter. A VIP posts on topic a third of the way in; halfway, a troll
campaign copy-pastes one text from several accounts. The expected response is read off the
runbook by the very matcher the drill will run: the scenario must be opened within ten minutes
of its trigger firing, the VIP answered, the trolls left alone. Same seed, same drill.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import tomlkit

from smwar.model import Mention
from smwar.runbooks.definitions import RunbookSet, Scenario
from smwar.runbooks.matcher import RuleMatcher
from smwar.runbooks.text import term_words
from smwar.timespan import format_offset

BASE_RATE = 1 / 45  # background mentions per second
EXCITATION = 0.7 / 60  # each mention adds this much rate…
DECAY = 1 / 60  # …fading with a time constant of a minute (branching ratio 0.7: it stays finite)
OPEN_WITHIN = timedelta(minutes=10)  # after the trigger fires
VIP_FOLLOWERS = 480_000
TROLL_COPIES = 6
START = datetime(2026, 1, 1, tzinfo=UTC)  # only to run the matcher; offsets are what is written

OPENINGS = {
    "de": ["Unglaublich:", "Ernsthaft,", "Hilfe!", "Kennt das jemand?", "Update:", ""],
    "en": ["Unbelievable:", "Seriously,", "Help!", "Anyone else?", "Update:", ""],
}
CLOSINGS = {
    "de": ["Was soll ich jetzt machen?", "Nie wieder.", "Bitte meldet euch.", "😡", ""],
    "en": ["What do I do now?", "Never again.", "Please get back to me.", "😡", ""],
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


def generate(runbooks: RunbookSet, scenario_id: str, seed: int, minutes: int) -> str:
    """A drill script (TOML) for `scenario_id`, reproducible from `seed`."""
    scenario = runbooks.scenario(scenario_id)
    rng = random.Random(f"{scenario_id}:{seed}:{minutes}")
    seconds = minutes * 60.0
    injects = [_arrival(rng, runbooks, scenario, at) for at in arrivals(rng, seconds)]
    injects.append(_post(rng, runbooks, scenario, seconds / 3, followers=VIP_FOLLOWERS, author="vip"))
    trolls = _trolls(rng, runbooks)
    campaign = _on_topic(rng, runbooks, scenario, "de")
    injects += [
        _Inject(seconds / 2 + 15 * copy, "mastodon", trolls[copy % len(trolls)], campaign, "de", 40)
        for copy in range(TROLL_COPIES)
    ]
    injects.sort(key=lambda inject: inject.at)
    return _toml(runbooks, scenario, seed, injects, _expected(runbooks, scenario, injects, trolls))


def _arrival(rng: random.Random, runbooks: RunbookSet, scenario: Scenario, at: float) -> _Inject:
    roll = rng.random()
    if roll < 0.6:
        return _post(rng, runbooks, scenario, at)
    lang = rng.choice(("de", "en"))
    if roll < 0.75:
        text = f"{rng.choice(_company(runbooks))}: {rng.choice(CHATTER[lang])}"
    elif roll < 0.85:
        text = rng.choice(LOOK_ALIKES)
    else:
        text = rng.choice(CHATTER[lang])
    return _someone(rng, at, text, lang)


def _post(
    rng: random.Random, runbooks: RunbookSet, scenario: Scenario, at: float, followers: int = 0, author: str = ""
) -> _Inject:
    lang = rng.choice(("de", "en"))
    inject = _someone(rng, at, _on_topic(rng, runbooks, scenario, lang), lang)
    if followers:
        return _Inject(at, "bluesky", f"{author}-{rng.randrange(100)}.bsky.social", inject.text, lang, followers)
    return inject


def _someone(rng: random.Random, at: float, text: str, lang: str) -> _Inject:
    network = rng.choice(tuple(NETWORK_HANDLES))
    author = NETWORK_HANDLES[network].format(name=rng.choice(NAMES), n=rng.randrange(1000))
    return _Inject(at, network, author, text, lang, rng.randrange(20, 3000))


def _company(runbooks: RunbookSet) -> list[str]:
    """How people write the company: its names, not its handles."""
    return runbooks.company.names or [runbooks.company.name]


def _on_topic(rng: random.Random, runbooks: RunbookSet, scenario: Scenario, lang: str) -> str:
    """A post about the scenario: a term of every required rule (the company's name for a rule
    about "us"), maybe one more, dressed as people write."""
    company = set(_company(runbooks))
    parts: list[str] = []
    for rule in scenario.rule:
        if rule.is_veto or not (rule.required or rng.random() < 0.4):
            continue
        terms = [term for term in rule.any or rule.all if term_words(term)]
        if not terms:
            continue
        term = rng.choice([t for t in terms if t in company] or terms) if rule.required else rng.choice(terms)
        parts.append(_dressed(rng, term))
    opening, closing = rng.choice(OPENINGS[lang]), rng.choice(CLOSINGS[lang])
    return " ".join(part for part in (opening, *parts, closing) if part)


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


def _expected(runbooks: RunbookSet, scenario: Scenario, injects: list[_Inject], trolls: list[str]) -> dict[str, object]:
    """The response the runbook asks for, read off with the matcher the drill will run."""
    matcher = RuleMatcher(runbooks.scenarios, runbooks.deescalation)
    trigger = scenario.trigger
    hits: list[float] = []
    fired: float | None = None
    for number, inject in enumerate(injects):
        mention = Mention(inject.network, str(number), inject.author, inject.text, START, inject.lang, inject.followers)
        if any(match.scenario_id == scenario.id for match in matcher.match(mention)):
            if trigger.vip and inject.followers >= runbooks.deescalation.vip_followers:
                fired = inject.at
                break
            hits = [at for at in hits if inject.at - at <= trigger.within.total_seconds()] + [inject.at]
            if len(hits) >= trigger.mentions:
                fired = inject.at
                break
    expected: dict[str, object] = {
        "answer": sorted({i.author for i in injects if i.followers >= runbooks.deescalation.vip_followers}),
        "leave_alone": trolls,
    }
    if fired is not None:
        open_by = timedelta(seconds=round(fired)) + OPEN_WITHIN
        expected["incident"] = [{"scenario": scenario.id, "open_by": format_offset(open_by)}]
    return expected


def _toml(
    runbooks: RunbookSet, scenario: Scenario, seed: int, injects: list[_Inject], expected: dict[str, object]
) -> str:
    document = tomlkit.document()
    document.add(tomlkit.comment(f"Generated by `smwar drill generate --scenario {scenario.id} --seed {seed}`."))
    document["drill"] = {
        "id": f"gen-{scenario.id}-{seed}",
        "title": f"Generated: {scenario.title}",
        "company": runbooks.company.name,
        "summary": f"A self-exciting storm around {scenario.title!r}, with a VIP and a troll campaign.",
    }
    document["expected"] = expected
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
