"""A team on one live journal during a storm: ten operators acting at once beside the ingest
leader, which journals 1,000 mentions a second, and the leader killed halfway.

Runs two real `smwar lead` processes (one leads, one waits) on one JSON Lines source that a
writer feeds at `--rate` mentions a second, and `--operators` operator processes, each with
its own war-room session on the journal (`open_journal`, the follower's session, the reply
flow's `send_reply` with its stale-send guard, the incident desk). Each operator, at random:
claims the reply to one of the newest mentions (all of them pick from the same few, so the
claims collide), and when it is theirs, or now and then taken over from whoever had it,
sends the reply; completes a step of an open incident's chain (or notes on it); says it is
here. Every few hundred milliseconds, as a war room does, it asks the journal whether
anything changed (`changed()`) and reads what the others did. Halfway through the
claims the leading process is killed (SIGKILL: its lease must lapse). Prints, each with its
goal:

* a durable operator action (committed, and on disk when it returns: SQLite with
  `synchronous=FULL`, PostgreSQL with `fsync=on` and `synchronous_commit=on`): p50/p99 in ms,
  per kind and overall, next to the disk's own fsync p50/p99 measured in the same run (no
  durable commit can beat one fsync);
* propagation: from an action's commit to another operator noticing it, p50/p95/max;
* double replies (a mention answered by two operators) over the contended claims;
* takeover: from the kill to the waiting leader holding the lease; mentions lost and
  journaled twice once the writer stops and the journal catches up.

The journal is a SQLite file in a temporary directory, or with `--journal` a PostgreSQL
database: `--journal postgres` starts a throwaway server from the machine's binaries (as the
tests do, tests/tools/postgres.py, but committing durably: the tests' server skips fsync, which
would flatter the durable-action figure next to SQLite's), or give the address of an empty
database (`postgresql://USER@HOST/DB`, its password in the keyring or libpq's passfile) or
of a SQLite file not there yet (`sqlite:PATH`).
Operators open it by its address; the leaders find it in their config file.

    python benchmarks/team_bench.py [--quick] [--operators 10] [--rate 1000] [--claims 10000]
        [--journal postgres | --journal postgresql://USER@HOST/DB | --journal sqlite:PATH]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier as BarrierType
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from smwar.engine.follow import follow  # noqa: E402
from smwar.engine.replies import BY_HAND, send_reply  # noqa: E402
from smwar.errors import SmwarError  # noqa: E402
from smwar.incidents.chain import ChainError  # noqa: E402
from smwar.journal.address import SQLITE, checked_address, is_postgres, open_journal  # noqa: E402
from smwar.journal.interface import JournalStore  # noqa: E402
from smwar.journal.team import INGEST  # noqa: E402
from smwar.model import FAILED, REPLIED, IncidentStatus  # noqa: E402
from smwar.paths import bundled_runbooks_dir  # noqa: E402
from smwar.runbooks.loader import load_runbook_set  # noqa: E402
from smwar.tui.app import POLL_SECONDS  # noqa: E402
from tests.tools.journals import with_stream  # noqa: E402
from tests.tools.postgres import binaries, serving  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "corpus.jsonl"
POOL = 12  # the newest mentions an operator picks a claim from: the whole team picks from them
STEAL = 0.1  # the share of claims held by another that the operator takes over
CHAIN_SHARE = 0.1  # the share of an operator's actions that are chain steps
BEAT_SECONDS = 5.0  # as the war room says it is here
INCIDENTS = 3  # open incidents whose chains the operators work
SEED = 50  # mentions journaled before the operators start
STALLED_SECONDS = 30.0  # a leader that journals nothing for this long is not catching up
PROBE_SECONDS = 0.02  # how often the disk's fsync is timed during the run
REPLY = "Das tut uns leid, schreib uns bitte eine DM."
ACTION_GOAL_MS, PROPAGATION_GOAL_S = 5.0, 1.0


@dataclass
class Tally:
    """What one operator did and saw."""

    actions: dict[str, list[float]] = field(default_factory=dict)  # kind -> durations, ms
    committed: dict[str, float] = field(default_factory=dict)  # what it wrote (a key) -> wall time of the commit
    noticed: dict[str, float] = field(default_factory=dict)  # what others wrote -> wall time it noticed
    claims: int = 0  # claims tried
    refused: int = 0  # replies the stale-send guard refused


def operator(
    name: str, address: str, claims: int, pace: float, ready: BarrierType, stop: EventType, out: multiprocessing.Queue
) -> None:
    """One operator's war room on the journal: `claims` claims at about `pace` a second, chain
    steps and beats between them, and a look at what changed every `POLL_SECONDS`."""
    rng = random.Random(name)
    runbooks = load_runbook_set(bundled_runbooks_dir())
    journal = open_journal(address)
    session = follow(journal, runbooks, name).session
    tally = Tally()
    event_id, mention_id = journal.last_event_id(), journal.last_mention_id()
    pool: list[int] = []
    answered: set[int] = set()  # by this operator: gone from its queue
    seen_claims: set[str] = set()
    journal.changed()
    ready.wait()

    def timed(kind: str, action, *args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return action(*args, **kwargs)
        finally:
            tally.actions.setdefault(kind, []).append((time.perf_counter() - start) * 1000)

    def look() -> None:
        nonlocal event_id, mention_id
        if not journal.changed():
            return
        at = time.time()
        events = list(journal.events(after_id=event_id))
        if events:
            event_id = events[-1].id or event_id
            session.desk.catch_up(events)
        for event in events:
            if event.actor != name:
                tally.noticed.setdefault(f"event:{event.id}", at)
        for claim in journal.claims().values():
            key = f"claim:{claim.mention_id}:{claim.operator}:{claim.since.isoformat()}"
            if claim.operator != name and key not in seen_claims:
                seen_claims.add(key)
                tally.noticed.setdefault(key, at)
        fresh = journal.mentions(after_id=mention_id, limit=2000)
        if fresh:
            mention_id = fresh[-1].id
            pool[:] = [*pool, *(item.id for item in fresh)][-POOL:]

    def reply() -> None:
        target = rng.choice(pool)
        if target in answered:
            return
        now = datetime.now(UTC)
        tally.claims += 1
        holder = timed("claim", journal.claim, target, name, now)
        if holder is None:
            tally.committed[f"claim:{target}:{name}:{now.isoformat()}"] = time.time()
        elif rng.random() < STEAL:
            timed("claim", journal.claim, target, name, now, steal=True)
            tally.committed[f"claim:{target}:{name}:{now.isoformat()}"] = time.time()
        else:
            return  # someone else is replying: left to them
        [item] = journal.mentions(after_id=target - 1, limit=1)
        try:
            event = timed("reply", send_reply, session, item, REPLY, how=BY_HAND, template=None)
        except SmwarError:
            tally.refused += 1
            timed("release", journal.release, target, name)
            return
        tally.committed[f"event:{event.id}"] = time.time()
        answered.add(target)

    def chain_step() -> None:
        incidents = [i for i in session.desk.incidents() if i.status == IncidentStatus.OPEN]
        if not incidents:
            return
        incident = rng.choice(incidents)
        steps = runbooks.scenario(incident.scenario_id).step
        todo = [step.id for step in steps if step.id not in incident.steps or not incident.steps[step.id].finished]
        try:
            if todo:
                done = timed("chain step", session.desk.complete_step, incident.id, rng.choice(todo), "bench")
            else:
                done = timed("chain step", session.desk.add_note, incident.id, None, f"{name} checked in")
        except ChainError:  # another operator did it first
            return
        tally.committed[f"event:{max(e.id or 0 for e in session.desk.events_of(done.id))}"] = time.time()

    next_look = next_beat = next_act = time.monotonic()
    while tally.claims < claims and not stop.is_set():
        now = time.monotonic()
        if now >= next_look:  # the war room's timer, whatever its operator is doing
            look()
            next_look = now + POLL_SECONDS
        if now >= next_beat:
            timed("beat", journal.beat, name, "responder", "feed", time.time())
            next_beat = now + BEAT_SECONDS
        if now >= next_act and pool:
            chain_step() if rng.random() < CHAIN_SHARE else reply()
            next_act = now + rng.expovariate(pace)
        time.sleep(max(0.0, min(next_look, next_beat, next_act) - time.monotonic()))
    end = time.monotonic() + 2 * POLL_SECONDS
    while time.monotonic() < end:  # the last actions of the others reach this one too
        look()
        time.sleep(POLL_SECONDS)
    journal.close()
    out.put((name, tally))


def feed(stream: Path, rate: int, first: int, stop: threading.Event, written: list[int]) -> None:
    """Append `rate` mentions a second to the source's file (`b<first>` on), a tenth of a
    second's at a time, until `stop`; `written[0]`: how many there are."""
    number, start = first, time.monotonic()
    while not stop.is_set():
        due = first + int((time.monotonic() - start) * rate)
        write(stream, number, due)
        number = written[0] = due
        time.sleep(0.1)


def write(stream: Path, first: int, end: int) -> None:
    """Mentions `b<first>`…`b<end - 1>`, the corpus's texts over and over."""
    texts = CORPUS.read_text(encoding="utf-8").splitlines()
    lines = []
    for n in range(first, end):
        base = json.loads(texts[n % len(texts)])
        item = {"id": f"b{n}", "network": base["network"], "author": f"{base['author']}{n}"}
        lines.append(json.dumps({**item, "text": f"{base['text']} #{n}", "lang": base.get("lang", "de")}) + "\n")
    with stream.open("a", encoding="utf-8") as out:
        out.write("".join(lines))


def fsync_floor(directory: Path, count: int = 200, stop: EventType | None = None) -> list[float]:
    """How long the disk takes to make one small write durable, ms: `count` times in a row, or
    with `stop` every `PROBE_SECONDS` until it is set (beside the storm's own writes)."""
    durations = []
    fd = os.open(directory / "fsync.probe", os.O_WRONLY | os.O_CREAT)
    try:
        while len(durations) < count if stop is None else not stop.wait(PROBE_SECONDS):
            os.write(fd, b"x" * 4096)
            start = time.perf_counter()
            os.fsync(fd)
            durations.append((time.perf_counter() - start) * 1000)
    finally:
        os.close(fd)
    return durations


def probe(directory: Path, stop: EventType, out: multiprocessing.Queue) -> None:
    """The disk's fsync timed in a process of its own (an operator's is one too) until `stop`."""
    out.put(("probe", fsync_floor(directory, stop=stop)))


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def wait_for(check, seconds: float, step: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return bool(check())


def open_incidents(journal: JournalStore, count: int) -> None:
    """Open `count` incidents for the operators' chains: those the storm proposed, else by hand."""
    runbooks = load_runbook_set(bundled_runbooks_dir())
    desk = follow(journal, runbooks, "lead").session.desk
    items = iter(journal.mentions(limit=len(runbooks.scenarios)))
    for scenario in runbooks.scenarios[:count]:
        active = desk.active_incident(scenario.id)
        if active is None:
            desk.open_from_mention(next(items), scenario.id, "Stop the spread")
        elif active.status == IncidentStatus.PROPOSED:
            desk.open_incident(active.id, "Stop the spread")


@contextmanager
def journal_address(asked: str | None, base: Path) -> Iterator[str]:
    """The address of the journal to run on: a SQLite file in `base` unless `asked`; a new
    database on a durable server of its own for `postgres`; else the address as given (an
    empty database, or a SQLite file that is not there yet)."""
    if asked is None:
        yield f"{SQLITE}{base / 'live.sqlite'}"
    elif asked == "postgres":
        bindir = binaries()
        if bindir is None:
            sys.exit("no PostgreSQL server binaries (initdb, postgres) on this machine: apt-get install postgresql")
        with serving(bindir, durable=True) as server:
            yield server.new_database()
    else:
        try:
            address = checked_address(asked)
        except ValueError as exc:
            sys.exit(f"--journal: {exc}; or postgres, for a server of its own")
        yield address


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smaller run: 1,000 claims")
    parser.add_argument("--operators", type=int, default=10)
    parser.add_argument("--rate", type=int, default=1000, help="mentions a second the source brings")
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--pace", type=float, default=4.0, help="actions a second of one operator")
    parser.add_argument(
        "--journal",
        metavar="ADDRESS",
        help="postgres (a throwaway server of its own), postgresql://USER@HOST/DB or sqlite:PATH "
        "(default: a SQLite file of its own)",
    )
    args = parser.parse_args()
    claims = 1000 if args.quick else args.claims
    per_operator = -(-claims // args.operators)

    with tempfile.TemporaryDirectory(prefix="team-bench-") as tmp, journal_address(args.journal, Path(tmp)) as address:
        base = Path(tmp)
        stream = base / "stream.jsonl"
        env = with_stream(base / "home", stream, address)
        floor = fsync_floor(base)
        write(stream, 0, SEED)
        watch = open_journal(address)
        leaders = [
            subprocess.Popen([sys.executable, "-m", "smwar", "lead"], env=env, stderr=subprocess.DEVNULL)
            for _ in range(2)
        ]
        stop_feed, written = threading.Event(), [SEED]
        writer = threading.Thread(target=feed, args=(stream, args.rate, SEED, stop_feed, written), daemon=True)
        processes: list[multiprocessing.process.BaseProcess] = []
        try:
            if not wait_for(lambda: watch.last_mention_id() >= SEED, 60):
                sys.exit("no leader journaled the first mentions within a minute")
            open_incidents(watch, INCIDENTS)
            context = multiprocessing.get_context("spawn")
            ready, stop, out = context.Barrier(args.operators + 1), context.Event(), context.Queue()
            processes = [
                context.Process(
                    target=operator,
                    args=(f"op{n}", address, per_operator, args.pace, ready, stop, out),
                    name=f"op{n}",
                )
                for n in range(args.operators)
            ]
            prober = context.Process(target=probe, args=(base, stop, out), name="probe")
            processes.append(prober)
            for process in processes:
                process.start()
            ready.wait()
            writer.start()
            started = time.monotonic()
            backend = "PostgreSQL" if is_postgres(address) else "SQLite"
            print(f"{args.operators} operators, {claims:,} claims, a source at {args.rate:,} mentions/s, on {backend}")
            takeover = None
            tallies: list[Tally] = []
            while len(tallies) < args.operators:
                if takeover is None and time.monotonic() - started > expected(claims, args) / 2:
                    takeover = kill_the_leader(watch, leaders)
                try:
                    tallies.append(out.get(timeout=1)[1])
                except queue.Empty:  # nobody finished in that second
                    if not any(process.is_alive() for process in processes):
                        sys.exit("the operators ended without their figures (see the errors above)")
            elapsed = time.monotonic() - started
            stop.set()  # the probe's end: it hands its timings over
            loaded = out.get(timeout=30)[1]
            stop_feed.set()
            writer.join()
            behind = written[0] - watch.last_mention_id()
            catching_up = catch_up(watch, written[0])
            report(watch, tallies, (floor, loaded), elapsed, written[0], (behind, catching_up), takeover)
        finally:
            stop_feed.set()
            for process in processes:
                process.join(30)
            for leader in leaders:
                if leader.poll() is None:
                    leader.terminate()
                    leader.wait(30)
            watch.close()


def catch_up(watch: JournalStore, written: int) -> float | None:
    """Wait while the leader journals what the writer wrote, as long as it gets on; how long
    it took, s (None: it stopped getting on short of it)."""
    start = stalled = time.monotonic()
    last = -1
    while (journaled := watch.last_mention_id()) < written:
        if journaled != last:
            last, stalled = journaled, time.monotonic()
        elif time.monotonic() - stalled > STALLED_SECONDS:
            return None
        time.sleep(0.5)
    return time.monotonic() - start


def kill_the_leader(watch: JournalStore, leaders: list[subprocess.Popen[bytes]]) -> float:
    """Kill the leading process (no goodbye: its lease must lapse); how long until the other
    holds the lease, s (infinite: never, within a minute)."""
    lease = watch.lease(INGEST)
    victim = next(p for p in leaders if lease is not None and lease.holder.endswith(f":{p.pid}"))
    heir = next(p for p in leaders if p is not victim)
    victim.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    victim.wait()

    def taken() -> bool:
        lease = watch.lease(INGEST)
        return lease is not None and lease.holder.endswith(f":{heir.pid}")

    return time.monotonic() - killed if wait_for(taken, 60, 0.01) else float("inf")


def expected(claims: int, args: argparse.Namespace) -> float:
    """About how long the operators take for their claims, s."""
    return claims / (args.operators * args.pace * (1 - CHAIN_SHARE))


def report(
    journal: JournalStore,
    tallies: list[Tally],
    floors: tuple[list[float], list[float]],
    elapsed: float,
    written: int,
    catching_up: tuple[int, float | None],
    takeover: float | None,
) -> None:
    native = journal.native_ids()
    replies: dict[int, set[str]] = {}  # mention -> who answered it
    for event in journal.events(kind=REPLIED):
        if event.payload.get("how") != FAILED:
            replies.setdefault(int(str(event.payload["mention_id"])), set()).add(event.actor)
    every: list[float] = []
    kinds: dict[str, list[float]] = {}
    for tally in tallies:
        for kind, durations in tally.actions.items():
            kinds.setdefault(kind, []).extend(durations)
            every.extend(durations)
    delays = [
        other.noticed[key] - when
        for tally in tallies
        for key, when in tally.committed.items()
        for other in tallies
        if other is not tally and key in other.noticed
    ]
    print(f"  ran {elapsed:.0f} s; {written - SEED:,} mentions streamed in meanwhile")
    idle, loaded = floors
    print(
        f"  disk fsync (the floor of any durable commit), alone: p50 {percentile(idle, 0.5):.1f} ms, "
        f"p99 {percentile(idle, 0.99):.1f} ms; during the run (×{len(loaded):,}, every "
        f"{PROBE_SECONDS * 1000:.0f} ms beside the storm's writes): p50 {percentile(loaded, 0.5):.1f} ms, "
        f"p99 {percentile(loaded, 0.99):.1f} ms"
    )
    for kind, durations in sorted(kinds.items()):
        print(
            f"  {kind:<11} ×{len(durations):>6,}: p50 {percentile(durations, 0.5):6.1f} ms  "
            f"p99 {percentile(durations, 0.99):6.1f} ms"
        )
    p99 = percentile(every, 0.99)
    print(
        f"  durable operator action ×{len(every):,}: p50 {percentile(every, 0.5):.1f} ms, p99 {p99:.1f} ms "
        f"(goal p99 ≤ {ACTION_GOAL_MS:.0f} ms) {'ok' if p99 <= ACTION_GOAL_MS else 'MISSED'}; "
        f"{p99 / percentile(loaded, 0.99):.1f}× the disk's fsync p99 during the run"
    )
    p95 = percentile(delays, 0.95)
    print(
        f"  propagation to the others ×{len(delays):,}: p50 {percentile(delays, 0.5) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {max(delays, default=0) * 1000:.0f} ms "
        f"(goal p95 ≤ {PROPAGATION_GOAL_S:.0f} s) {'ok' if p95 <= PROPAGATION_GOAL_S else 'MISSED'}"
    )
    doubled = sum(1 for actors in replies.values() if len(actors) > 1)
    tried, refused = sum(t.claims for t in tallies), sum(t.refused for t in tallies)
    print(
        f"  double replies over {tried:,} contended claims: {doubled} (goal 0) {'ok' if doubled == 0 else 'MISSED'}"
        f"  [{len(replies):,} mentions answered, {refused:,} sends refused as stale]"
    )
    if takeover is None:
        print("  takeover: the run ended before the leader was killed (MISSED)")
    else:
        print(
            f"  takeover after the leader was killed: {takeover:.1f} s "
            "(goal ≤ 6 s: the lease lapses in 5 s, the waiting leader asks every second)"
        )
    behind, took = catching_up
    print(
        f"  the leader was {behind:,} mentions behind the writer when the operators were done; "
        + (f"it caught up in {took:.0f} s" if took is not None else "it stopped short of catching up (MISSED)")
    )
    expected_ids = {f"b{n}" for n in range(written)}
    lost = len(expected_ids - set(native))
    doubles = len(native) - len(set(native))
    print(
        f"  mentions lost/journaled twice of {written:,} written: {lost}/{doubles} (goal 0/0) "
        f"{'ok' if lost == doubles == 0 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
