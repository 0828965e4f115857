"""A key storm on the war room while a hostile source streams: does anything break?

    python scripts/monkey.py [--minutes M] [--seed N] [--speed S]

Starts `smwar drill play` on a real pseudo-terminal (read by a terminal emulator) with a drill
whose every mention, author and URL carries escape sequences, bidi controls and markup, and
runbook titles that do the same. For M minutes it presses random keys (Enter, Escape, Tab,
letters, digits, arrows, function keys, the palette) with random gaps, and every two seconds
resizes the terminal. Then it prints

    crashes: N      the app ended without being asked to (it is started again)
    hangs: N        a resize that brought no redraw within 1 s (--verbose: how long it took,
                    after which keys)
    escapes: N      payload sequences that reached the terminal's byte stream
    caught: N       failures the app's guard caught and logged (the app went on)

The first three must be zero. `q`, ctrl+c and ctrl+q are never pressed: quitting is the
operator's choice, so any exit counts as a crash.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: use this checkout's smwar
    sys.path.insert(0, str(ROOT))

from tests.tools.terminal import Terminal, forbidden_in, hostile_set  # noqa: E402

LETTERS = "abcdefghijklmnoprstuvwxyzABCDEFGHIJKLMNOPRSTUVWXYZ0123456789 ?+-<>"
SPECIAL = [
    "\r",
    "\r\r",
    "\x1b",
    "\t",
    "\x1b[Z",  # shift+tab
    "\x1b[A",
    "\x1b[B",
    "\x1b[C",
    "\x1b[D",
    "\x1b[5~",
    "\x1b[6~",
    "\x1b[H",
    "\x1b[F",
    "\x1bOP",
    "\x1bOQ",
    "\x1bOR",
    "\x1bOS",
    "\x1b[15~",
    "\x1b[17~",
    "\x1b[24~",
    "\x10",  # ctrl+p: the command palette
    "\x7f",
]
SIZES = [(120, 40), (140, 44), (80, 24), (200, 60)]
REDRAW_SECONDS = 1.0


def storm(minutes: float, seed: int, speed: float, verbose: bool = False) -> dict[str, int]:
    rng = random.Random(seed)
    folder = Path(tempfile.mkdtemp(prefix="smwar-monkey-"))
    span = int(minutes * 60 * speed) + 60
    runbooks, drill = hostile_set(folder, injects=max(10, span // 4), every_seconds=4)
    args = ["drill", "play", str(drill), "--speed", str(speed), "--runbooks", str(runbooks)]
    counts = {"crashes": 0, "hangs": 0, "escapes": 0, "caught": 0}
    terminal = Terminal([*args, "--new"], folder / "home")
    terminal.wait_for("Feed", 30)
    deadline = time.monotonic() + minutes * 60
    next_resize = time.monotonic() + 2
    size = 0
    recent: list[str] = []
    while time.monotonic() < deadline:
        if not terminal.alive():
            counts["crashes"] += 1
            counts["escapes"] += len(forbidden_in(bytes(terminal.output)))
            terminal.close()
            terminal = Terminal(args, folder / "home")  # resume the same run
            terminal.wait_for("Feed", 30)
            continue
        if time.monotonic() >= next_resize:
            size = (size + 1) % len(SIZES)
            mark = terminal.mark
            terminal.resize(*SIZES[size])
            waited = time.monotonic()
            while terminal.mark == mark and time.monotonic() - waited < REDRAW_SECONDS and terminal.alive():
                time.sleep(0.02)
            if terminal.mark == mark and terminal.alive():
                counts["hangs"] += 1
                if verbose:  # the keys that led there, what was on screen, and how long the redraw took
                    while terminal.mark == mark and time.monotonic() - waited < 30 and terminal.alive():
                        time.sleep(0.02)
                    shown = next((line.strip() for line in terminal.text().splitlines() if line.strip()), "")
                    took = time.monotonic() - waited
                    print(f"hang of {took:.1f} s after {recent[-8:]!r}: {shown[:90]!r}", file=sys.stderr)
            next_resize = time.monotonic() + 2
            continue
        keys = rng.choice(SPECIAL) if rng.random() < 0.5 else rng.choice(LETTERS)
        terminal.send(keys)
        recent.append(keys)
        time.sleep(rng.choice([0.0, 0.01, 0.05, 0.2]))
    counts["escapes"] += len(forbidden_in(bytes(terminal.output)))
    if not terminal.alive():
        counts["crashes"] += 1
    terminal.close()
    log = folder / "home" / "data" / "smwar.log"
    counts["caught"] = log.read_text(encoding="utf-8").count(" failed\n") if log.exists() else 0
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--speed", type=float, default=10.0)
    parser.add_argument("--verbose", action="store_true", help="say on stderr what was on screen at each hang")
    options = parser.parse_args()
    counts = storm(options.minutes, options.seed, options.speed, options.verbose)
    print(f"monkey: {options.minutes:g} min, seed {options.seed}, drill at {options.speed:g}×")
    for name, value in counts.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
