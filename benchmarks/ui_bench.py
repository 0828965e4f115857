"""The war room at storm scale: how fast it opens on a million mentions, what it holds in
memory, and how fast a key shows while 1,000 mentions a second stream in.

Builds a live journal of N mentions (default 1,000,000; tests/tools/journals.py) and an empty
one, each with one JSON Lines source, and runs `smwar` (live mode) on a real pseudo-terminal
read by a terminal emulator, as an operator would. Prints

* the first frame (the feed on screen) with the big journal and with the empty one, and their
  ratio: the baseline is the empty start in the same run (each the median of three starts,
  the two journals alternating, after one start that is not counted: the first after building
  the journals reads smwar's files from the disk);
* the resident memory after start (VmRSS), for both, of the war room and of the ingest process
  it starts beside itself (which runs the source and the matcher);
* key -> frame latency (p50/p95/p99, ms) for scrolling, paging, jumping to the newest and a
  search (its words typed and on screen before its Enter, the key timed), while a writer
  appends 1,000 mentions a second to the source's file (which the ingest process matches and
  journals, and the war room reads from the journal): the time from writing the key to the
  terminal until the detail pane shows the mention it selects; and "typed": from writing `/`
  and a search's words at once until the words show in the search line. Keys whose frame
  never came within a second count as dropped.

    python benchmarks/ui_bench.py [--mentions 1000000] [--keys 200] [--only search]

`--only search` measures the searches alone: no first frames, and instead of the other keys
the stream runs as long as they would have taken (`--stream-first`, seconds), so the searches
find as many streamed mentions as in a full run.
"""

from __future__ import annotations

import argparse
import compileall
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.tools.journals import fill, with_stream  # noqa: E402
from tests.tools.terminal import Terminal  # noqa: E402

COLUMNS, ROWS = 120, 40
STREAM_RATE = 1000  # mentions a second
FRAME_TIMEOUT = 1.0
STARTS = 3  # first frames measured a journal, the median counts
STREAM_FIRST = 50.0  # seconds the other keys of a full run stream before the searches
SEARCH_KEYS = "esc Close"  # in the footer while the search line has the keys
SEARCHES = 30  # at least: fewer make a p95 that is only the slowest one
KEYS = {"scroll": ["\x1b[A", "\x1b[B", "k", "j"], "page": ["\x1b[5~", "\x1b[6~"]}


def home_with(folder: Path, mentions: int) -> tuple[Path, Path]:
    """An SMWAR_HOME whose live journal holds `mentions`, with one JSON Lines source."""
    home = folder / f"home-{mentions}"
    (home / "data").mkdir(parents=True)
    fill(home / "data" / "live.sqlite", mentions)
    stream = folder / f"stream-{mentions}.jsonl"
    with_stream(home, stream)
    return home, stream


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]) / 1024


def leader_rss_mib(pid: int) -> float:
    """The resident memory of the ingest process the war room started (its one child)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return sum(rss_mib(int(child)) for child in children)


def start(home: Path) -> tuple[Terminal, float]:
    started = time.perf_counter()
    terminal = Terminal([], home, columns=COLUMNS, rows=ROWS)
    if not terminal.wait_for("Feed", 300, every=0.005):
        raise SystemExit(f"smwar did not open:\n{terminal.text()}")
    return terminal, time.perf_counter() - started


class Writer(threading.Thread):
    """Appends STREAM_RATE mentions a second to the source's file, in tenths of a second."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path, self.stop, self.written = path, threading.Event(), 0

    def run(self) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            while not self.stop.is_set():
                tick = time.perf_counter()
                lines = [
                    json.dumps(
                        {
                            "id": f"s{self.written + i}",
                            "author": f"@s{i}@example.social",
                            "network": "mastodon",
                            "text": f"Streamed {self.written + i}: AquaPro ausgelaufen, Wasserschaden",
                        }
                    )
                    for i in range(STREAM_RATE // 10)
                ]
                out.write("\n".join(lines) + "\n")
                out.flush()
                self.written += len(lines)
                self.stop.wait(max(0.0, 0.1 - (time.perf_counter() - tick)))


def latencies(terminal: Terminal, keys: list[str], count: int, first: str = "") -> tuple[list[float], int]:
    """ms from each key to the frame that changed the detail pane (the lower part of the left
    column, where the selected mention shows), and the keys whose frame never came; `first` is
    pressed (not timed) before each, so that the key has something to change."""
    measured, dropped = [], 0
    for n in range(count):
        if first:
            terminal.send(first)
            time.sleep(0.3)
        took = timed(terminal, keys[n % len(keys)], lambda: terminal.watch_rows(ROWS // 2, ROWS - 2))
        if took is None:
            dropped += 1
        else:
            measured.append(took)
        time.sleep(0.05)
    return measured, dropped


def timed(terminal: Terminal, keys: str, watch: Callable[[], None]) -> float | None:
    """ms from writing `keys` to the terminal to the frame after which what `watch` set the
    terminal to watch for shows, or None if it did not within `FRAME_TIMEOUT`. A frame's time
    is when its bytes reached the terminal (the emulator's own parsing is not smwar's): the
    terminal looks at each read as it comes, so a later frame's bytes do not count."""
    watch()
    sent = time.perf_counter()
    terminal.send(keys)
    while not terminal.seen_at and time.perf_counter() - sent < FRAME_TIMEOUT:
        time.sleep(0.002)
    return (terminal.seen_at - sent) * 1000 if terminal.seen_at else None


def percentiles(values: list[float]) -> str:
    if len(values) < 2:
        return "n/a"
    cuts = statistics.quantiles(values, n=100)
    return f"p50 {statistics.median(values):6.1f}  p95 {cuts[94]:6.1f}  p99 {cuts[98]:6.1f} ms"


def first_frames(homes: dict[int, tuple[Path, Path]], mentions: int) -> None:
    """The first frame and the memory after start, of the empty journal and the big one."""
    start(homes[0][0])[0].close()  # not counted: the first start after the build reads the disk
    starts: dict[int, list[float]] = {size: [] for size in homes}
    memory, leader = {}, {}
    for _ in range(STARTS):  # the two alternate, so that a drift of the machine's load hits both
        for size, (home, _stream) in homes.items():
            terminal, took = start(home)
            starts[size].append(took)
            time.sleep(2)
            memory[size] = rss_mib(terminal.process.pid)
            leader[size] = leader_rss_mib(terminal.process.pid)
            terminal.close()
    empty, big = (statistics.median(starts[size]) for size in (0, mentions))
    print(
        f"first frame, empty journal:      {empty:6.2f} s (median of {STARTS})   RSS {memory[0]:6.0f} MiB"
        f"   (ingest process {leader[0]:.0f} MiB)"
    )
    print(
        f"first frame, {mentions:,} mentions: {big:6.2f} s   RSS {memory[mentions]:6.0f} MiB"
        f"   (ingest process {leader[mentions]:.0f} MiB)"
    )
    print(f"first frame ratio (big / empty): {big / empty:6.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--keys", type=int, default=200, help="key presses measured per kind")
    parser.add_argument("--only", choices=["search"], help="measure only the searches")
    parser.add_argument("--stream-first", type=float, default=STREAM_FIRST, help="with --only: seconds streamed first")
    options = parser.parse_args()
    # as installed: pip compiles the modules when it installs them, so a start only reads them
    # (a checkout run with PYTHONDONTWRITEBYTECODE would compile every module at every start)
    compileall.compile_dir(ROOT / "smwar", quiet=1)
    with tempfile.TemporaryDirectory(prefix="smwar-ui-bench-") as tmp:
        folder = Path(tmp)
        built = time.perf_counter()
        sizes = (options.mentions,) if options.only else (0, options.mentions)
        homes = {size: home_with(folder, size) for size in sizes}
        print(f"journals built in {time.perf_counter() - built:.1f} s")
        if not options.only:
            first_frames(homes, options.mentions)
        home, stream = homes[options.mentions]
        terminal, _ = start(home)
        writer = Writer(stream)
        writer.start()
        time.sleep(3)
        try:
            terminal.send("\x1b[5~")  # up a page: the feed stops following, a key changes what is shown
            time.sleep(0.5)
            results: dict[str, tuple[list[float], int]] = {}
            if options.only:
                time.sleep(options.stream_first)
            else:
                results = {kind: latencies(terminal, keys, options.keys) for kind, keys in KEYS.items()}
                results["end"] = latencies(terminal, ["\x1b[F"], max(5, options.keys // 4), first="\x1b[5~")
            search: list[float] = []
            typed: list[float] = []
            dropped_search = dropped_typed = 0
            for n in range(max(SEARCHES, options.keys // 20)):
                query = f"{'ausgelaufen' if n % 2 else 'verspätet'} network:bluesky"
                # `/` and the words typed at once, as an operator does: until the words show
                took = timed(terminal, "/" + query, lambda query=query: terminal.watch_text(query))
                if took is None:
                    dropped_typed += 1
                    terminal.wait_for(query, 5, every=0.001)
                else:
                    typed.append(took)
                time.sleep(0.3)
                [measured], [dropped] = zip(*[latencies(terminal, ["\r"], 1)], strict=True)
                search += measured
                dropped_search += dropped
                back = time.monotonic() + 5
                while SEARCH_KEYS in terminal.text() and time.monotonic() < back:  # the feed has the keys again
                    time.sleep(0.01)
            results["typed"] = (typed, dropped_typed)
            results["search"] = (search, dropped_search)
        finally:
            writer.stop.set()
            rss = rss_mib(terminal.process.pid)
            terminal.close()
        print(f"while {STREAM_RATE:,} mentions/s stream in ({writer.written:,} written); key -> frame:")
        for kind, (values, dropped) in results.items():
            print(f"  {kind:<7} {percentiles(values)}   ({len(values)} frames, {dropped} dropped)")
        print(f"RSS after the storm: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
