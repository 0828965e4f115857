"""`smwar serve`: the live war room in a real browser (the system's Chromium, driven by
Playwright), through a real `smwar serve` process on 127.0.0.1, directly and behind a
TLS-ending reverse proxy; its key asked for on every request; and no listening on another
address without one."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import keyring
import pytest
from aiohttp import web
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from multidict import CIMultiDict
from playwright.sync_api import Page, sync_playwright

from smwar.cli import main
from smwar.journal.store import Journal
from smwar.paths import live_journal_path
from tests.memory_keyring import FileKeyring
from tests.tools.journals import with_stream

ROOT = Path(__file__).resolve().parents[1]
BROWSER = shutil.which("chromium-headless-shell") or shutil.which("chromium")
NEEDS_BROWSER = pytest.mark.skipif(
    BROWSER is None, reason="no Chromium (chromium-headless-shell or chromium): .ci/run installs it"
)
KEY = "correct-horse-battery-staple"
MENTION = "Mein AquaPro Geschirrspüler ist ausgelaufen"
# xterm.js draws on a canvas, so its text is in no DOM node: this catches the page's terminal
# as it is made (the one object that gets a `_core`, and has addons) to read its screen buffer.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "_core", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "_core", {value, writable: true, configurable: true, enumerable: true});
    if (typeof this.loadAddon === "function") window.shownTerminal = this;
  },
});
"""
SCREEN = """() => {
  const terminal = window.shownTerminal;
  if (!terminal) return "";
  const buffer = terminal.buffer.active, rows = [];
  for (let y = 0; y < terminal.rows; y++) rows.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true));
  return rows.join("\\n");
}"""


@contextmanager
def serving(tmp_path: Path, *before: str, after: tuple[str, ...] = ()) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`smwar [BEFORE] serve [AFTER]` on a free port of 127.0.0.1, on a home whose one source is
    a JSON Lines file holding one mention; yields its address and process, which it ends after."""
    env = with_stream(tmp_path / "home", tmp_path / "stream.jsonl")
    (tmp_path / "stream.jsonl").write_text(
        json.dumps({"id": "1", "network": "mastodon", "author": "@kim@example.social", "text": MENTION}) + "\n"
    )
    env |= {"PYTHON_KEYRING_BACKEND": "tests.memory_keyring.FileKeyring", "PYTHONPATH": str(ROOT)}
    port = free_port()
    command = [sys.executable, "-m", "smwar", *before, "serve", "--port", str(port), *after]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        try:
            deadline = time.monotonic() + 20
            while not listening(port):
                assert process.poll() is None and time.monotonic() < deadline, "smwar serve did not start listening"
                time.sleep(0.1)
            yield f"http://127.0.0.1:{port}", process
        finally:
            process.terminate()
            process.wait(timeout=20)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def browser_page(*, ignore_https_errors: bool = False) -> Iterator[Page]:
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(BROWSER), args=[*args, "--disable-sync", "--no-first-run"]
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 700}, ignore_https_errors=ignore_https_errors)
            page.add_init_script(CATCH_TERMINAL)
            yield page
        finally:
            browser.close()


def shows(page: Page, words: str) -> None:
    """Wait until the terminal in the page shows `words` (it fails after 30 s: each tab's war
    room is a process of its own, slow to start on a busy machine)."""
    page.wait_for_function(f"() => ({SCREEN})().includes({json.dumps(words)})", timeout=30_000)


def status(url: str, headers: dict[str, str]) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def self_signed(directory: Path) -> ssl.SSLContext:
    """A TLS server's context for 127.0.0.1, its certificate signed by itself."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    pem = directory / "proxy.pem"
    pem.write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(pem)
    return tls


CLIENT = web.AppKey("client", aiohttp.ClientSession)
NOT_PASSED_BACK = {"connection", "keep-alive", "transfer-encoding", "content-length"}


def reverse_proxy(upstream: str) -> web.Application:
    """What the README's nginx `location /` does: every request and websocket passed on to
    `upstream` (http://HOST:PORT) with the Host it was asked for and X-Forwarded-Proto."""

    async def client(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession(auto_decompress=False) as session:
            app[CLIENT] = session
            yield

    async def forward(request: web.Request) -> web.StreamResponse:
        headers = {name: request.headers[name] for name in ("Cookie", "Origin") if name in request.headers}
        headers |= {"Host": request.host, "X-Forwarded-Proto": request.scheme}
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await forward_websocket(request, headers)
        async with request.app[CLIENT].get(
            f"{upstream}{request.rel_url}", headers=headers, allow_redirects=False
        ) as got:
            passed = [(name, value) for name, value in got.headers.items() if name.lower() not in NOT_PASSED_BACK]
            return web.Response(status=got.status, headers=CIMultiDict(passed), body=await got.read())

    async def forward_websocket(request: web.Request, headers: dict[str, str]) -> web.WebSocketResponse:
        url = f"ws{upstream.removeprefix('http')}{request.rel_url}"
        async with request.app[CLIENT].ws_connect(url, headers=headers) as inner:
            outer = web.WebSocketResponse()
            await outer.prepare(request)
            await asyncio.gather(pump(outer, inner), pump(inner, outer))
            return outer

    app = web.Application()
    app.cleanup_ctx.append(client)
    app.router.add_get("/{path:.*}", forward)
    return app


async def pump(
    source: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
    sink: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
) -> None:
    """One direction of a proxied websocket, until `source` closes; then `sink` is closed."""
    async for message in source:
        if message.type == aiohttp.WSMsgType.TEXT:
            await sink.send_str(message.data)
        elif message.type == aiohttp.WSMsgType.BINARY:
            await sink.send_bytes(message.data)
    await sink.close()


@contextmanager
def tls_proxy(public: str, upstream: str, tls: ssl.SSLContext) -> Iterator[None]:
    """`reverse_proxy(upstream)` answering https at `public` (https://127.0.0.1:PORT), on an
    event loop in a thread of its own, for the `with` block."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    runner = web.AppRunner(reverse_proxy(upstream), shutdown_timeout=1)
    asyncio.run_coroutine_threadsafe(runner.setup(), loop).result(timeout=10)
    site = web.TCPSite(runner, "127.0.0.1", int(public.rsplit(":", 1)[1]), ssl_context=tls)
    try:
        asyncio.run_coroutine_threadsafe(site.start(), loop).result(timeout=10)
        yield
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=20)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def test_a_key_to_serve_past_this_machine_that_is_easily_guessed_is_refused() -> None:
    keyring.set_keyring(FileKeyring())
    refused = CliRunner().invoke(main, ["auth", "set", "serve"], input="a\n")
    assert refused.exit_code == 2 and "a key of 1 characters is guessed; give at least 16" in refused.output
    odd = CliRunner().invoke(main, ["auth", "set", "serve"], input="horse battery+staple#1234&x\n")
    assert odd.exit_code == 2
    assert "the key goes in an address, where ' ' '#' '&' '+' would change it; use letters, digits" in odd.output
    assert keyring.get_password("smwar", "auth:serve") is None, "nothing was stored"


@NEEDS_BROWSER
def test_the_war_room_in_a_browser_asks_for_its_key_and_takes_keys_as_the_operator_given(tmp_path: Path) -> None:
    keyring.set_keyring(FileKeyring())
    stored = CliRunner().invoke(main, ["auth", "set", "serve"], input=f"{KEY}\n")
    assert stored.exit_code == 0 and KEY not in stored.output
    with serving(tmp_path, "--as", "anna") as (address, server), browser_page() as page:
        assert page.goto(f"{address}/").status == 401  # type: ignore[union-attr]
        assert page.goto(f"{address}/?key=wrong").status == 403  # type: ignore[union-attr]
        assert page.goto(f"{address}/?key={KEY}").status == 200  # type: ignore[union-attr]
        assert page.url == f"{address}/", "the key leaves the address bar for a cookie"
        shows(page, "Scenarios")
        shows(page, MENTION)  # the live source, through the leader, into the journal and the feed
        page.focus(".xterm-helper-textarea")
        page.keyboard.press("m")  # the notice inbox
        shows(page, "No notices yet.")
        with Journal.open(live_journal_path()) as journal:
            assert [person.operator for person in journal.present(time.time())] == ["anna"]
        cookie = {"Cookie": f"smwar-serve-{address.rsplit(':', 1)[1]}=forged"}
        assert status(f"{address}/ws", cookie) == 403
        assert status(f"{address}/static/js/textual.js", {}) == 401  # each request, not only the page
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert KEY not in output
    assert output.count("refused 127.0.0.1: wrong key") == 1, "said, once a minute for an address"


@NEEDS_BROWSER
@NEEDS_BROWSER
def test_a_tab_closed_with_a_reply_open_keeps_the_text_and_gives_the_reply_up(tmp_path: Path) -> None:
    """The page fetches nothing but from its server; closed with a reply open, its war room
    keeps what was typed as the draft and lets the claim go."""
    with serving(tmp_path, "--as", "anna") as (address, _server), browser_page() as page:
        fetched: list[str] = []
        page.on("request", lambda request: fetched.append(request.url))
        page.goto(f"{address}/")
        shows(page, MENTION)
        assert [url for url in fetched if not url.startswith(f"{address}/")] == [], "nothing from elsewhere"
        page.focus(".xterm-helper-textarea")
        page.keyboard.press("r")
        shows(page, "Reply to")
        page.keyboard.type(" Wir melden uns")
        shows(page, "Wir melden uns")
        with Journal.open(live_journal_path()) as journal:
            [mention_id] = journal.claims()
        page.close()
        with Journal.open(live_journal_path()) as journal:
            deadline = time.monotonic() + 30
            while journal.claims() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert journal.claims() == {}, "the claim went with the tab"
            draft = journal.draft(mention_id)
            assert draft is not None and draft.text.endswith("Wir melden uns"), "the text is the draft"


def test_behind_a_tls_reverse_proxy_the_page_connects_back_over_wss_with_a_secure_cookie(tmp_path: Path) -> None:
    keyring.set_keyring(FileKeyring())
    assert CliRunner().invoke(main, ["auth", "set", "serve"], input=f"{KEY}\n").exit_code == 0
    public = f"https://127.0.0.1:{free_port()}"
    with (
        serving(tmp_path, after=("--public-url", public)) as (address, _server),
        tls_proxy(public, address, self_signed(tmp_path)),
        browser_page(ignore_https_errors=True) as page,
    ):
        assert page.goto(f"{public}/?key={KEY}").status == 200  # type: ignore[union-attr]
        assert page.url == f"{public}/"
        assert page.get_attribute("#terminal", "data-session-websocket-url") == f"{public.replace('https', 'wss')}/ws"
        [cookie] = [cookie for cookie in page.context.cookies() if cookie["name"].startswith("smwar-serve-")]
        assert cookie["secure"] and cookie["httpOnly"]
        shows(page, "Scenarios")  # through the proxy's websocket
        page.focus(".xterm-helper-textarea")
        page.keyboard.press("m")
        shows(page, "No notices yet.")
        assert status(f"{address}/ws", {"Origin": public}) == 401  # its own page's origin: only the key is missing
        assert status(f"{address}/ws", {"Origin": address}) == 403  # its page is the proxy's, not the listened-on one


def test_a_public_url_is_a_sites_root_and_needs_a_key() -> None:
    result = CliRunner().invoke(main, ["serve", "--public-url", "https://war.example.com/room"])
    assert result.exit_code == 2 and "is no http(s)://HOST[:PORT] address" in result.output
    result = CliRunner().invoke(main, ["serve", "--public-url", "https://war.example.com"])
    assert result.output == "smwar: serving on war.example.com needs a key: set one with `smwar auth set serve`\n"


def test_without_a_key_only_its_own_page_on_this_machine_reaches_it(tmp_path: Path) -> None:
    with serving(tmp_path) as (address, _server):
        assert status(f"{address}/", {}) == 200
        port = address.rsplit(":", 1)[1]
        assert status(f"{address}/", {"Host": f"rebound.example:{port}"}) == 403  # a name pointed at 127.0.0.1
        assert status(f"{address}/ws", {"Origin": "https://elsewhere.example"}) == 403  # another site's page


def test_another_address_needs_a_key() -> None:
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code != 0
    assert result.output == "smwar: serving on 0.0.0.0 needs a key: set one with `smwar auth set serve`\n"


def test_a_port_in_use_is_said_and_no_address_announced(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["sources", "add", "jsonl", "s", f"path={tmp_path / 's.jsonl'}"]).exit_code == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert result.output == f"smwar: cannot listen on 127.0.0.1:{port}: Address already in use\n"
