"""Links in what Reddit and Hacker News deliver: kept as "text (address)" so the operator sees
where they lead, and cleaned of the parameters that only track who clicked (`utm_*`, `fbclid`,
`gclid`, `ref`, `share_id` and the like)."""

from __future__ import annotations

import re
from urllib.parse import unquote

from smwar.urls import split_url

_TRACKING = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid", "igsh",
        "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "ref", "ref_src", "ref_url", "share_id", "rdt",
    }
)  # fmt: skip
_ADDRESS = re.compile(r"https?://[^\s<>()\[\]\"']+", re.IGNORECASE)


def clean_url(url: str) -> str:
    """`url` without its tracking parameters; as it was when it has none or cannot be read."""
    parts = split_url(url)
    if parts is None or not parts.query:
        return url
    kept = [pair for pair in parts.query.split("&") if pair and not _tracking(pair)]
    if len(kept) == len(parts.query.split("&")):
        return url
    return parts._replace(query="&".join(kept)).geturl()


def clean_urls(text: str) -> str:
    """`text` with every web address in it cleaned of tracking parameters."""
    return _ADDRESS.sub(lambda found: clean_url(found.group()), text)


def with_target(text: str, url: str) -> str:
    """A link as plain text: "text (url)", or the address alone when the text only shows it."""
    text, url = text.strip(), clean_url(url.strip())
    shown = text.removesuffix("...").removesuffix("…")
    if not text or url.startswith(shown) or clean_url(text) == url:
        return url
    return f"{text} ({url})" if url else text


def _tracking(pair: str) -> bool:
    name = unquote(pair.split("=", 1)[0]).lower()
    return name.startswith("utm_") or name in _TRACKING
