"""Pseudonymise exports for sharing outside the team: every author handle becomes a stable
pseudonym (the same author, the same pseudonym, in every export of the journal), handles
inside texts too, and links that could identify a person are dropped."""

from __future__ import annotations

import hashlib
import hmac
import re

_HANDLE = re.compile(r"(?<![\w@])@[\w.-]+(?:@[\w.-]+\.\w+)?")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
LINK_REMOVED = "[link removed]"


class Pseudonyms:
    """`salt` is the journal's own secret-free random key: it keeps pseudonyms stable per
    journal and makes them useless for looking up a handle from another journal."""

    def __init__(self, salt: bytes) -> None:
        self._salt = salt
        self._cache: dict[str, str] = {}

    def author(self, handle: str) -> str:
        return self._named("author", handle.casefold().lstrip("@"))

    def post(self, native_id: str) -> str:
        """A post's own id, which leads to it (and to its author) on its network."""
        return self._named("post", native_id)

    def _named(self, kind: str, key: str) -> str:
        found = self._cache.get(f"{kind}:{key}")
        if found is None:
            if len(self._cache) > 100_000:  # a bounded memo: a million authors must not fill memory
                self._cache.clear()
            digest = hmac.new(self._salt, f"{kind}:{key}".encode(), hashlib.sha256).hexdigest()
            found = self._cache.setdefault(f"{kind}:{key}", f"{kind}-{digest[:10]}")
        return found

    def text(self, text: str) -> str:
        """`text` with its links dropped and the handles in it replaced."""
        return _HANDLE.sub(lambda m: "@" + self.author(m.group()), _URL.sub(LINK_REMOVED, text))
