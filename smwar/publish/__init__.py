"""Post a reply on a network with the operator's own account, so that a retry of the same
reply (the same post key) never posts it twice."""

from __future__ import annotations

from smwar.model import Mention
from smwar.publish.bluesky import post_bluesky
from smwar.publish.mastodon import post_mastodon
from smwar.publish.posted import Account, Posted

POSTERS = {"mastodon": post_mastodon, "bluesky": post_bluesky}


def post_reply(account: Account, text: str, parent: Mention | None, key: str) -> Posted:
    """Publish `text` from `account` as a reply to the post `parent`."""
    return POSTERS[account.network](account, text, parent, key)


__all__ = ["POSTERS", "Account", "Posted", "post_reply"]
