"""Send a reply: record it simulated in a drill, as sent by hand after copying it, or post it
on the network with the operator's account. A failed post keeps its draft (and its key), so
trying again can never post it twice."""

from __future__ import annotations

from datetime import timedelta

from smwar.config import Config
from smwar.engine.session import Session
from smwar.errors import SmwarError
from smwar.journal.rows import ClaimTaken
from smwar.model import Draft, Event, JournaledMention
from smwar.publish import POSTERS, Account, post_reply
from smwar.review.report import FAILED
from smwar.secrets import get_secret, refuse_plain_http
from smwar.urls import host_of

SIMULATED, BY_HAND, POSTED = "simulated", "by hand", "posted"
CALM_WINDOW = timedelta(hours=1)
SETTING = {"mastodon": '"https://your.instance"', "bluesky": '"you.bsky.social"'}


class StaleReply(SmwarError):
    """A reply not sent because it would be stale: `reason` says why (the stale-send guard's)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Not sent: {reason}")
        self.reason = reason


def reply_target(config: Config, network: str) -> Account:
    """The account to post from on `network`, with its secret, or why there is none."""
    if network not in POSTERS:
        raise SmwarError(f"posting to {network} is not supported: copy the reply and post it by hand")
    named = getattr(config.reply_as, network)
    if not named:
        setting = f"reply_as.{network} = {SETTING[network]}"
        raise SmwarError(f"no account to reply from on {network}: set {setting} in the config")
    if network == "bluesky":
        server, login, name = config.reply_as.bluesky_pds, named, f"bluesky:{named}"
    else:
        server, login, name = named, "", f"{network}:{host_of(named) or named}"
    secret = get_secret(f"auth:{name}")
    if not secret:
        raise SmwarError(f"no secret for {name} in the OS keyring: smwar auth set {name}")
    refuse_plain_http(server, f"your {network} account")
    return Account(network, server, login, secret)


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
    opened: int = 0,
) -> Event:
    """Send the reply `how` (SIMULATED is forced in a drill) and journal what came of it, with
    the check's `findings` and the `override` reason given for publishing despite them. Refused
    (`StaleReply`) when it would be stale: another operator took the reply over or replied, a
    reply went out after the event `opened` (the last one journaled when the editor opened;
    0: any reply counts), the operator's own from another war room too, or the post was
    deleted. The operator's claim on the mention ends with the reply; while it is being sent,
    nobody else's goes out."""
    stale = session.journal.stale_send(item.id, session.operator, opened)
    if stale is not None:
        raise StaleReply(stale)
    details: dict[str, object] = {"template": template, "findings": findings or []}
    if override:
        details["override"] = override
    try:
        if drill:
            event = session.desk.record_reply(item, text, simulated=True, how=SIMULATED, **details)
        elif how == POSTED:
            assert config is not None
            account = reply_target(config, item.mention.network)
            draft = _saved(session, item.id, text, template)
            result = post_reply(account, text, item.mention, draft.post_key)
            event = session.desk.record_reply(
                item,
                text,
                simulated=False,
                how=POSTED if result.ok else FAILED,
                url=result.url,
                detail=result.detail,
                key=draft.post_key,
                **details,
            )
        else:
            event = session.desk.record_reply(item, text, simulated=False, how=BY_HAND, **details)
    except BaseException:
        session.journal.sent(item.id, session.operator)
        raise
    if event.payload["how"] == FAILED:
        session.journal.sent(item.id, session.operator)
        return event  # the draft, its key and the claim stay for the retry
    session.journal.drop_draft(item.id)
    session.journal.release(item.id, session.operator)
    return event


def _saved(session: Session, mention_id: int, text: str, template: str | None) -> Draft:
    """The draft about to be posted, kept with its post key; `StaleReply` when someone took the
    reply over since the guard let it go."""
    try:
        return session.journal.save_draft(mention_id, session.operator, text, template)
    except ClaimTaken as exc:
        raise StaleReply(exc.reason) from None


def template_success(session: Session) -> dict[str, float]:
    """For each template replies were sent from: the share of them after which the author
    posted less in the following hour than in the hour before (of the replies whose following
    hour has passed: a quiet minute after a reply tells nothing yet)."""
    calmed: dict[str, list[bool]] = {}
    now = session.clock.now()
    with session.journal.reader() as reader:
        for event in session.desk.replies():
            template = event.payload.get("template")
            if not template or event.at + CALM_WINDOW > now:
                continue
            network, author = str(event.payload.get("network")), str(event.payload.get("author"))
            before = reader.count_by_author(network, author, event.at - CALM_WINDOW, event.at)
            after = reader.count_by_author(network, author, event.at, event.at + CALM_WINDOW)
            calmed.setdefault(str(template), []).append(after < before)
    return {template: sum(seen) / len(seen) for template, seen in calmed.items()}
