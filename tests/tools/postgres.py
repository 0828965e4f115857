"""A real PostgreSQL server for the tests: `initdb` and `postgres` from the machine's binaries,
in a temporary directory, listening only on a unix socket there, with a password (kept in a
libpq passfile, never in a URL). One server serves a whole test session; each test gets a
database of its own, copied from an empty template (fast). The team benchmark starts one too,
committing durably as a production server does (`durable`)."""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

USER = "smwar"
TEMPLATE = "smwar_template"
START_SECONDS = 30.0
INITDB = ("-E", "UTF8", "--locale=C", "--no-sync")
SOCKET_ONLY = ("-c", "listen_addresses=", "-c", "max_connections=200")
FAST = (  # durability traded for speed (a test's data is thrown away)
    *SOCKET_ONLY,
    *("-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off"),
)
DURABLE = (*SOCKET_ONLY, "-c", "fsync=on", "-c", "synchronous_commit=on")  # a commit that returned is on disk


def binaries() -> Path | None:
    """The folder with `initdb` and `postgres`: pg_config's, else the newest of Debian's."""
    found: list[str] = []
    if pg_config := shutil.which("pg_config"):
        found.append(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip())
    found += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(Path(path).parent.name), reverse=True)
    for folder in found:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "postgres").exists():
            return Path(folder)
    return None


@dataclass
class Server:
    """A running server: `url(name)` is a database's address (the password is in `passfile`)."""

    bindir: Path
    root: Path
    process: subprocess.Popen[bytes]
    passfile: Path
    settings: tuple[str, ...]
    fresh: int = 0

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    def url(self, database: str) -> str:
        return f"postgresql://{USER}@/{database}?host={quote(str(self.socket_dir), safe='')}"

    def new_database(self, icu_locale: str | None = None) -> str:
        """The address of a new, empty database (copied from the template); with `icu_locale`,
        one that orders text as people of that locale do (as most servers' databases do)."""
        import psycopg

        self.fresh += 1
        name = f"test_{os.getpid()}_{self.fresh}"
        how = f"TEMPLATE {TEMPLATE}"
        if icu_locale is not None:
            how = f"TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '{icu_locale}' LOCALE 'C'"
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}" {how}')  # type: ignore[arg-type]  # the test's own
        return self.url(name)

    @contextmanager
    def stopped(self) -> Iterator[None]:
        """The server stopped at once, as an administrator's restart does (every connection is
        cut), and started again on the same data after the block; raises if it does not come up."""
        self.process.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown
        self.process.wait(30)
        try:
            yield
        finally:
            self.process = _postgres(self.bindir, self.root, self.settings)
            _wait_for(self)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _as_owner() -> dict[str, object]:
    """How the server's processes are started: as the account of `_account`, if any."""
    account = _account()
    return {} if account is None else {"user": account[0], "group": account[1], "extra_groups": []}


def _postgres(bindir: Path, root: Path, settings: tuple[str, ...]) -> subprocess.Popen[bytes]:
    """The server on the data directory in `root`, just started (not yet accepting connections)."""
    return subprocess.Popen(
        [bindir / "postgres", "-D", root / "data", "-k", root / "socket", *settings],
        stdout=subprocess.DEVNULL,
        stderr=open(root / "server.log", "ab"),  # the server's for its lifetime
        **_as_owner(),  # type: ignore[arg-type]
    )


def _account() -> tuple[int, int] | None:
    """Whom the server runs as: PostgreSQL refuses to run as root, so root hands it to the
    `postgres` account (or `nobody`); anyone else runs it as themselves."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    raise RuntimeError("running as root with neither a postgres nor a nobody account to run PostgreSQL as")


@contextmanager
def serving(bindir: Path, *, durable: bool = False) -> Iterator[Server]:
    """A server started in a new temporary directory, whose password reaches every connection
    of this process and of the processes it starts through PGPASSFILE; stopped and removed
    after. `durable`: each commit is on disk when it returns (else the server skips fsync)."""
    root = Path(tempfile.mkdtemp(prefix="smwar-pg-"))
    before = os.environ.get("PGPASSFILE")
    try:
        server = start(bindir, root, DURABLE if durable else FAST)
        os.environ["PGPASSFILE"] = str(server.passfile)
        try:
            yield server
        finally:
            server.stop()
    finally:
        if before is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = before
        shutil.rmtree(root, ignore_errors=True)


def start(bindir: Path, root: Path, settings: tuple[str, ...] = FAST) -> Server:
    """Initialise a cluster in `root` and start it with `settings`; raises if it does not come up."""
    account = _account()
    password = secrets.token_urlsafe(16)
    (root / "socket").mkdir(parents=True)
    (root / "pwfile").write_text(password + "\n")
    if account is not None:
        for path in (root, root / "socket", root / "pwfile"):
            os.chown(path, *account)
    data, pwfile = root / "data", root / "pwfile"
    subprocess.run(
        [bindir / "initdb", "-D", data, "-U", USER, "--auth=scram-sha-256", f"--pwfile={pwfile}", *INITDB],
        check=True,
        capture_output=True,
        **_as_owner(),  # type: ignore[arg-type]
    )
    (root / "pwfile").unlink()
    passfile = root / "pgpass"
    passfile.write_text(f"*:*:*:{USER}:{password}\n")
    passfile.chmod(0o600)
    server = Server(bindir, root, _postgres(bindir, root, settings), passfile, settings)
    _wait_for(server)
    import psycopg

    with psycopg.connect(server.url("postgres"), autocommit=True, passfile=str(passfile)) as admin:
        admin.execute(f"CREATE DATABASE {TEMPLATE}")
    return server


def _wait_for(server: Server) -> None:
    import psycopg

    deadline = time.monotonic() + START_SECONDS
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"postgres exited: {(server.root / 'server.log').read_text()[-2000:]}")
        try:
            psycopg.connect(server.url("postgres"), passfile=str(server.passfile)).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                server.stop()
                raise
            time.sleep(0.05)
