"""smwar in a real pseudo-terminal, read by a terminal emulator (pyte), fed hostile text.

`Terminal` starts `smwar drill play` as its own process on a pty, keeps every byte it writes
(the raw stream a real terminal would interpret) and feeds them to a pyte screen, which
tracks the window title the way a terminal does. `hostile_set` writes a runbook set and a
drill whose every outside string carries a payload: window title (OSC 0/2), clipboard
(OSC 52), colour and cursor (CSI, also as the one-byte C1 CSI), DCS and APC strings, a bell,
bidi overrides and isolates, zero-width characters, and markup.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from fcntl import ioctl
from pathlib import Path

import pyte

ROOT = Path(__file__).resolve().parents[2]
ESC = "\x1b"
# Each is a complete sequence a terminal would act on; the marker words let a test find them.
PAYLOADS = {
    "title": f"{ESC}]0;PWNED-TITLE\x07",
    "title2": f"{ESC}]2;PWNED-TITLE2{ESC}\\",
    "clipboard": f"{ESC}]52;c;UFdORUQtQ0xJUA==\x07",  # base64 of PWNED-CLIP
    "colour": f"{ESC}[31;5mPWNED-RED{ESC}[0m",
    "cursor": f"{ESC}[2J{ESC}[HPWNED-HOME",
    "c1": "\x9b31mPWNED-C1",
    "dcs": f"{ESC}P1$qPWNED-DCS{ESC}\\",
    "apc": f"{ESC}_PWNED-APC{ESC}\\",
    "bidi": "\u202ePWNED-BIDI\u202c \u2066iso\u2069",
    "markup": "[bold red]PWNED-MARKUP[/] [@click=app.quit]quit[/]",
}
# What must never appear in the bytes smwar writes: each payload's active part.
FORBIDDEN = [
    b"\x1b]0;PWNED",
    b"\x1b]2;PWNED",
    b"\x1b]52;",
    b"\x1b[31;5mPWNED",
    b"\x1b[2J\x1b[HPWNED",
    "\x9b31m".encode(),
    b"\x1bP1$q",
    b"\x1b_PWNED",
    "\u202e".encode(),
    "\u2066".encode(),
]
HOSTILE = " ".join(PAYLOADS.values())


def toml_string(text: str) -> str:
    """`text` as a TOML basic string, every unprintable character escaped as TOML allows."""
    body = "".join(f"\\u{ord(char):04x}" if not char.isprintable() or char in '"\\' else char for char in text)
    return f'"{body}"'


def hostile_set(folder: Path, injects: int = len(PAYLOADS), every_seconds: int = 3) -> tuple[Path, Path]:
    """A copy of the bundled runbooks whose scenario titles carry the payloads, and a drill of
    `injects` leak reports, one every `every_seconds` of drill time, whose text, authors and
    URLs carry them in turn, as do the drill's title and a trainer message."""
    runbooks = folder / "runbooks"
    shutil.copytree(ROOT / "runbooks", runbooks, ignore=shutil.ignore_patterns("drills", "*.md"))
    defect = runbooks / "scenarios" / "product-defect.toml"
    text = defect.read_text(encoding="utf-8")
    title = 'title = "Product defect: leaking washing machines"'
    defect.write_text(text.replace(title, f"title = {toml_string('Leaks ' + HOSTILE)}", 1), encoding="utf-8")
    lines = [
        f'[drill]\nid = "hostile"\ntitle = {toml_string("Hostile " + PAYLOADS["title"])}\n'
        f'company = "Elektro-Müller AG"\nsummary = {toml_string(HOSTILE)}\n'
    ]
    kinds = list(PAYLOADS.items())
    for index in range(injects):
        name, payload = kinds[index % len(kinds)]
        at = 5 + index * every_seconds
        lines.append(
            f'[[inject]]\nat = "{at // 3600:02d}:{at // 60 % 60:02d}:{at % 60:02d}"\nnetwork = "mastodon"\n'
            f"author = {toml_string(f'@troll{chr(0x200B)}{name}{index}{payload}@evil.example')}\n"
            f'followers = 100\nlang = "de"\nurl = {toml_string("https://[evil.example/" + payload)}\n'
            f"text = {toml_string(f'Meine AquaPro ist ausgelaufen, Wasserschaden! #{index} {payload}')}\n"
        )
    lines.append(f'[[message]]\nat = "00:00:50"\ntext = {toml_string("Trainer " + HOSTILE)}\n')
    drill = folder / "hostile.toml"
    drill.write_text("\n".join(lines), encoding="utf-8")
    return runbooks, drill


class Terminal:
    """One smwar process on a pty of `columns` × `rows`."""

    def __init__(self, args: list[str], home: Path, columns: int = 140, rows: int = 44) -> None:
        self.columns, self.rows = columns, rows
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.output = bytearray()
        self.seen_at = 0.0  # perf_counter when the bytes came after which what is watched for showed
        self._watched: Callable[[], bool] | None = None
        self._lock = threading.Lock()
        home.mkdir(parents=True, exist_ok=True)
        self.master, slave = pty.openpty()
        self._size(columns, rows, slave)
        env = {**os.environ, "SMWAR_HOME": str(home), "TERM": "xterm-256color", "COLUMNS": "", "LINES": ""}
        env.pop("COLUMNS")
        env.pop("LINES")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "smwar", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        os.close(slave)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _size(self, columns: int, rows: int, fd: int | None = None) -> None:
        ioctl(self.master if fd is None else fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.2)
                if not ready:
                    if self.process.poll() is not None:
                        return
                    continue
                data = os.read(self.master, 65536)
                arrived = time.perf_counter()  # the emulator's parsing below is not the program's time
                # a frame bigger than one read waits in the pty: all of it is read before any is
                # parsed, or its last bytes would seem to arrive the emulator's parsing later
                while data and select.select([self.master], [], [], 0)[0]:
                    more = os.read(self.master, 65536)
                    if not more:
                        break
                    data += more
                    arrived = time.perf_counter()
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.output += data
                self.stream.feed(data)
                if self._watched is not None and self._watched():
                    self.seen_at, self._watched = arrived, None

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def resize(self, columns: int, rows: int) -> None:
        with self._lock:
            self.screen.resize(rows, columns)
        self._size(columns, rows)
        self.process.send_signal(signal.SIGWINCH)

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.screen.display)

    def _rows(self, first: int, last: int) -> tuple[str, ...]:
        buffer, columns = self.screen.buffer, range(self.screen.columns)
        return tuple("".join(buffer[y][x].data for x in columns) for y in range(first, last))

    def watch_rows(self, first: int, last: int) -> None:
        """From now on, note when the bytes come that change rows `first`..`last` (`seen_at`,
        0 until then): each read is looked at as it is fed, so the time is that of the frame
        that changed them, not of a later one."""
        with self._lock:
            before = self._rows(first, last)
            self._watch(lambda: self._rows(first, last) != before)

    def watch_text(self, words: str) -> None:
        """From now on, note when the bytes come after which the screen shows `words` (`seen_at`)."""
        with self._lock:
            self._watch(lambda: any(words in line for line in self.screen.display))

    def _watch(self, shown: Callable[[], bool]) -> None:
        self.seen_at, self._watched = 0.0, shown

    def cells(self) -> list[list[tuple[str, str, str, bool, bool]]]:
        """Each row's cells as (character, foreground, background, reverse, bold): what the
        screen shows, colours too."""
        with self._lock:
            buffer, columns = self.screen.buffer, range(self.screen.columns)
            return [
                [(c.data, c.fg, c.bg, c.reverse, c.bold) for c in (buffer[y][x] for x in columns)]
                for y in range(self.screen.lines)
            ]

    def title(self) -> str:
        with self._lock:
            return self.screen.title

    def wait_for(self, words: str, timeout: float = 30.0, every: float = 0.1) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if words in self.text():
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(every)
        return False

    def output_since(self, mark: int) -> bytes:
        with self._lock:
            return bytes(self.output[mark:])

    @property
    def mark(self) -> int:
        with self._lock:
            return len(self.output)

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> int | None:
        """Quit as an operator would (out of any prompt, then q); kill what does not quit."""
        if self.alive():
            for _ in range(4):
                self.send("\x1b")
                time.sleep(0.3)
            self.send("q")
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._reader.join(5)
        os.close(self.master)
        return self.process.returncode


def forbidden_in(output: bytes) -> list[bytes]:
    """The payloads' active parts that reached the terminal."""
    return [part for part in FORBIDDEN if part in output]
