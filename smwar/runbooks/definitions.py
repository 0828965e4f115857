"""What a runbook file may say, as pydantic models (unknown keys are errors, not ignored)."""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator

from smwar.timespan import parse_duration
from smwar.tomlfile import Strict

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-_]*$", max_length=64)]


def _duration(value: object) -> object:
    return parse_duration(value) if isinstance(value, str) else value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for low up to 3 for critical: the order in which incidents claim attention."""
        return list(Severity).index(self)


class Company(Strict):
    name: str
    handles: list[str] = []
    hashtags: list[str] = []


class Channel(Strict):
    """A network or own channel the company speaks on, and how it speaks there."""

    id: Identifier
    title: str
    kind: str = Field(pattern=r"^(network|blog|press|status-page|hotline|mail)$")
    tone: str = Field("informal", pattern=r"^(formal|informal)$")
    address: str = Field("du", pattern=r"^(du|Sie|you)$")
    owner: str


class Contact(Strict):
    """Someone the chain tells or mobilises: PR advisor, product team, extra staff."""

    id: Identifier
    name: str
    role: str
    reach: str


class Author(Strict):
    network: str
    handle: str
    note: str = ""


class Deescalation(Strict):
    vip_followers: int = Field(50_000, ge=1)
    vip: list[Author] = []
    troublemaker: list[Author] = []


class Rule(Strict):
    """Terms that count towards a scenario. `any`: one term suffices; `none`: a veto."""

    id: Identifier
    any: list[str] = []
    none: list[str] = []
    weight: float = Field(1.0, gt=0, le=1)

    @model_validator(mode="after")
    def _has_terms(self) -> Rule:
        if not self.any and not self.none:
            raise ValueError("a rule needs `any` or `none` terms")
        if any(not re.search(r"\w", term) for term in (*self.any, *self.none)):
            raise ValueError("a term needs at least one letter or digit")
        return self


class Trigger(Strict):
    """When matching mentions propose an incident: `mentions` within `within`, or one VIP."""

    mentions: int = Field(ge=1)
    within: Duration
    vip: bool = False


class Step(Strict):
    id: Identifier
    title: str
    role: str
    deadline: Duration
    after: list[Identifier] = []
    channel: Identifier | None = None
    notify: list[Identifier] = []
    template: str | None = None
    help: str = ""


class Scenario(Strict):
    id: Identifier
    title: str
    severity: Severity
    summary: str = ""
    threshold: float = Field(0.5, gt=0, le=1)
    notify: list[Identifier] = []
    early_warning: list[str] = []
    trigger: Trigger
    rule: list[Rule] = Field(min_length=1)
    step: list[Step] = Field(min_length=1)

    def step_by_id(self, step_id: str) -> Step:
        return next(step for step in self.step if step.id == step_id)


class RunbookFile(Strict):
    """One TOML file of a set: any of these sections, in any file."""

    company: Company | None = None
    channel: list[Channel] = []
    contact: list[Contact] = []
    deescalation: Deescalation | None = None
    scenario: list[Scenario] = []


class RunbookSet(Strict):
    """All files of a set, merged; ids are unique across the whole set."""

    company: Company
    channels: tuple[Channel, ...]
    contacts: tuple[Contact, ...]
    deescalation: Deescalation
    scenarios: tuple[Scenario, ...]

    def scenario(self, scenario_id: str) -> Scenario:
        return next(scenario for scenario in self.scenarios if scenario.id == scenario_id)


VIP_TAG = "vip"
TROUBLEMAKER_TAG = "troublemaker"


def author_tags(deescalation: Deescalation, network: str, author: str, followers: int | None) -> tuple[str, ...]:
    """What the de-escalation plan says about an author: VIP (listed or high reach), troublemaker."""

    def listed(people: list[Author]) -> bool:
        return any(p.network == network and p.handle.casefold() == author.casefold() for p in people)

    tags: list[str] = []
    if listed(deescalation.vip) or (followers or 0) >= deescalation.vip_followers:
        tags.append(VIP_TAG)
    if listed(deescalation.troublemaker):
        tags.append(TROUBLEMAKER_TAG)
    return tuple(tags)
