"""How a source is configured: one `[[source]]` table in config.toml per source.

Each connector module defines its own settings model on `SourceSettings`, with a literal
`kind`; tokens and passwords never appear here (they live in the OS keyring).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from smwar.tomlfile import Strict

SourceId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-_]*$", max_length=64)]


class SourceSettings(Strict):
    id: SourceId
    kind: str
    poll_seconds: float = Field(60.0, ge=5.0, le=86_400.0)  # for sources that poll
