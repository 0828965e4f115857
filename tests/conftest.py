from __future__ import annotations

import inspect
import io
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import keyring
import pytest
from keyring.backends.null import Keyring as NullKeyring
from rich.console import Console
from textual.app import App
from textual.widget import Widget

from smwar.clock import ManualClock
from smwar.engine.drill import DrillRun, drill_session, open_drill_run
from smwar.engine.session import Session
from smwar.model import Incident, JournaledMention
from smwar.paths import bundled_runbooks_dir
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.loader import load_runbook_set
from smwar.tui.widgets.feed import Feed
from tests.tools.postgres import Server, binaries, serving

DATA = Path(__file__).parent / "data"
SHORT_DRILL = DATA / "short-drill.toml"
T0 = datetime(2026, 11, 22, 9, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own SMWAR_HOME and a fixed time zone."""
    monkeypatch.setenv("SMWAR_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")  # never the tester's own
    keyring.set_keyring(NullKeyring())
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield tmp_path / "home"
    os.environ.pop("TZ", None)
    time.tzset()


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def guard_reports(request: pytest.FixtureRequest) -> Iterator[list[logging.LogRecord]]:
    """What the app's guard caught. The guard keeps the app up, so a test would not notice a
    handler that raised: unless the test asks for this fixture (it expects failures and
    checks them itself), any failure the guard reported fails the test."""
    caught = _Records()
    guard = logging.getLogger("smwar.guard")
    guard.addHandler(caught)
    try:
        yield caught.records
    finally:
        guard.removeHandler(caught)
    asked = "guard_reports" in inspect.signature(request.function).parameters if request.function else False
    if caught.records and not asked:
        failures = "\n".join(f"{r.getMessage()}: {r.exc_info[1]!r}" for r in caught.records if r.exc_info)
        pytest.fail(f"the app's guard caught failures:\n{failures}")


@pytest.fixture(scope="session")
def runbooks() -> RunbookSet:
    return load_runbook_set(bundled_runbooks_dir())


def start_drill(
    runbooks: RunbookSet, script: Path = SHORT_DRILL, *, fresh: bool = True, start: datetime = T0
) -> tuple[DrillRun, ManualClock, Session]:
    """A drill run on a manual clock, as `smwar drill` would start it."""
    run = open_drill_run(script, fresh=fresh, now=start)
    clock = ManualClock(run.position)
    return run, clock, drill_session(run, runbooks, clock, "tester")


def screen_text(app: App[object]) -> str:
    """What the terminal shows right now, as plain text (the way `export_screenshot` renders it)."""
    console = Console(
        width=app.size.width,
        height=app.size.height,
        file=io.StringIO(),
        record=True,
        force_terminal=True,
        color_system="truecolor",
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)


def shown_in(widget: Widget) -> str:
    """What the terminal shows of `widget` (its border too) right now, as plain text."""
    region = widget.region
    lines = screen_text(widget.app).splitlines()[region.y : region.bottom]
    return "\n".join(line[region.x : region.right] for line in lines)


def in_feed(feed: Feed) -> list[JournaledMention]:
    """Every mention the feed shows, read through its pages as scrolling would."""
    return [item for index in range(feed.count) if (item := feed.item(index)) is not None]


def notices(app: App[object]) -> list[str]:
    """The messages of the notifications (toasts) the app has raised so far."""
    return [notification.message for notification in app._notifications]


@dataclass
class Webhook:
    """A local webhook: /hook answers 200, /fail 500, /slow waits until the test ends."""

    port: int
    requests: list[tuple[str, str, dict[str, object]]] = field(default_factory=list)

    def url(self, path: str = "/hook", auth: str = "") -> str:
        return f"json://{auth}127.0.0.1:{self.port}{path}"


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    release = threading.Event()
    received: list[tuple[str, str, dict[str, object]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append((self.command, self.path, payload))
            if self.path == "/slow":
                release.wait(10)
            self.send_response(500 if self.path == "/fail" else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield Webhook(server.server_address[1], received)
    release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def until_proposed(session: Session, clock: ManualClock, scenario_id: str) -> Incident:
    """Play the drill on until `scenario_id` is proposed."""
    while True:
        clock.advance(timedelta(seconds=10))
        for proposal in session.pipeline.poll().proposals:
            if proposal.scenario_id == scenario_id:
                return proposal


def next_match_fires_nothing(session: Session, clock: ManualClock, scenario_id: str) -> None:
    """Play on until the next mention matching `scenario_id`; no proposal for it may come."""
    matched = False
    while not matched:
        clock.advance(timedelta(seconds=5))
        update = session.pipeline.poll()
        matched = any(m.scenario_id == scenario_id for item in update.mentions for m in item.matches)
        assert [p for p in update.proposals if p.scenario_id == scenario_id] == [], "fired again"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    """One real PostgreSQL server for the session (see tests/tools/postgres.py); its password
    reaches every connection, in this process and its children, through PGPASSFILE."""
    bindir = binaries()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, postgres) on this machine: apt-get install postgresql")
    with serving(bindir) as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: Server) -> str:
    """The address of a new, empty PostgreSQL database for this test alone."""
    return postgres_server.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def address(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The address of a new, empty journal for this test alone: a test that takes it runs on
    each backend, a SQLite file and a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:{tmp_path / 'live.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))
