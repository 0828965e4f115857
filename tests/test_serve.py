"""`smwar serve`: the live war room in a real browser (the system's Chromium, driven by
Playwright), through a real `smwar serve` process on 127.0.0.1; its key asked for on every
request; and no listening on another address without one."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring
import pytest
from click.testing import CliRunner
from playwright.sync_api import Page, sync_playwright

from smwar.cli import main
from smwar.journal.store import Journal
from smwar.paths import live_journal_path
from tests.memory_keyring import FileKeyring
from tests.tools.journals import with_stream

ROOT = Path(__file__).resolve().parents[1]
BROWSER = shutil.which("chromium-headless-shell") or shutil.which("chromium")
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
def serving(tmp_path: Path, *before: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`smwar [BEFORE] serve` on a free port of 127.0.0.1, on a home whose one source is a JSON
    Lines file holding one mention; yields its address and process, which it ends after."""
    env = with_stream(tmp_path / "home", tmp_path / "stream.jsonl")
    (tmp_path / "stream.jsonl").write_text(
        json.dumps({"id": "1", "network": "mastodon", "author": "@kim@example.social", "text": MENTION}) + "\n"
    )
    env |= {"PYTHON_KEYRING_BACKEND": "tests.memory_keyring.FileKeyring", "PYTHONPATH": str(ROOT)}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "smwar", *before, "serve", "--port", str(port)]
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


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def browser_page() -> Iterator[Page]:
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(BROWSER), args=[*args, "--disable-sync", "--no-first-run"]
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 700})
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


@pytest.mark.skipif(BROWSER is None, reason="no Chromium (chromium-headless-shell or chromium): .ci/run installs it")
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
