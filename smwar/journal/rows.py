"""What both journals (SQLite, `smwar.journal.store`, and PostgreSQL, `smwar.journal.postgres`)
make of their rows and put in them, whatever their SQL: rows turned into the journal's models,
the models turned into the parameters of a row, and the rules that read the rows (which edit is
no news, which roles an operator holds, why a reply must not go out). A backend runs the
statements; what they mean is said here once."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from smwar.clock import from_iso, to_iso
from smwar.errors import SmwarError
from smwar.model import (
    DELETED,
    EDITED,
    Draft,
    Event,
    JournaledMention,
    Match,
    Mention,
    Notice,
    Revision,
    TermHit,
    Triage,
)
from smwar.sources.runner import Health

Pair = tuple[str, str]  # (network, author) or (network, native id)
Item = tuple[Mention, datetime, tuple[Match, ...], tuple[str, ...], Triage | None]  # a mention to journal
ProfileRow = tuple[str | None, str | None, int | None]  # handle, display name, follower count
EXPLANATIONS_KEPT = 4096  # match explanations whose JSON is remembered

INGEST = "ingest"  # the lease of the process that runs the sources and the matcher
ASSIGNED = "mention.assigned"  # the ingest leader gave a mention to answer to one operator
HANDED = "role.handed"  # an operator handed one of their roles over to another
PRESENT_SECONDS = 15.0  # an operator whose war room has not said so for this long is gone
SEND_SECONDS = 120.0  # a reply being sent is its sender's this long at most (posting it takes seconds)

encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps with options makes an encoder a call


# -- mentions and matches -----------------------------------------------------------------


def mention_rows(batch: Sequence[Item]) -> list[tuple[object, ...]]:
    """The mentions' columns after the id, in the order a journal's `INSERT_MENTION` takes them:
    network, native_id, author, followers, lang, text, url, posted_at, received_at, author_tags,
    author_name, reply_to, quote_of, action, action_rule, request_types, sentiment."""
    received_iso: dict[datetime, str] = {}  # a batch mostly shares one arrival time
    rows = []
    for mention, received_at, _, tags, triage in batch:
        received = received_iso.get(received_at) or received_iso.setdefault(received_at, to_iso(received_at))
        rows.append(
            (
                mention.network,
                mention.native_id,
                mention.author,
                mention.followers,
                mention.lang,
                mention.text,
                mention.url,
                to_iso(mention.posted_at),
                received,
                ",".join(tags),
                mention.author_name,
                mention.reply_to,
                mention.quote_of,
                triage.action if triage else None,
                triage.rule if triage else None,
                ",".join(triage.request_types) if triage else None,
                triage.sentiment if triage else None,
            )
        )
    return rows


def match_rows(batch: Sequence[Item]) -> list[list[tuple[str, float, str]]]:
    """Each item's matches as (scenario, score, explanation), the columns after the mention's id."""
    return [[(m.scenario_id, m.score, explanation(m.hits)) for m in matches] for _, _, matches, _, _ in batch]


@lru_cache(maxsize=EXPLANATIONS_KEPT)
def explanation(hits: tuple[TermHit, ...]) -> str:
    """A match's hits as the JSON its row keeps (a storm repeats a few: each is encoded once)."""
    return encode(
        [{"rule": hit.rule, "term": hit.term, "words": list(hit.words), "similarity": hit.similarity} for hit in hits]
    )


def match_of(scenario_id: str, score: float, explanation: str) -> Match:
    """A match as its row keeps it: the hits explained as JSON."""
    return Match(scenario_id, score, hits_of(explanation))


@lru_cache(maxsize=EXPLANATIONS_KEPT)
def hits_of(explanation: str) -> tuple[TermHit, ...]:
    """The hits a match's explanation holds (a storm's matches repeat a few: each is read once)."""
    return tuple(
        TermHit(hit["rule"], hit["term"], tuple(hit["words"]), hit["similarity"]) for hit in json.loads(explanation)
    )


def matches_by_mention(rows: Iterable[Sequence[Any]]) -> dict[int, tuple[Match, ...]]:
    """(mention id, scenario, score, explanation) rows, best first, as each mention's matches."""
    found: dict[int, list[Match]] = {}
    for mention_id, scenario_id, score, explained in rows:
        found.setdefault(mention_id, []).append(match_of(scenario_id, score, explained))
    return {key: tuple(value) for key, value in found.items()}


def mention_of(row: Mapping[str, Any], matches: tuple[Match, ...]) -> JournaledMention:
    """A journaled mention from its row (every column of `mentions`, by name) and its matches."""
    mention = Mention(
        network=row["network"],
        native_id=row["native_id"],
        author=row["author"],
        text=row["text"],
        posted_at=from_iso(row["posted_at"]),
        lang=row["lang"],
        followers=row["followers"],
        url=row["url"],
        author_name=row["author_name"],
        reply_to=row["reply_to"],
        quote_of=row["quote_of"],
    )
    tags = tuple(tag for tag in (row["author_tags"] or "").split(",") if tag)
    triage = None
    if row["request_types"] is not None:  # triaged when it arrived
        kinds = tuple(kind for kind in row["request_types"].split(",") if kind)
        triage = Triage(row["action"], row["action_rule"], kinds, row["sentiment"])
    return JournaledMention(row["id"], mention, from_iso(row["received_at"]), matches, tags, triage, row["revised"])


def fresh_positions(mentions: Sequence[Mention], seen: set[Pair]) -> list[int]:
    """The positions of the mentions neither `seen` (journaled) nor earlier among them."""
    seen = set(seen)
    fresh = []
    for index, mention in enumerate(mentions):
        key = (mention.network, mention.native_id)
        if key not in seen:
            seen.add(key)
            fresh.append(index)
    return fresh


def is_news(revision: Revision, text_now: str) -> bool:
    """Whether a revision of a journaled mention whose text is now `text_now` is kept: an edit
    that leaves the words as they are (a re-poll telling again an edit kept) is not."""
    return not (revision.kind == EDITED and revision.text == text_now)


# -- events, drafts and notices -----------------------------------------------------------


def event_row(event: Event, wall: str) -> tuple[object, ...]:
    """An event's columns (at, wall, actor, kind, incident_id, step_id, payload)."""
    return (
        to_iso(event.at),
        wall,
        event.actor,
        event.kind,
        event.incident_id,
        event.step_id,
        encode(event.payload),
    )


def event_of(row: Mapping[str, Any]) -> Event:
    return Event(
        row["kind"],
        from_iso(row["at"]),
        row["actor"],
        row["incident_id"],
        row["step_id"],
        json.loads(row["payload"]),
        row["id"],
    )


def draft_of(row: Sequence[Any]) -> Draft:
    """A draft from (mention_id, text, template_id, post_key, saved_at)."""
    mention_id, text, template_id, post_key, saved_at = row
    return Draft(mention_id, text, template_id, post_key, from_iso(saved_at))


def notice_row(notice: Notice) -> tuple[object, ...]:
    """A notice's columns (at, kind, scenario_id, incident_id, title, body, cause), unread."""
    return (
        to_iso(notice.at),
        notice.kind,
        notice.scenario_id,
        notice.incident_id,
        notice.title,
        notice.body,
        notice.cause,
    )


def notice_of(row: Sequence[Any]) -> Notice:
    """A notice from (id, at, kind, scenario_id, incident_id, title, body, read)."""
    notice_id, at, kind, scenario, incident, title, body, read = row
    return Notice(kind, title, body, from_iso(at), scenario, incident, notice_id, bool(read))


# -- profiles -----------------------------------------------------------------------------


def profile_rows(found: Mapping[str, ProfileRow | None], until: datetime) -> list[tuple[object, ...]]:
    """Profiles as their columns (did, found, handle, name, followers, expires); None: not found."""
    return [
        (did, int(profile is not None), *(profile or (None, None, None)), to_iso(until))
        for did, profile in found.items()
    ]


def profiles_of(rows: Iterable[Sequence[Any]]) -> dict[str, tuple[ProfileRow | None, datetime]]:
    """(did, found, handle, name, followers, expires) rows as each profile (None: not found)
    with when it expires."""
    return {
        did: ((handle, name, followers) if found else None, from_iso(expires))
        for did, found, handle, name, followers, expires in rows
    }


# -- the team: leases, the sources' health, presence, claims ------------------------------


@dataclass(frozen=True, slots=True)
class Lease:
    name: str
    holder: str
    expires: float  # wall-clock seconds (time.time())
    backlog: int  # mentions the holder's sources handed over and it has not yet journaled

    def held_at(self, now: float) -> bool:
        return self.expires > now


@dataclass(frozen=True, slots=True)
class Claim:
    mention_id: int
    operator: str
    since: datetime


@dataclass(frozen=True, slots=True)
class Presence:
    operator: str
    role: str
    doing: str  # where in the war room: the feed, a reply, an incident

    @property
    def roles(self) -> list[str]:
        """The roles in `role`, which names them all (`social-team, customer-service`)."""
        return [role.strip() for role in self.role.split(",")]


class ClaimTaken(SmwarError):
    """A draft not saved: another operator holds the reply to the mention now (`claim`), and
    the draft is theirs."""

    def __init__(self, claim: Claim) -> None:
        self.claim = claim
        self.reason = taken_over(claim.operator, claim.since)
        super().__init__(f"Not saved: {self.reason}")


def taken_over(operator: str, since: datetime) -> str:
    """Why a reply is no longer yours: `operator` took it over at `since`."""
    return f"{operator} took the reply over at {since.astimezone():%H:%M}"


def claim_taken(mention_id: int, operator: str, claim: Sequence[Any] | None) -> None:
    """Raise `ClaimTaken` when the `claim` (operator, since) on the mention is someone else's
    than `operator`'s: their draft must not be replaced."""
    if claim is not None and claim[0] != operator:
        raise ClaimTaken(Claim(mention_id, claim[0], from_iso(claim[1])))


def sending(mention_id: int) -> str:
    """The name of the lease of whoever is sending a reply to the mention."""
    return f"sending:{mention_id}"


def health_row(item: Health) -> tuple[object, ...]:
    """A source's health as its columns (source_id, network, state, reason, until, mentions,
    quarantined, per_minute, refused)."""
    return (
        item.source_id,
        item.network,
        item.state,
        item.reason,
        to_iso(item.until) if item.until is not None else None,
        item.mentions,
        item.quarantined,
        item.per_minute,
        item.refused,
    )


def health_of(row: Mapping[str, Any]) -> Health:
    until = row["until"]
    return Health(
        row["source_id"],
        row["network"],
        row["state"],
        row["reason"],
        from_iso(until) if until else None,
        row["mentions"] or 0,
        row["quarantined"] or 0,
        row["per_minute"] or 0.0,
        row["refused"] or 0,
    )


def held_roles(operator: str, owns: Sequence[str], handed: Iterable[Sequence[Any]]) -> list[str]:
    """The roles `operator` holds: those they own, with the roles `handed` to them and without
    those they handed on; `handed` is every hand-over in order, as (giver, role, taker)."""
    held = list(owns)
    for giver, role, taker in handed:
        if giver == operator and role in held:
            held.remove(role)
        if taker == operator and role not in held:
            held.append(role)
    return held


POST_DELETED = "its author deleted the post"  # the one stale reason that is no teammate's doing


def stale_reason(
    operator: str,
    claim: Sequence[Any] | None,
    sender: str | None,
    reply: Sequence[Any] | None,
    revised: str | None,
) -> str | None:
    """Why `operator` must not send a reply to a mention, from what the journal holds of it:
    its `claim` (operator, since), another's reply being sent this moment (`sender`), the last
    `reply` that did not fail (actor, at) by another, or by `operator` since their editor
    opened (from another war room), and what became of the post (`revised`); None: go ahead."""
    if claim is not None and claim[0] != operator:
        return taken_over(claim[0], from_iso(claim[1]))
    if sender is not None:
        return f"{sender} is sending a reply to it this moment"
    if reply is not None:
        who, where = ("you", " from another war room") if reply[0] == operator else (reply[0], "")
        return f"{who} already replied at {from_iso(reply[1]).astimezone():%H:%M}{where}"
    if revised == DELETED:
        return POST_DELETED
    return None
