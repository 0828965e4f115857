"""`smwar sources`: the networks live mode watches, kept as `[[source]]` tables in config.toml."""

from __future__ import annotations

from typing import TYPE_CHECKING, get_origin

import click

from smwar.cli.common import reports_errors, say, say_quarantined
from smwar.errors import SmwarError
from smwar.plaintext import printable, printable_name
from smwar.sources.registry import KINDS

if TYPE_CHECKING:
    from smwar.sources.base import Batch

TEST_SECONDS = 30.0


@click.group()
def sources() -> None:
    """Add, list, remove and test the sources live mode watches."""


@sources.command("add")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("source_id")
@click.argument("options", nargs=-1)
@reports_errors
def add(kind: str, source_id: str, options: tuple[str, ...]) -> None:
    """Add source SOURCE_ID of KIND, with key=value OPTIONS (lists comma-separated).

    \b
    smwar sources add jsonl export path=~/exports/mentions.jsonl
    smwar sources add webhook hook port=8787
    """
    from pydantic import ValidationError

    from smwar.config import add_source
    from smwar.sources.registry import KIND_SETTINGS, SETTINGS

    fields: dict[str, object] = {"id": source_id, "kind": kind}
    model = KIND_SETTINGS[kind].model_fields
    for option in options:
        key, equals, value = option.partition("=")
        key = key.strip()
        if not equals:
            raise SmwarError(f"{option!r}: write options as key=value")
        is_list = key in model and get_origin(model[key].annotation) is list
        fields[key] = [item.strip() for item in value.split(",") if item.strip()] if is_list else value
    try:
        settings = SETTINGS.validate_python(fields, strict=False)  # options are text: port=8787 is a number
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc'][1:])) or kind}: {error['msg'].removeprefix('Value error, ')}"
            for error in exc.errors()
        )
        raise SmwarError(f"{kind} source {source_id!r}: {problems}") from None
    add_source(settings)
    say(f"added {kind} source {source_id!r}. Try it: smwar sources test {source_id}")


@sources.command("list")
@reports_errors
def list_() -> None:
    """The configured sources."""
    from smwar.config import load_config

    configured = load_config().source
    if not configured:
        say("No sources yet. Add one: smwar sources add KIND ID key=value …")
    for settings in configured:
        shown = settings.model_dump(exclude={"id", "kind"}, exclude_defaults=True)
        details = " ".join(f"{key}={value}" for key, value in shown.items())
        say(f"{settings.id:<16} {settings.kind:<10} {details}")


@sources.command("remove")
@click.argument("source_id")
@reports_errors
def remove(source_id: str) -> None:
    """Remove source SOURCE_ID from the config (its mentions stay in the journal)."""
    from smwar.config import remove_source

    remove_source(source_id)
    say(f"removed source {source_id!r}")


@sources.command("test")
@click.argument("source_id")
@click.option(
    "--seconds",
    type=click.FloatRange(0, 3600, min_open=True),
    default=TEST_SECONDS,
    show_default=True,
    help="How long to wait for a first batch.",
)
@reports_errors
def test(source_id: str, seconds: float) -> None:
    """Fetch once from SOURCE_ID and show what came back, or exactly why it failed."""
    import asyncio

    from smwar.config import load_config
    from smwar.sources.base import SelfChecking, SourceError
    from smwar.sources.registry import build
    from smwar.sources.runner import describe

    source = build(load_config().find_source(source_id))

    async def first_batch() -> Batch:
        async for batch in source.run(None):
            if batch.mentions or batch.quarantined or batch.waiting:  # not just "listening" or "nothing new yet"
                return batch
        raise SourceError("the source ended without sending anything")

    if isinstance(source, SelfChecking):
        try:
            shortfalls = asyncio.run(asyncio.wait_for(source.shortfalls(), timeout=seconds))
        except TimeoutError:
            shortfalls = []  # a server this slow: the fetch below says so
        for shortfall in shortfalls:
            say(f"{source_id}: missing: {shortfall}")
    try:
        batch = asyncio.run(asyncio.wait_for(first_batch(), timeout=seconds))
    except TimeoutError:
        say(f"{source_id}: nothing arrived within {seconds:g} s (the source works but was quiet)")
        return
    except Exception as exc:  # whatever the network or the answer did: say exactly that
        say(f"{source_id}: FAILED: {describe(exc)}", err=True)
        raise SystemExit(1) from None
    if batch.waiting:
        say(f"{source_id}: waiting for {batch.waiting}: nothing to read until it is there", err=True)
        raise SystemExit(1)
    say(f"{source_id}: {len(batch.mentions)} mentions, {len(batch.quarantined)} unreadable items")
    for mention in batch.mentions[:10]:
        say(f"  {mention.network} {printable_name(mention.author)}: {printable(mention.text)[:100]}")
    say_quarantined(batch.quarantined)
