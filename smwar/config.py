"""The user's settings (`config.toml` in the config directory); secrets never live here."""

from __future__ import annotations

import getpass
from pathlib import Path

import tomlkit
from pydantic import Field

from smwar.errors import SmwarError
from smwar.paths import config_file, user_runbooks_dir
from smwar.sources.registry import AnySettings
from smwar.tomlfile import Strict, load_toml, validate


class Config(Strict):
    operator: str = Field(default_factory=getpass.getuser, min_length=1)
    runbooks: Path | None = None
    source: list[AnySettings] = []  # [[source]] tables: what live mode watches

    def find_source(self, source_id: str) -> AnySettings:
        found = next((source for source in self.source if source.id == source_id), None)
        if found is None:
            known = ", ".join(source.id for source in self.source) or "none configured"
            raise SmwarError(f"no source {source_id!r} in {config_file()} (sources: {known})")
        return found

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


def add_source(settings: AnySettings) -> None:
    """Append a `[[source]]` table to the config file, keeping the rest of it as written."""
    config = load_config()
    if any(source.id == settings.id for source in config.source):
        raise SmwarError(f"a source {settings.id!r} exists already in {config_file()}")
    document = _document()
    table = tomlkit.table()
    for key, value in settings.model_dump(exclude_defaults=True).items():
        table[key] = value
    table["kind"] = settings.kind
    document.setdefault("source", tomlkit.aot()).append(table)
    _save(document)


def remove_source(source_id: str) -> None:
    load_config().find_source(source_id)
    document = _document()
    tables = document["source"]
    kept = [table for table in tables if table.get("id") != source_id]
    if kept:
        document["source"] = tomlkit.aot()
        for table in kept:
            document["source"].append(table)
    else:
        del document["source"]
    _save(document)


def _document() -> tomlkit.TOMLDocument:
    path = config_file()
    return tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()


def _save(document: tomlkit.TOMLDocument) -> None:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(path.name + ".new")
    staging.write_text(tomlkit.dumps(document), encoding="utf-8")
    staging.replace(path)
