"""How a source is configured: one `[[source]]` table in config.toml per source.

Each connector module defines its own settings model on `SourceSettings`, with a literal
`kind`; tokens and passwords never appear here (they live in the OS keyring).
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, model_validator

from smwar.tomlfile import Strict

SourceId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-_]*$", max_length=64)]


class SourceSettings(Strict):
    id: SourceId
    kind: str
    poll_seconds: float = Field(60.0, ge=5.0, le=86_400.0)  # for sources that poll

    @model_validator(mode="after")
    def _no_credentials_in_addresses(self) -> SourceSettings:
        """A password in an address would end up in config.toml: it belongs in the keyring."""
        for name, value in self:
            if isinstance(value, str) and "://" in value and "@" in urlsplit(value).netloc:
                raise ValueError(f"{name} must not hold a user or password; keep secrets with: smwar auth set")
        return self

    def fingerprint(self) -> str:
        """What the source reads, in short: a cursor saved for other settings is not used."""
        what = self.model_dump(exclude={"poll_seconds"})
        return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:12]
