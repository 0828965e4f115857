"""The user's settings (`config.toml` in the config directory); secrets never live here."""

from __future__ import annotations

import getpass
from pathlib import Path

from pydantic import Field

from smwar.paths import config_file, user_runbooks_dir
from smwar.tomlfile import Strict, load_toml, validate


class Config(Strict):
    operator: str = Field(default_factory=getpass.getuser, min_length=1)
    runbooks: Path | None = None

    def runbook_path(self, bundled: Path) -> Path:
        """The configured set, else the user's own runbooks if any, else the bundled examples."""
        if self.runbooks is not None:
            return self.runbooks.expanduser()
        own = user_runbooks_dir()
        return own if own.is_dir() and any(own.rglob("*.toml")) else bundled


def load_config() -> Config:
    path = config_file()
    if not path.exists():
        return Config()
    return validate(load_toml(path), Config)
