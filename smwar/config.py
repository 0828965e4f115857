"""The user's settings (`config.toml` in the config directory); secrets never live here."""

from __future__ import annotations

import getpass
import os
import stat
import tomllib
from pathlib import Path
from typing import Annotated

import tomlkit
from pydantic import AfterValidator, Field
from tomlkit.items import AoT

from smwar.errors import InputErrors, SmwarError
from smwar.journal.address import checked_address
from smwar.paths import config_file, user_runbooks_dir
from smwar.sources.registry import AnySettings
from smwar.tomlfile import Strict, TomlDocument, cannot_read, load_toml, validate

MAX_WORKERS = 15  # processes that match a storm beside the ingest process, at most


class ReplyAccounts(Strict):
    """The accounts replies are posted from; their secrets are the keyring's, under the same
    names as for a source: `mastodon:HOST` (an access token) and `bluesky:HANDLE` (an app
    password)."""

    mastodon: str | None = None  # the instance: "https://mastodon.social"
    bluesky: str | None = None  # the handle: "acme.bsky.social"
    bluesky_pds: str = "https://bsky.social"  # where that handle's account lives


class Config(Strict):
    operator: str = Field(default_factory=getpass.getuser, min_length=1)
    owns: list[str] = []  # what the operator answers for: the plan's owners (social-team, …); `M` in the queue
    runbooks: Path | None = Field(None, strict=False)
    # where the live journal is kept: postgresql://USER@HOST/DB for a team past one host (its
    # password in the keyring), or sqlite:PATH; unset, the SQLite file in the data directory
    journal: Annotated[str, AfterValidator(checked_address)] | None = None
    source: list[AnySettings] = []  # [[source]] tables: what live mode watches
    # processes that match a storm beside the ingest process; unset, one per further processor
    workers: Annotated[int, Field(ge=0, le=MAX_WORKERS)] | None = None
    reply_as: ReplyAccounts = ReplyAccounts()

    def find_source(self, source_id: str) -> AnySettings:
        found = next((source for source in self.source if source.id == source_id), None)
        if found is None:
            known = ", ".join(source.id for source in self.source) or "none configured"
            raise SmwarError(f"no source {source_id!r} in {config_file()} (sources: {known})")
        return found

    def ingest_workers(self) -> int:
        """The processes that match a storm beside the ingest process: as configured, else one
        for each further processor this process may run on."""
        if self.workers is not None:
            return self.workers
        usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        return min(MAX_WORKERS, usable - 1)

    def runbook_path(self, bundled: Path) -> Path:
        """The configured set, else the user's own runbooks if any, else the bundled examples."""
        if self.runbooks is not None:
            return self.runbooks.expanduser()
        own = user_runbooks_dir()
        return own if own.is_dir() and any(own.rglob("*.toml")) else bundled


def load_config() -> Config:
    path = config_file()
    try:
        there = path.exists()
    except OSError as exc:  # the folder cannot be searched (a file in it that cannot be read: load_toml)
        raise cannot_read(path.parent, exc) from exc
    if not there:
        return Config()
    document = load_toml(path)
    config = validate(document, Config)
    _refuse_duplicate_ids(document, config.source)
    return config


def _refuse_duplicate_ids(document: TomlDocument, sources: list[AnySettings]) -> None:
    """Each source's id once: a cursor, a pause and a health line belong to an id, and a
    second source under it would take the first one's place without a word."""
    first: dict[str, int] = {}  # id -> index of the source that has it
    duplicates = []
    for index, source in enumerate(sources):
        if source.id in first:
            earlier = document.line_of(("source", first[source.id], "id"))
            message = f"duplicate source id {source.id!r} (first at line {earlier})"
            duplicates.append(document.error(("source", index, "id"), message))
        first.setdefault(source.id, index)
    if duplicates:
        raise InputErrors(duplicates)


def add_source(settings: AnySettings) -> None:
    """Append a `[[source]]` table to the config file, keeping the rest of it as written."""
    config = load_config()
    if any(source.id == settings.id for source in config.source):
        raise SmwarError(f"a source {settings.id!r} exists already in {config_file()}")
    document = _document()
    table = tomlkit.table()
    table["id"] = settings.id
    table["kind"] = settings.kind
    for key, value in settings.model_dump(exclude={"id", "kind"}, exclude_defaults=True).items():
        table[key] = value
    _sources(document).append(table)
    _save(document)


def remove_source(source_id: str) -> None:
    load_config().find_source(source_id)
    document = _document()
    tables = _sources(document)
    index = next(number for number, table in enumerate(tables) if table.get("id") == source_id)
    del tables[index]
    if not tables:
        del document["source"]
    _save(document)


def _document() -> tomlkit.TOMLDocument:
    path = config_file()
    return tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()


def _sources(document: tomlkit.TOMLDocument) -> AoT:
    found = document.setdefault("source", tomlkit.aot())
    if not isinstance(found, AoT):
        raise SmwarError(
            f"{config_file()} lists its sources in an inline array; write them as [[source]] tables "
            "so that `smwar sources` can edit them"
        )
    return found


def _save(document: tomlkit.TOMLDocument) -> None:
    """Write the edited config, checked first, in place of the old one in one step."""
    text = tomlkit.dumps(document)
    validate(TomlDocument(config_file(), tomllib.loads(text), {}), Config)  # never write a config that fails
    path = config_file().resolve()  # a symlinked config stays a symlink to the edited file
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(path.name + ".new")
    with staging.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    if path.exists():
        os.chmod(staging, stat.S_IMODE(path.stat().st_mode))  # a private config stays private
    staging.replace(path)
