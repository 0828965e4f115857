"""Post a reply on Mastodon. A status id is only valid on the instance it was read from, so the
post replied to is looked up on the account's own instance first: by its id when that is the
same post there, else by its address. The idempotency key makes a retry the same post: an
instance that already has it answers with it instead of posting twice."""

from __future__ import annotations

import httpx

from smwar.model import Mention
from smwar.publish.posted import TIMEOUT, Account, Posted, refused, unreachable


def post_mastodon(account: Account, text: str, parent: Mention | None, key: str) -> Posted:
    """Publish `text` from `account` as a reply to the status `parent`."""
    headers = {"Authorization": f"Bearer {account.secret}"}
    try:
        with httpx.Client(base_url=account.server, timeout=TIMEOUT, headers=headers) as client:
            body: dict[str, object] = {"status": text, "visibility": "public"}
            if parent is not None:
                found = _local_id(client, parent)
                if found is None:
                    return Posted(False, None, f"the post replied to cannot be found from {account.server}")
                body["in_reply_to_id"] = found
            answer = client.post("/api/v1/statuses", json=body, headers={"Idempotency-Key": key})
    except httpx.HTTPError as exc:
        return unreachable(exc)
    if answer.is_error:
        return refused(answer)
    status = answer.json()
    return Posted(True, str(status.get("url") or status.get("uri") or ""), "posted")


def _local_id(client: httpx.Client, parent: Mention) -> str | None:
    """The id of `parent` on the client's instance (a mention without an address is taken to
    have been read there)."""
    same = client.get(f"/api/v1/statuses/{parent.native_id}")
    if same.is_success and (not parent.url or parent.url in (same.json().get("url"), same.json().get("uri"))):
        return parent.native_id
    if not parent.url:
        return None
    params = {"q": parent.url, "resolve": "true", "type": "statuses", "limit": "1"}
    found = client.get("/api/v2/search", params=params)
    statuses = found.json().get("statuses") if found.is_success else None
    return str(statuses[0]["id"]) if statuses else None
