"""`smwar serve`: the live war room in a browser, for those who cannot SSH to it."""

from __future__ import annotations

import shlex
import sys
from typing import TYPE_CHECKING

import click

from smwar.cli.common import reports_errors
from smwar.errors import SmwarError
from smwar.secrets import SERVE_KEY, get_secret

if TYPE_CHECKING:
    from yarl import URL


def _public_origin(ctx: click.Context, param: click.Parameter, address: str | None) -> URL | None:
    from smwar.webserve import public_origin

    try:
        return public_origin(address) if address is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--public-url",
    "public",
    metavar="URL",
    callback=_public_origin,
    help="The address browsers reach it at through a reverse proxy, e.g. https://war.example.com.",
)
@click.pass_context
@reports_errors
def serve(ctx: click.Context, host: str, port: int, public: URL | None) -> None:
    """Serve the live war room to browsers: each browser tab gets a war room of its own.

    It listens on this machine only, unless --host names another address; then it needs a
    key (`smwar auth set serve`), which a browser gives once, as http://HOST:PORT/?key=KEY.
    With a key set, it is asked for on this machine too. `smwar --as NAME serve` serves the
    war room as NAME. Ends on Ctrl-C.

    Behind a reverse proxy, --public-url gives the address browsers use (it needs a key too,
    unless it names this machine): the page then connects back through the proxy, over
    wss:// for an https:// address, and the key's cookie is then sent over https only.
    """
    from smwar.config import load_config
    from smwar.webserve import GuardedServer, is_loopback

    key = get_secret(f"auth:{SERVE_KEY}")
    reached_as = [name for name in (host, public.host if public else None) if name and not is_loopback(name)]
    if not key and reached_as:
        raise SmwarError(f"serving on {reached_as[0]} needs a key: set one with `smwar auth set serve`")
    if not load_config().source:
        raise SmwarError("live mode has no sources configured yet: `smwar` says how to add one")
    operator = ctx.find_root().params.get("operator")
    command = [sys.executable, "-m", "smwar", *(["--as", operator] if operator is not None else [])]
    try:
        GuardedServer(shlex.join(command), host, port, key, public).serve()
    except OSError as exc:
        raise SmwarError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
