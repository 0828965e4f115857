"""Drill scripts: a TOML timeline of injects (see runbooks/drills/README.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from smwar.errors import InputError, InputErrors
from smwar.model import Mention, known_network
from smwar.paths import bundled_drills_dir, by_path_or_name
from smwar.runbooks.definitions import Identifier, RunbookSet
from smwar.runbooks.loader import DRILLS_SUBDIR
from smwar.timespan import positive, read_offset
from smwar.tomlfile import Key, Strict, TomlDocument, load_toml, parse_toml, validate

Offset = Annotated[timedelta, BeforeValidator(read_offset)]  # after the drill starts: 00:00 is its first moment
# an outage that lasts no time, or an incident due to be open at the very start, is a slip
Span = Annotated[Offset, AfterValidator(positive)]


class DrillInfo(Strict):
    id: Identifier
    title: str
    company: str
    summary: str = ""


Network = Annotated[str, AfterValidator(known_network)]


class Inject(Strict):
    """One mention the drill feeds in `at` after the start."""

    at: Offset
    network: Network
    author: str = Field(min_length=1)
    text: str = Field(min_length=1)
    followers: int | None = Field(None, ge=0)
    lang: str | None = Field(None, pattern=r"^[a-z]{2}$")
    url: str | None = None


class Message(Strict):
    """A trainer's message shown to the trainee `at` after the start."""

    at: Offset
    text: str = Field(min_length=1)


class Outage(Strict):
    """A network goes dark: its posts from `at` on arrive only when it is back, `lasts` later."""

    at: Offset
    network: Network
    lasts: Span

    def covers(self, network: str, offset: timedelta) -> bool:
        return network == self.network and self.at <= offset < self.at + self.lasts


class ExpectedIncident(Strict):
    """A scenario the trainee should open, and by when (counted from the drill's start)."""

    scenario: Identifier
    open_by: Span


class Expected(Strict):
    """The response a drill expects, against which a run is scored."""

    incident: list[ExpectedIncident] = []
    not_opened: list[Identifier] = []  # scenarios that must not become incidents (look-alikes)
    answer: list[str] = []  # authors who must be answered (a VIP, a journalist)
    leave_alone: list[str] = []  # authors who must not be answered (known troublemakers)


class DrillScript(Strict):
    drill: DrillInfo
    expected: Expected = Expected()
    message: list[Message] = []
    outage: list[Outage] = []
    inject: list[Inject] = Field(min_length=1)

    @property
    def length(self) -> timedelta:
        return max(
            [inject.at for inject in self.inject]
            + [message.at for message in self.message]
            + [outage.at + outage.lasts for outage in self.outage]
        )

    def back_online(self, network: str, offset: timedelta) -> timedelta:
        """When a post of `network` made at `offset` gets through (later during an outage)."""
        for outage in self.outage:
            if outage.covers(network, offset):
                return outage.at + outage.lasts
        return offset

    def index_of(self, native_id: str) -> int:
        """Which inject a mention was made from (its native id carries the index)."""
        return int(native_id.rsplit("-", 1)[1])

    def mention(self, index: int, start: datetime) -> Mention:
        inject = self.inject[index]
        return Mention(
            network=inject.network,
            native_id=f"{self.drill.id}-{index:05d}",
            author=inject.author,
            text=inject.text,
            posted_at=start + inject.at,
            lang=inject.lang,
            followers=inject.followers,
            url=inject.url,
        )


def load_drill(path: Path, text: str | None = None, runbooks: RunbookSet | None = None) -> DrillScript:
    """The drill script at `path`, or in `text` (a copy a run kept of the file at `path`).

    Given the `runbooks` it is to be played on, every scenario it expects (or expects not to be
    opened) must be one of theirs: a run would otherwise be scored against an incident nobody
    could ever open.
    """
    document = load_toml(path) if text is None else parse_toml(text, path)
    script = validate(document, DrillScript)
    errors = [
        document.error(
            ("inject", index, "at"), "injects must be in time order: this one is earlier than the one before"
        )
        for index in range(1, len(script.inject))
        if script.inject[index].at < script.inject[index - 1].at
    ]
    if runbooks is not None:
        errors += _unknown_scenarios(document, script.expected, runbooks)
    if errors:
        raise InputErrors(errors)
    return script


def _unknown_scenarios(document: TomlDocument, expected: Expected, runbooks: RunbookSet) -> list[InputError]:
    named: list[tuple[Key, str, str]] = [
        (("expected", "incident", index, "scenario"), "expected.incident.scenario", incident.scenario)
        for index, incident in enumerate(expected.incident)
    ]
    named += [
        (("expected", "not_opened", index), "expected.not_opened", scenario)
        for index, scenario in enumerate(expected.not_opened)
    ]
    return [
        document.error(key, f"{label}: {problem}")
        for key, label, scenario in named
        if (problem := runbooks.unknown_scenario(scenario))
    ]


def check_drills(runbook_path: Path, runbooks: RunbookSet) -> int:
    """Load each drill kept with the set at `runbook_path` (in its `drills/` folder) against
    `runbooks`, so that `smwar runbooks check` also catches a drill a renamed scenario broke.
    Every problem is raised together; returns how many drills there are."""
    folder = runbook_path / DRILLS_SUBDIR
    drills = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    errors: list[InputError] = []
    for drill in drills:
        try:
            load_drill(drill, runbooks=runbooks)
        except InputErrors as exc:
            errors += exc.errors
    if errors:
        raise InputErrors(errors)
    return len(drills)


def find_drill(name: str | None) -> Path:
    """A drill script by path, or by the id of a bundled drill (default: the first bundled one)."""
    bundled = sorted(bundled_drills_dir().glob("*.toml"))
    if name is None:
        if not bundled:
            raise InputErrors([InputError(bundled_drills_dir(), None, "no bundled drills found")])
        return next((path for path in bundled if path.stem == DEFAULT_DRILL), bundled[0])
    found = by_path_or_name(name, bundled)
    if found is not None:
        return found
    known = ", ".join(path.stem for path in bundled) or "none"
    raise InputErrors(
        [InputError(Path(name), None, f"no such drill file, and no bundled drill of that name (bundled: {known})")]
    )


DEFAULT_DRILL = "washer-leak"
