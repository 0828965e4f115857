"""The war room in a browser: textual-serve's server, each browser session a `smwar` process,
every request let in only with the serve key (when one is set) and only for its own page.

The key is given once, as `?key=` on the page's address; the server answers with a cookie
(HttpOnly, SameSite=Lax, a keyed hash of the key, never the key itself) and sends the
browser on to the address without it. The page's scripts, styles and websocket then carry
the cookie, as browsers send cookies on a websocket's handshake but not a page's basic-auth
credentials everywhere. Without a key (only on this machine), the page must be asked for by a
loopback name, so that a web page whose name was pointed at 127.0.0.1 cannot reach it.
The websocket, which drives the war room and which no browser protects across sites, is
only opened for a page of the same origin.

Behind a reverse proxy (which may end TLS), the address browsers use is given as the public
URL: the page's script and websocket addresses are built from it (`wss://` for `https://`),
its origin is the only one whose page opens the websocket, and the cookie is then `Secure`.
No X-Forwarded-* header is read: anyone can send one. The page fetches nothing from elsewhere.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import logging
import re
import socket
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from textual_serve.server import Server
from yarl import URL

from smwar.cli.common import say

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
KEY_PARAMETER = "key"
REFUSALS_SAID_EVERY = 60.0  # seconds: a wrong key from one address is said once in this long
# textual-serve's page asks Google for a font: a request that tells a third party who works
# the war room and when, fails offline, and is not needed (the terminal has its own)
THIRD_PARTY_FONT = re.compile(r"<link[^>]*https://fonts\.googleapis\.com[^>]*>")


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address, IPv6 possibly in brackets) is this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def public_origin(address: str) -> URL:
    """The origin (scheme://host[:port]) of `address`, an http(s) site's root, at which a
    reverse proxy serves the war room."""
    url = URL(address)
    if url.scheme not in ("http", "https") or not url.host or url.path != "/" or url.query_string or url.user:
        raise ValueError(f"{address} is no http(s)://HOST[:PORT] address: the war room is served at a site's root")
    return url.origin()


class GuardedServer(Server):
    """textual-serve's server, guarded: see the module's description."""

    def __init__(self, command: str, host: str, port: int, key: str | None, public: URL | None = None) -> None:
        super().__init__(command, host=host, port=port, title="smwar")
        self._key = key
        self._public = public  # the origin a reverse proxy serves it at, from public_origin
        self._https = public is not None and public.scheme == "https"  # the proxy ends TLS
        self._pass = hmac.new(key.encode(), b"smwar serve cookie", hashlib.sha256).hexdigest() if key else ""
        self._cookie = f"smwar-serve-{port}"  # cookies are kept per host, not per port
        self._sessions: set[asyncio.Task[object]] = set()  # one per open browser tab
        self._said: dict[str, float] = {}  # when a refusal of each address was last said

    def initialize_logging(self) -> None:
        super().initialize_logging()
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # it would show a `?key=`

    async def on_startup(self, app: web.Application) -> None:
        _listenable(self.host, self.port)  # said before it listens: a busy port must not be announced
        where = f"{self._public}/" if self._public else f"http://{_reachable(self.host)}:{self.port}/"
        if self._key:
            say(f"Serving the war room on {where}?key=… (the key set with `smwar auth set serve`); Ctrl-C ends")
        else:
            say(f"Serving the war room on {where} (this machine only); Ctrl-C ends")

    async def on_shutdown(self, app: web.Application) -> None:
        # a tab's war room is told to quit when its session is cancelled; left alone, each
        # open tab would hold the server's shutdown for a minute
        for session in self._sessions:
            session.cancel()
        await asyncio.gather(*self._sessions, return_exceptions=True)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        session = asyncio.current_task()
        assert session is not None
        self._sessions.add(session)
        try:
            return await super().handle_websocket(request)
        finally:
            self._sessions.discard(session)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        return app

    async def handle_index(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        # the page's script and websocket addresses are built from public_url: the proxy's,
        # or the address the browser used, not the one listened on (0.0.0.0 is no address)
        self.public_url = str(self._public or request.url.origin())
        page = await super().handle_index(request)
        if isinstance(page, web.Response) and page.text is not None:
            page.text = THIRD_PARTY_FONT.sub("", page.text)  # nothing is fetched from elsewhere
        return page

    def _refused(self, request: web.Request, why: str) -> web.HTTPForbidden:
        """A request with a wrong key, refused; said on the server's output, once a minute for
        each address (someone guessing keys is for its operator to know, not to flood it)."""
        now, remote = time.monotonic(), request.remote or "an unknown address"
        if now - self._said.get(remote, -REFUSALS_SAID_EVERY) >= REFUSALS_SAID_EVERY:
            self._said[remote] = now
            say(f"refused {remote}: {why}", err=True)
        return web.HTTPForbidden(text=why)

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/ws" and not _same_origin(request, self._public):
            raise web.HTTPForbidden(text="the war room's websocket opens only for its own page")
        if not self._key:
            if not is_loopback(request.url.host or ""):
                raise web.HTTPForbidden(text="without a key this war room answers only to localhost")
            return await handler(request)
        given = request.query.get(KEY_PARAMETER)
        if given is not None:
            if not hmac.compare_digest(given.encode(), self._key.encode()):
                raise self._refused(request, "wrong key")
            query = {name: value for name, value in request.query.items() if name != KEY_PARAMETER}
            onward = web.Response(status=302, headers={"Location": str(request.rel_url.with_query(query))})
            secure = request.secure or self._https
            onward.set_cookie(self._cookie, self._pass, httponly=True, samesite="Lax", secure=secure)
            return onward
        cookie = request.cookies.get(self._cookie)
        if cookie is None:
            raise web.HTTPUnauthorized(text="this war room needs its key: open it as /?key=…")
        if not hmac.compare_digest(cookie.encode(), self._pass.encode()):
            raise self._refused(request, "wrong key")
        return await handler(request)


def _listenable(host: str, port: int) -> None:
    """Raise the OSError that listening on `host`:`port` would (the port is taken, the address
    is none of this machine's)."""
    family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    with socket.socket(family, kind) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server's own socket
        probe.bind(address)


def _reachable(host: str) -> str:
    """The name to give for `host`: this machine's for every address of it (0.0.0.0 is no
    address a browser can open)."""
    try:
        unspecified = ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return host
    return socket.getfqdn() if unspecified else host


def _same_origin(request: web.Request, public: URL | None) -> bool:
    """Whether a browser's request comes from a page of the server's own origin, the public
    one when it has one (a request without an Origin header comes from no web page)."""
    given = request.headers.get("Origin")
    if given is None:
        return True
    origin = URL(given)
    if public is None:
        return origin.raw_authority == request.host
    return (origin.scheme, origin.host, origin.port) == (public.scheme, public.host, public.port)
