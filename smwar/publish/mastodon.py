"""Post a reply on Mastodon. A status id is only valid on the instance it was read from, so the
post replied to is looked up on the account's own instance first: by its id when that is the
same post there, else by its address. The idempotency key makes a retry the same post: an
instance that already has it answers with it instead of posting twice."""

from __future__ import annotations

from typing import Any

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
    try:
        status = answer.json()
        return Posted(True, str(status.get("url") or status.get("uri") or ""), "posted")
    except (ValueError, AttributeError):  # kept as failed: a retry with the same key cannot post twice
        return Posted(False, None, f"{answer.status_code}, but the answer is no status: was it posted? check")


def _local_id(client: httpx.Client, parent: Mention) -> str | None:
    """The id of `parent` on the client's instance (a mention without an address is taken to
    have been read there)."""
    same = _json(client.get(f"/api/v1/statuses/{parent.native_id}"))
    if same is not None and (not parent.url or parent.url in (same.get("url"), same.get("uri"))):
        return parent.native_id
    if not parent.url:
        return None
    params = {"q": parent.url, "resolve": "true", "type": "statuses", "limit": "1"}
    found = _json(client.get("/api/v2/search", params=params))
    statuses = found.get("statuses") if found is not None else None
    first = statuses[0] if isinstance(statuses, list) and statuses else None
    return str(first["id"]) if isinstance(first, dict) and "id" in first else None


def _json(answer: httpx.Response) -> dict[str, Any] | None:
    """A successful answer's JSON object, or None."""
    if not answer.is_success:
        return None
    try:
        data = answer.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
