"""What a Mastodon source may lack, asked of its instance for `smwar sources test`: a token
whose app has no `read` or `read:statuses` scope (search and streaming need one), and a server
older than Mastodon 3.5, which tells no edits."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import re2

from smwar.sources.settings import MastodonSettings

EDITS_SINCE = (3, 5)  # the first Mastodon that tells edits (`status.update`, `edited_at`)
READ_SCOPES = frozenset({"read", "read:statuses"})  # either lets a token read statuses
_VERSION = re2.compile(r"(\d{1,4})\.(\d{1,4})")


async def shortfalls(client: httpx.AsyncClient, settings: MastodonSettings, token: str | None) -> list[str]:
    """What the token and the instance lack for what the source reads, a line each; a request
    that fails says nothing here (reading says why)."""
    return [
        *await _token_shortfalls(client, settings, token),
        *await _version_shortfalls(client, settings.instance),
    ]


async def _token_shortfalls(client: httpx.AsyncClient, settings: MastodonSettings, token: str | None) -> list[str]:
    uses = [what for what, used in (("search", settings.search), ("streaming", settings.stream)) if used]
    if not uses:
        return []
    needs = f"{' and '.join(uses)} {'need' if len(uses) > 1 else 'needs'}"
    hint = f"set one with: smwar auth set mastodon:{urlsplit(settings.instance).hostname}"
    if not token:
        return [f"no token: {needs} one with the read:statuses scope; {hint}"]
    answer = await _ask(
        client, settings.instance + "/api/v1/apps/verify_credentials", {"Authorization": f"Bearer {token}"}
    )
    if isinstance(answer, int):
        return [f"the instance refused the token ({answer}); {hint}"] if answer in (401, 403) else []
    scopes = answer.get("scopes") if isinstance(answer, dict) else None
    if not isinstance(scopes, list):
        return ["the instance does not say the token's scopes (before Mastodon 4.3): read:statuses is needed"]
    if READ_SCOPES.isdisjoint(scopes):
        granted = ", ".join(str(scope) for scope in scopes[:20]) or "none"
        return [f"the token lacks the read:statuses scope ({needs} it; it has {granted}); {hint}"]
    return []


async def _version_shortfalls(client: httpx.AsyncClient, instance: str) -> list[str]:
    answer = await _ask(client, instance + "/api/v2/instance", {})
    if answer == 404:  # before Mastodon 4.0
        answer = await _ask(client, instance + "/api/v1/instance", {})
    version = answer.get("version") if isinstance(answer, dict) else None
    found = _VERSION.match(version) if isinstance(version, str) else None
    if found is None or (int(found[1]), int(found[2])) >= EDITS_SINCE:
        return []
    return [f"the instance runs version {found[0]}: edits need Mastodon 3.5 or later, edited posts keep their words"]


async def _ask(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> Any:
    """The decoded answer to a GET of `url`, or the HTTP status of a failure (0: none)."""
    try:
        response = await client.get(url, headers=headers)
    except httpx.HTTPError:
        return 0
    if not response.is_success:
        return response.status_code
    try:
        return response.json()
    except ValueError:
        return 0
