"""What a runbook file may say, as pydantic models (unknown keys are errors, not ignored)."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

import re2
from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from smwar.model import Mention, Worded
from smwar.runbooks.text import has_words
from smwar.timespan import read_duration
from smwar.tomlfile import Strict

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-_]*$", max_length=64)]
LIST_REFERENCE = re.compile(r"\$([a-z0-9][a-z0-9\-_]*)")  # "$company": a named term list
Duration = Annotated[timedelta, BeforeValidator(read_duration)]


def _check_terms(terms: list[str]) -> list[str]:
    for term in terms:
        if term.startswith("$"):
            if not LIST_REFERENCE.fullmatch(term):
                raise ValueError(f"{term!r} is no term list name (lowercase letters, digits, - and _ after the $)")
        elif not has_words(term):
            raise ValueError(f"term {term!r} needs a letter, a digit or an emoji")
    return terms


_REGEX_OPTIONS = re2.Options()
_REGEX_OPTIONS.case_sensitive = False
_REGEX_OPTIONS.log_errors = False  # a refused pattern is the runbook's error, not a line on stderr
# what a pattern Python's `re` takes but RE2 refuses asks for, by RE2's words for it
_UNSUPPORTED = (
    (re.compile(r"operator: \(\?<?[=!]"), "RE2 has no lookaround"),
    (re.compile(r"escape sequence: \\[1-9]|operator: \(\?P"), "RE2 has no backreferences"),
    (re.compile(r"operator: \(\?>"), "RE2 has no atomic groups"),
    (re.compile(r"repetition operator: [*+?}]\+"), "RE2 has no possessive repetition"),
    (re.compile(r"escape sequence: \\Z"), "RE2 writes the end of the text as \\z"),
)


def compile_regex(pattern: str) -> re2._Regexp:
    """A runbook regex, case-insensitive. It is RE2's, not Python's: RE2 matches in time linear
    in the text, so no mention (a hostile "aaaa…b" against `(a+)+$`) can stall matching. What
    only backtracking can do (lookaround, backreferences) RE2 refuses, and so does this, with why."""
    try:
        return re2.compile(pattern, _REGEX_OPTIONS)
    except re2.error as exc:
        said = exc.args[0] if exc.args else ""
        reason = said.decode() if isinstance(said, bytes) else str(said)  # RE2 gives its reason as bytes
    try:
        re.compile(pattern)
    except re.error:
        raise ValueError(f"regex {pattern!r} does not compile: {reason}") from None
    why = next((why for said, why in _UNSUPPORTED if said.search(reason)), "RE2 cannot express it")
    raise ValueError(f"regex {pattern!r} is not supported: {why} ({reason}); runbook regexes run in linear time")


def _check_patterns(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        compiled = compile_regex(pattern)
        if compiled.search("") is not None:
            raise ValueError(f"regex {pattern!r} matches empty text, so it would match every mention")
    return patterns


Terms = Annotated[list[str], AfterValidator(_check_terms)]
Patterns = Annotated[list[str], AfterValidator(_check_patterns)]


class Tone(StrEnum):
    """What a scenario's mentions are for the company: bad news (a crisis) or good news (a hype)."""

    BAD = "bad"
    GOOD = "good"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for low up to 3 for critical: the order in which incidents claim attention."""
        return list(Severity).index(self)


Domain = Annotated[str, Field(pattern=r"^[a-z0-9]([a-z0-9\-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?)+$")]


class Company(Strict):
    """Who the set is for. `names` are how people write the company and its products; with
    the handles, hashtags and the ways a reply `addressed` it they form the term list
    `$company` that rules can use. A mention is about the company when it names it (not only
    a namesake in `not_us`, the term list `$not-us`), carries one of its handles or hashtags,
    links to one of its `domains`, or replies to it."""

    name: str
    names: Terms = []
    handles: Terms = []
    hashtags: Terms = []
    domains: list[Domain] = []
    addressed: Terms = []  # "eure App": the company only in a reply to it
    not_us: Terms = []  # namesakes: "Drogerie Müller", "Thomas Müller"
    # "the Müller outage": a surname that names us beside a word of the storm; its words are the
    # storm's, so they keep their sentiment ("outage" is no name)
    storm_names: Terms = []

    @property
    def written(self) -> list[str]:
        """How people write the company and its products: its `names`, or else its name."""
        return self.names or [self.name]

    @property
    def proper(self) -> list[str]:
        """The terms that are names, whose words carry no sentiment ("Müller" is no "Müll")."""
        return [*self.written, *self.handles, *self.hashtags, *self.addressed]

    @property
    def terms(self) -> list[str]:
        return [*self.proper, *self.storm_names]


Address = Annotated[str, Field(pattern=r"^(du|Sie|you)$")]  # how a channel addresses people
ROUND_ROBIN = "round-robin"
# how a mention to answer whose job this is gets to someone: "" whoever takes it from the
# queue; ROUND_ROBIN the owner's present operators in turn (the ingest leader assigns it)
Assign = Annotated[str, Field(pattern=rf"^({ROUND_ROBIN})?$")]


class Channel(Strict):
    """A network or own channel the company speaks on, and how it speaks there."""

    id: Identifier
    title: str
    kind: str = Field(pattern=r"^(network|blog|press|status-page|hotline|mail)$")
    tone: str = Field("informal", pattern=r"^(formal|informal)$")
    address: Address = "du"
    owner: str
    assign: Assign = ""


class Contact(Strict):
    """Someone the chain tells or mobilises: PR advisor, product team, extra staff."""

    id: Identifier
    name: str
    role: str
    reach: str
    # an apprise URL (ntfy://…, json://…) when it holds no secret; one with a password or token
    # goes in the OS keyring instead: `smwar contacts set-url ID`
    notify_url: str | None = None


class Author(Strict):
    network: str
    handle: str
    note: str = ""


AuthorList = Annotated[str, Field(pattern=r"^(vip|troublemaker|journalist)$")]
ACTIONS = ("respond", "watch", "ignore")  # what a de-escalation rule may say to do
Action = Annotated[str, Field(pattern=rf"^({'|'.join(ACTIONS)})$")]


class Filters(Strict):
    """Which mentions a rule looks at; every filter given must hold. Empty lists mean any."""

    networks: list[str] = []
    languages: list[str] = []
    authors: list[AuthorList] = []
    not_authors: list[AuthorList] = []
    min_followers: int | None = Field(None, ge=0)
    max_followers: int | None = Field(None, ge=0)

    @property
    def filters_authors(self) -> bool:
        return bool(self.authors or self.not_authors)

    @property
    def filters_anything(self) -> bool:
        return (
            bool(self.networks or self.languages or self.filters_authors)
            or self.min_followers is not None
            or self.max_followers is not None
        )

    def admits(self, mention: Mention, tags: Collection[str] = ()) -> bool:
        """Whether `mention` (by an author with these de-escalation `tags`) passes every filter."""
        language = (mention.lang or "").split("-")[0].casefold()
        followers = mention.followers or 0
        return (
            (not self.networks or mention.network in self.networks)
            and (not self.languages or language in self.languages)
            and (not self.authors or any(tag in self.authors for tag in tags))
            and not any(tag in self.not_authors for tag in tags)
            and (self.min_followers is None or followers >= self.min_followers)
            and (self.max_followers is None or followers <= self.max_followers)
        )


class DeescalationRule(Filters):
    """Which mentions get an answer at once, which are only watched, which are left alone.

    Rules are tried in order; the first whose conditions all hold decides.
    """

    id: Identifier
    action: Action
    request_types: list[Identifier] = []
    scenarios: list[Identifier] = []
    # holds only where the wording model gives an affected customer at least this chance of
    # having written the mention (a first-person commentator is no customer in trouble)
    affected_at_least: float | None = Field(None, ge=0, le=1)
    # holds only where the wording model gives at least this chance that a community manager
    # would answer the mention (a question put in passing, or to everyone, is talk)
    answered_at_least: float | None = Field(None, ge=0, le=1)
    why: str = ""


class Deescalation(Strict):
    vip_followers: int = Field(50_000, ge=1)
    # an author whose mentions were negative in this many incidents is a troublemaker too (0: never)
    learn_troublemakers: int = Field(3, ge=0)
    vip: list[Author] = []
    troublemaker: list[Author] = []
    journalist: list[Author] = []
    rule: list[DeescalationRule] = []

    def decide(
        self,
        mention: Mention,
        tags: Collection[str],
        request_types: Collection[str],
        scenarios: Collection[str],
        worded: Worded,
    ) -> DeescalationRule | None:
        """The first rule whose conditions all hold for `mention`, or None (the filters, the
        costliest condition, are tried last). `worded`: what the wording model reads of it."""
        return next(
            (
                rule
                for rule in self.rule
                if (not rule.request_types or any(kind in rule.request_types for kind in request_types))
                and (not rule.scenarios or any(scenario in rule.scenarios for scenario in scenarios))
                and (rule.affected_at_least is None or worded.affected >= rule.affected_at_least)
                and (rule.answered_at_least is None or worded.answered >= rule.answered_at_least)
                and rule.admits(mention, tags)
            ),
            None,
        )


Negation = Annotated[str, Field(pattern=r"^(void|keep|flip)$")]


class Rule(Filters):
    """Terms that count towards a scenario.

    `any`: one of the terms suffices; `all`: every term must be there; `regex`: patterns that
    count like `any` terms; `none`: a veto for the whole scenario. A `required` rule must
    match for the scenario to match at all, whatever the other rules score.

    A term right after a negation ("not leaking", "nicht mehr undicht", "kein Datenleck")
    counts as any other (`negation = "keep"`), does not count (`"void"`: for a claim that
    a negation denies), or counts only so (`"flip"`: "not working" for a rule of "working").
    `false_friends` are words and phrases that look like the rule's terms and mean something
    else ("lecker", "Leck mich" for "Leck"): a term found in one does not count. Words of
    fewer than six letters match only as written (and with a plural s) unless the rule is
    `loose`: then inflections and longer words count too ("help" ~ "helping").
    """

    id: Identifier
    any: Terms = []
    all: Terms = []
    regex: Patterns = []
    none: Terms = []
    false_friends: Terms = []
    negation: Negation = "keep"
    loose: bool = False
    weight: float = Field(1.0, gt=0, le=1)
    required: bool = False

    @model_validator(mode="after")
    def _has_terms(self) -> Rule:
        if not (self.any or self.all or self.regex or self.none):
            raise ValueError("a rule needs `any`, `all`, `regex` or `none` terms")
        if self.none and (self.any or self.all or self.regex or self.required):
            raise ValueError("a rule is either a veto (`none`) or counts (`any`, `all`, `regex`), not both")
        return self

    @property
    def is_veto(self) -> bool:
        return bool(self.none)


class RequestType(Strict):
    """A kind of request (purchase question, support, complaint, press…): how urgent, whose job.

    `priority` 1 is answered first. Rules and a threshold, as in a scenario, recognise it.
    """

    id: Identifier
    title: str
    priority: int = Field(ge=1, le=9)
    owner: str
    assign: Assign = ""
    threshold: float = Field(0.5, gt=0, le=1)
    unless: list[Identifier] = []
    unless_same_words: bool = False  # see Scenario
    rule: list[Rule] = []
    # recognised also where no rule of it matched but the wording model gives an affected
    # customer at least this chance of having written the mention (a customer in trouble in
    # words no rule foresaw: sarcasm, emoji, capitals)
    also_when_affected: float | None = Field(None, ge=0, le=1)


class Trigger(Strict):
    """When matching mentions propose an incident: `mentions` within `within`, or one VIP."""

    mentions: int = Field(ge=1)
    within: Duration
    vip: bool = False


class EarlyWarning(Strict):
    """A sign that a scenario is coming, raised as a warning before its trigger fires: a
    mention with one of the `any` terms, a mention of the scenario from an author with one of
    the `authors` tags, or a `negative_share` of the scenario's mentions in the trend window
    (once there are `min_mentions` of them)."""

    id: Identifier
    title: str
    any: Terms = []
    authors: list[AuthorList] = []
    negative_share: float | None = Field(None, gt=0, le=1)
    min_mentions: int = Field(5, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _a_table(cls, data: object) -> object:
        if isinstance(data, str):
            raise ValueError(
                f"{data!r}: an early-warning sign is a table with an id, a title and `any` terms, "
                "`authors` or a `negative_share`"
            )
        return data

    @model_validator(mode="after")
    def _raised_by_something(self) -> EarlyWarning:
        if not (self.any or self.authors or self.negative_share):
            raise ValueError("an early-warning sign needs `any` terms, `authors` or a `negative_share`")
        return self


ALL_MENTIONS = "all"  # the key of all mentions' volume in `Trends.expected`


class Trends(Strict):
    """How volume is judged: the count of a scenario's mentions in the last `window` against
    the rate of the `baseline` before it; a rise whose chance under that rate is below `alarm`
    is a spike, once there are `min_mentions` and `min_rise` more than the usual. The rate
    starts from what the plan `expected` an hour (per scenario id, or ALL_MENTIONS) and is
    learned from the history; without it, from `quiet` mentions per window."""

    window: Duration = timedelta(minutes=10)
    baseline: Duration = timedelta(hours=24)
    alarm: float = Field(0.0001, gt=0, lt=0.5)
    min_mentions: int = Field(5, ge=1)
    min_rise: float = Field(6.0, ge=0)
    quiet: float = Field(1.0, gt=0)
    expected: dict[Identifier, Annotated[float, Field(gt=0)]] = {}


# the war room's own roles, which every set has; a step may also name anyone the plan makes
# responsible (a channel's or request type's owner) or a contact
WAR_ROOM_ROLES = ("lead", "scribe", "pr-liaison", "responder")


class Step(Strict):
    id: Identifier
    title: str
    role: str
    deadline: Duration
    after: list[Identifier] = []
    channel: Identifier | None = None
    notify: list[Identifier] = []
    template: str | None = None
    checks: list[str] = []
    help: str = ""


class Scenario(Strict):
    id: Identifier
    title: str
    tag: str = Field("", pattern=r"^[A-Za-z0-9]{0,4}$")  # the feed's short name for it; default: initials
    severity: Severity = Field(strict=False)  # one of its words
    # a crisis's mentions are bad news: praise in one is sarcasm or a complaint's politeness
    tone: Tone = Field(Tone.BAD, strict=False)
    summary: str = ""
    threshold: float = Field(0.5, gt=0, le=1)
    unless: list[Identifier] = []
    # give way to a scenario of `unless` only where its terms found every word this one's match did:
    # a "leak" of data is no leaking machine, but a post about a flood and stolen data is both
    unless_same_words: bool = False
    notify: list[Identifier] = []
    mobilise: list[Identifier] = []
    early_warning: list[EarlyWarning] = []
    trigger: Trigger
    rule: list[Rule] = Field(min_length=1)
    step: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _not_unless_itself(self) -> Scenario:
        if self.id in self.unless:
            raise ValueError(f"scenario {self.id!r} names itself in `unless`, so it could never match")
        return self

    @property
    def short(self) -> str:
        """The tag the feed shows: the runbook's, or the initials of the id ("data-leak-rumour": DLR)."""
        return self.tag or "".join(part[0] for part in re.split(r"[-_]", self.id) if part)[:4].upper()

    def step_by_id(self, step_id: str) -> Step:
        return next(step for step in self.step if step.id == step_id)


PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_-]*)\}")  # {hotline} in a reply template
_BRACE = re.compile(r"\{[^{}\s]*\}?|\}")
AUTHOR_FIELD = "author"  # {author}: the mention's author as the network links it
COMPANY_FIELD = "company"  # {company}: the company's name


def placeholder_problem(text: str, fields: Collection[str]) -> str | None:
    """What is wrong with the placeholders of a reply template's `text`, where a reply fills
    `fields`: one no reply fills, or a brace that makes none; None if nothing."""
    unknown = sorted({found.group(1) for found in PLACEHOLDER.finditer(text)} - set(fields))
    if unknown:
        named = ", ".join(f"{{{name}}}" for name in unknown)
        known = ", ".join(f"{{{name}}}" for name in fields)
        return f"unknown field{'s' if len(unknown) > 1 else ''} {named}; known: {known}"
    stray = _BRACE.search(PLACEHOLDER.sub("", text))
    if stray is None:
        return None
    if stray.group().startswith("{") and not stray.group().endswith("}"):
        return f"unclosed placeholder {stray.group()!r} (a placeholder is written {{name}})"
    return f"{stray.group()!r} is no placeholder (a placeholder is written {{name}}: letters, digits, - and _)"


class ReplyTemplate(Strict):
    """A checked reply for a scenario (or any) and a request type (or any), in one form of address."""

    id: Identifier
    title: str
    text: str = Field(min_length=1)
    scenarios: list[Identifier] = []
    request_types: list[Identifier] = []
    address: Address = "du"
    lang: str = Field("de", pattern=r"^[a-z]{2}$")


class Replies(Strict):
    """What every reply is checked against: the official contact data (anything else is
    flagged), phrases never to use, the company's own words the spelling check accepts, and
    the values of placeholders such as {hotline}."""

    phones: list[str] = []
    emails: list[str] = []
    domains: list[str] = []
    forbidden: list[str] = []
    words: list[str] = []
    placeholders: dict[Identifier, str] = {}

    @property
    def fields(self) -> tuple[str, ...]:
        """The placeholders a reply fills: the author, the company and the runbook's own."""
        return (AUTHOR_FIELD, COMPANY_FIELD, *self.placeholders)


class RunbookFile(Strict):
    """One TOML file of a set: any of these sections, in any file."""

    company: Company | None = None
    replies: Replies | None = None
    template: list[ReplyTemplate] = []
    channel: list[Channel] = []
    contact: list[Contact] = []
    request_type: list[RequestType] = []
    terms: dict[Identifier, Terms] = {}
    deescalation: Deescalation | None = None
    trends: Trends | None = None
    scenario: list[Scenario] = []


class RunbookSet(Strict):
    """All files of a set, merged; ids are unique across the whole set."""

    company: Company
    channels: tuple[Channel, ...]
    contacts: tuple[Contact, ...]
    request_types: tuple[RequestType, ...]
    deescalation: Deescalation
    scenarios: tuple[Scenario, ...]
    replies: Replies = Replies()
    templates: tuple[ReplyTemplate, ...] = ()
    trends: Trends = Trends()

    def channel(self, channel_id: str) -> Channel | None:
        return next((channel for channel in self.channels if channel.id == channel_id), None)

    @property
    def tags(self) -> dict[str, str]:
        """Each scenario's short tag, by id."""
        return {scenario.id: scenario.short for scenario in self.scenarios}

    def scenario(self, scenario_id: str) -> Scenario:
        return next(scenario for scenario in self.scenarios if scenario.id == scenario_id)

    def request_type(self, type_id: str) -> RequestType:
        return next(request_type for request_type in self.request_types if request_type.id == type_id)

    def find_request_type(self, type_id: str) -> RequestType | None:
        return next((request_type for request_type in self.request_types if request_type.id == type_id), None)

    def responsible(self, request_types: Sequence[str], network: str) -> RequestType | Channel | None:
        """What makes a mention someone's job (its `owner`): the most urgent of its request
        types the set knows, else the channel of its network."""
        known = [kind for type_id in request_types if (kind := self.find_request_type(type_id)) is not None]
        return min(known, key=lambda kind: kind.priority, default=None) or self.channel(network)

    def contact(self, contact_id: str) -> Contact:
        return next(contact for contact in self.contacts if contact.id == contact_id)

    def find_scenario(self, scenario_id: str) -> Scenario | None:
        """The scenario, or None if the set no longer has it (old journal entries may name it)."""
        return next((scenario for scenario in self.scenarios if scenario.id == scenario_id), None)

    def unknown_scenario(self, scenario_id: str) -> str | None:
        """Why naming `scenario_id` (in a drill, on the command line) is wrong, listing the set's
        scenarios; None if the set has it."""
        if self.find_scenario(scenario_id) is not None:
            return None
        known = ", ".join(scenario.id for scenario in self.scenarios)
        return f"no scenario {scenario_id!r} in the runbooks (scenarios: {known})"


VIP_TAG = "vip"
TROUBLEMAKER_TAG = "troublemaker"
JOURNALIST_TAG = "journalist"


def author_tags(deescalation: Deescalation, network: str, author: str, followers: int | None) -> tuple[str, ...]:
    """What the de-escalation plan says about an author: VIP (listed or high reach),
    troublemaker, journalist. The tags are the names rule filters use (`authors = ["vip"]`)."""

    def listed(people: list[Author]) -> bool:
        return any(p.network == network and p.handle.casefold() == author.casefold() for p in people)

    tags: list[str] = []
    if listed(deescalation.vip) or (followers or 0) >= deescalation.vip_followers:
        tags.append(VIP_TAG)
    if listed(deescalation.troublemaker):
        tags.append(TROUBLEMAKER_TAG)
    if listed(deescalation.journalist):
        tags.append(JOURNALIST_TAG)
    return tuple(tags)
