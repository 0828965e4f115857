"""Fill a reply template for a mention, and rank the templates that fit it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from smwar.model import Mention
from smwar.plaintext import printable, printable_name
from smwar.runbooks.definitions import AUTHOR_FIELD, COMPANY_FIELD, PLACEHOLDER, ReplyTemplate, RunbookSet

FOR_WHO_ASKS = 4  # the fit of a template for the request type alone: above a scenario's, its language and address


def mention_handle(mention: Mention) -> str:
    """How a reply names the author so the network links it: @user@instance, @handle."""
    author = mention.author
    if mention.network in ("mastodon", "bluesky") and not author.startswith("@"):
        return "@" + author
    return author


def values_for(mention: Mention, runbooks: RunbookSet) -> dict[str, str]:
    """What a template's placeholders are filled with: the author and company, and the
    runbook's own placeholders ({hotline}, {ticket_url}…)."""
    fields = {
        **runbooks.replies.placeholders,
        AUTHOR_FIELD: mention_handle(mention),
        COMPANY_FIELD: runbooks.company.name,
    }
    return {name: printable_name(value) if name == AUTHOR_FIELD else printable(value) for name, value in fields.items()}


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with every placeholder it has a value for filled; others stay for the check to find."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), printable(text, keep_newlines=True))


def channel_address(runbooks: RunbookSet, network: str) -> str | None:
    """How the company addresses people on `network` (du, Sie, you), if the plan says."""
    channel = runbooks.channel(network)
    return channel.address if channel is not None else None


def all_templates(runbooks: RunbookSet) -> list[ReplyTemplate]:
    """The set's reply templates, and the templates of chain steps (as `scenario/step`)."""
    from_steps = [
        ReplyTemplate.model_construct(  # checked with its step; "scenario/step" names where it comes from
            id=f"{scenario.id}/{step.id}",
            title=step.title,
            text=step.template,
            scenarios=[scenario.id],
            request_types=[],
            address=channel_address(runbooks, step.channel or "") or "du",
            lang="de",
        )
        for scenario in runbooks.scenarios
        for step in scenario.step
        if step.template
    ]
    return [*runbooks.templates, *from_steps]


@dataclass(frozen=True, slots=True)
class Suggestion:
    template: ReplyTemplate
    fit: float
    why: tuple[str, ...]


def suggestions(
    runbooks: RunbookSet,
    mention: Mention,
    scenarios: Collection[str],
    request_types: Collection[str],
    worked: Mapping[str, float] | None = None,
) -> list[Suggestion]:
    """The templates that may answer `mention`, best first: by its scenario and request type,
    the channel's form of address and the mention's language, and by how well each template
    worked before (`worked`: template id -> share of replies after which things calmed down).
    A template written for a request type alone (the press) answers whoever asks that first,
    whatever the story, in the form of address it was written in."""
    address = channel_address(runbooks, mention.network)
    found: list[Suggestion] = []
    for template in all_templates(runbooks):
        if template.scenarios and not set(template.scenarios) & set(scenarios):
            continue
        if not template.scenarios and template.request_types and not set(template.request_types) & set(request_types):
            continue  # a template for a request type only (press) needs that request type
        fit, why = (-0.5, []) if "/" in template.id else (0.0, [])  # a chain step's text: a statement first
        if set(template.scenarios) & set(scenarios):
            fit, why = fit + 2, [*why, "scenario"]
        asked = bool(set(template.request_types) & set(request_types))
        if asked:
            fit, why = fit + (1 if template.scenarios else FOR_WHO_ASKS), [*why, "request type"]
        same_language = not mention.lang or template.lang == mention.lang
        if mention.lang and same_language:
            fit, why = fit + 2, [*why, f"in {template.lang}"]
        if address is not None and same_language and (template.scenarios or not asked):  # du and Sie: within German
            if template.address == address:
                fit, why = fit + 1, [*why, f"“{address}” as on {mention.network}"]
            else:
                fit -= 1
        success = (worked or {}).get(template.id)
        if success is not None:
            fit, why = fit + success, [*why, f"calmed things {success:.0%} of the time"]
        found.append(Suggestion(template, fit, tuple(why)))
    return sorted(found, key=lambda s: -s.fit)
