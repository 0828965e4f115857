"""`smwar serve`: the live war room in a browser, for those who cannot SSH to it."""

from __future__ import annotations

import shlex
import sys

import click

from smwar.cli.common import reports_errors
from smwar.config import load_config
from smwar.errors import SmwarError
from smwar.secrets import SERVE_KEY, get_secret


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.pass_context
@reports_errors
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the live war room to browsers: each browser tab gets a war room of its own.

    It listens on this machine only, unless --host names another address; then it needs a
    key (`smwar auth set serve`), which a browser gives once, as http://HOST:PORT/?key=KEY.
    With a key set, it is asked for on this machine too. `smwar --as NAME serve` serves the
    war room as NAME. Ends on Ctrl-C.
    """
    from smwar.webserve import GuardedServer, is_loopback

    key = get_secret(f"auth:{SERVE_KEY}")
    if not key and not is_loopback(host):
        raise SmwarError(f"serving on {host} needs a key: set one with `smwar auth set serve`")
    if not load_config().source:
        raise SmwarError("live mode has no sources configured yet: `smwar` says how to add one")
    operator = ctx.find_root().params.get("operator")
    command = [sys.executable, "-m", "smwar", *(["--as", operator] if operator is not None else [])]
    try:
        GuardedServer(shlex.join(command), host, port, key).serve()
    except OSError as exc:
        raise SmwarError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
