"""`smwar auth`: tokens, app passwords and signing secrets, kept only in the OS keyring."""

from __future__ import annotations

import click

from smwar.cli.common import reports_errors, say
from smwar.errors import SmwarError
from smwar.secrets import SERVE_KEY, delete_secret, get_secret, require_keyring, set_secret

MIN_SERVE_KEY = 16  # characters of the key that guards a war room served past this machine


def _names() -> list[str]:
    """The secrets the configured sources use, the key of `smwar serve`, and the password of
    the PostgreSQL server that keeps the journal, if one does."""
    from smwar.config import load_config
    from smwar.journal.address import is_postgres
    from smwar.sources.registry import secret_name

    config = load_config()
    names = [*(name for name in (secret_name(settings) for settings in config.source) if name), SERVE_KEY]
    if config.journal is not None and is_postgres(config.journal):
        from smwar.journal.postgres.connect import secret_name as password_name

        names.append(password_name(config.journal).removeprefix("auth:"))
    return names


@click.group()
def auth() -> None:
    """Keep the secrets sources need in the OS keyring (never in a file)."""


@auth.command("set")
@click.argument("name")
@reports_errors
def set_(name: str) -> None:
    """Store the secret for NAME: mastodon:HOST, bluesky:HANDLE, webhook:SOURCE_ID, serve (the
    key browsers give `smwar serve`) or postgresql:HOST (the password of the journal's server)."""
    known = _names()
    if name not in known:
        say(f"note: no configured source, `smwar serve` or journal uses {name!r} (known: {', '.join(known)})", err=True)
    value = click.prompt(f"secret for {name} (not shown)", hide_input=True).strip()
    if name == SERVE_KEY:
        _check_serve_key(value)
    set_secret(f"auth:{name}", value)
    say(f"{name}: stored in the OS keyring")


def _check_serve_key(value: str) -> None:
    """A key browsers give in an address (`?key=`): long enough not to be guessed, and of the
    characters an address keeps as they are (`#` ends it, `+` is a space, `&` starts another)."""
    generate = "(e.g. from: python -c 'import secrets; print(secrets.token_urlsafe())'); nothing was stored"
    if len(value) < MIN_SERVE_KEY:
        raise SmwarError(
            f"serve: a key of {len(value)} characters is guessed; give at least {MIN_SERVE_KEY} {generate}"
        )
    if odd := sorted({char for char in value if not (char.isascii() and (char.isalnum() or char in "-._~"))}):
        raise SmwarError(
            f"serve: the key goes in an address, where {' '.join(map(repr, odd))} would change it; "
            f"use letters, digits and - . _ ~ {generate}"
        )


@auth.command("delete")
@click.argument("name")
@reports_errors
def delete(name: str) -> None:
    """Forget the secret for NAME."""
    gone = delete_secret(f"auth:{name}")
    say(f"{name}: {'removed' if gone else 'nothing was stored'}")


@auth.command("list")
@reports_errors
def list_() -> None:
    """Which secrets the configured sources and `smwar serve` need, and whether each is set
    (never the value)."""
    require_keyring()
    for name in _names():
        say(f"{name:<24} {'set' if get_secret(f'auth:{name}') else 'not set'}")
