"""What posting a reply needs and what came of it, whichever the network."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

TIMEOUT = 15.0


@dataclass(frozen=True, slots=True)
class Account:
    """The operator's account a reply goes out from: its server (a Mastodon instance or a
    Bluesky PDS), its login (a Bluesky handle; empty on Mastodon) and its secret."""

    network: str
    server: str
    login: str
    secret: str

    def __repr__(self) -> str:  # the secret never reaches a log or a traceback
        return f"Account({self.network!r}, {self.server!r}, {self.login!r})"


@dataclass(frozen=True, slots=True)
class Posted:
    ok: bool
    url: str | None
    detail: str  # "posted", or what went wrong


def refused(answer: httpx.Response) -> Posted:
    """A failed post from the server's error answer: its status and the reason it gives."""
    try:
        data = answer.json()
    except ValueError:
        data = None
    reason = answer.reason_phrase
    if isinstance(data, dict):
        parts = [str(data[key]) for key in ("error", "message") if data.get(key)]
        reason = ": ".join(parts) or reason
    return Posted(False, None, f"{answer.status_code} {reason}")


def unreachable(exc: httpx.HTTPError) -> Posted:
    return Posted(False, None, f"{type(exc).__name__}: {exc or 'no answer'}")
