"""Post a reply on a network with the operator's own credentials. The idempotency key makes a
retry the same post: a network that already has it answers with it instead of posting twice."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

TIMEOUT = 15.0


@dataclass(frozen=True, slots=True)
class Posted:
    ok: bool
    url: str | None
    detail: str  # "posted", or what went wrong


def post_mastodon(instance: str, token: str, text: str, in_reply_to: str | None, key: str) -> Posted:
    """Publish `text` as a reply to status `in_reply_to` on `instance` (the status id there)."""
    body: dict[str, object] = {"status": text, "visibility": "public"}
    if in_reply_to:
        body["in_reply_to_id"] = in_reply_to
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    try:
        with httpx.Client(base_url=instance, timeout=TIMEOUT) as client:
            answer = client.post("/api/v1/statuses", json=body, headers=headers)
    except httpx.HTTPError as exc:
        return Posted(False, None, f"{type(exc).__name__}: {exc or 'no answer'}")
    if answer.is_error:
        try:
            reason = str(answer.json().get("error", answer.reason_phrase))
        except ValueError:
            reason = answer.reason_phrase
        return Posted(False, None, f"{answer.status_code} {reason}")
    status = answer.json()
    return Posted(True, str(status.get("url") or status.get("uri") or ""), "posted")
