"""Send a reply: record it simulated in a drill, as sent by hand after copying it, or post it
on the network with the operator's account. A failed post keeps its draft (and its key), so
trying again can never post it twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from smwar.config import Config
from smwar.engine.session import Session
from smwar.errors import SmwarError
from smwar.journal.reading import JournalReader
from smwar.model import Event, JournaledMention
from smwar.publish import Posted, post_mastodon
from smwar.review.report import FAILED
from smwar.secrets import get_secret

SIMULATED, BY_HAND, POSTED = "simulated", "by hand", "posted"
CALM_WINDOW = timedelta(hours=1)
POSTABLE = ("mastodon",)


def reply_target(config: Config, network: str) -> tuple[str, str]:
    """The account to post from on `network` and its token, or why there is none."""
    if network not in POSTABLE:
        raise SmwarError(f"posting to {network} is not supported: copy the reply and post it by hand")
    instance = config.reply_as.get(network)
    if not instance:
        raise SmwarError(f'no account to reply from on {network}: set reply_as.{network} = "https://…" in the config')
    host = urlsplit(instance).hostname or instance
    token = get_secret(f"auth:{network}:{host}")
    if not token:
        raise SmwarError(f"no token for {host} in the OS keyring: smwar auth set {network}:{host}")
    return instance, token


def send_reply(
    session: Session,
    item: JournaledMention,
    text: str,
    *,
    how: str,
    template: str | None,
    override: str = "",
    findings: list[str] | None = None,
    config: Config | None = None,
    drill: bool = False,
    poster: Callable[[str, str, str, str | None, str], Posted] = post_mastodon,
) -> Event:
    """Send the reply `how` (SIMULATED is forced in a drill) and journal what came of it, with
    the check's `findings` and the `override` reason given for publishing despite them."""
    details: dict[str, object] = {"template": template, "findings": findings or []}
    if override:
        details["override"] = override
    if drill:
        event = session.record_reply(item, text, simulated=True, how=SIMULATED, **details)
    elif how == POSTED:
        assert config is not None
        instance, token = reply_target(config, item.mention.network)
        draft = session.journal.save_draft(item.id, text, template)
        result = poster(instance, token, text, item.mention.native_id, draft.post_key)
        outcome = POSTED if result.ok else FAILED
        event = session.record_reply(
            item,
            text,
            simulated=False,
            how=outcome,
            url=result.url,
            detail=result.detail,
            key=draft.post_key,
            **details,
        )
        if not result.ok:
            return event  # the draft and its key stay for the retry
    else:
        event = session.record_reply(item, text, simulated=False, how=BY_HAND, **details)
    session.journal.drop_draft(item.id)
    return event


def template_success(session: Session) -> dict[str, float]:
    """For each template replies were sent from: the share of them after which the author
    posted less in the following hour than in the hour before."""
    calmed: dict[str, list[bool]] = {}
    with JournalReader(session.journal.path) as reader:
        for event in session.replies():
            template = event.payload.get("template")
            if not template:
                continue
            network, author = str(event.payload.get("network")), str(event.payload.get("author"))
            before = reader.count_by_author(network, author, event.at - CALM_WINDOW, event.at)
            after = reader.count_by_author(network, author, event.at, event.at + CALM_WINDOW)
            calmed.setdefault(str(template), []).append(after < before)
    return {template: sum(seen) / len(seen) for template, seen in calmed.items()}
