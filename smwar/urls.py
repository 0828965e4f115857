"""Addresses from outside, taken apart without ever raising: `urlsplit` refuses some that
strangers write ("http://[oops" is an "Invalid IPv6 URL"), and one such link must not stop a
poll or the reply editor."""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit


def split_url(url: str) -> SplitResult | None:
    """`url`'s parts, or None when it cannot be read as an address."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - an impossible port raises only when read
    except ValueError:
        return None
    return parts


def host_of(url: str) -> str:
    """`url`'s host in lower case, or "" when it has none or cannot be read."""
    parts = split_url(url)
    return (parts.hostname or "").lower() if parts else ""
