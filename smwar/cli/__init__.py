"""The `smwar` command; each group of subcommands lives in a module of its own."""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

import click

from smwar import __version__
from smwar.cli.common import compile_progress, load_runbooks, reports_errors, runbook_path, say, say_quarantined
from smwar.errors import SmwarError, file_errors
from smwar.logfile import log_to_file
from smwar.paths import data_dir, log_file

if TYPE_CHECKING:
    from smwar.config import Config

GROUPS = ("drill", "runbooks", "contacts", "sources", "auth", "export", "serve", "journal")  # smwar.cli.NAME


class _Commands(click.Group):
    """Imports a command's module (`GROUPS`) when the command is run or listed, so that each
    command pays only for what it uses: `smwar paths` loads neither the journal nor pydantic."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *GROUPS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in GROUPS:
            command: click.Command = getattr(importlib.import_module(f"smwar.cli.{cmd_name}"), cmd_name)
            return command
        return super().get_command(ctx, cmd_name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Every command's arguments pass here first (the group's and all after them): one that
        is no UTF-8 text (its bytes kept as surrogates by Python) is refused before a command
        takes it for a name, a path or a pattern, and writes or matches nothing."""
        for arg in args:
            if not _is_text(arg):
                undecoded = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                say(f"smwar: argument '{undecoded}' is not UTF-8 text", err=True)
                sys.exit(2)
        return super().parse_args(ctx, args)


def _is_text(arg: str) -> bool:
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _named(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """`--as NAME`, stripped, for every command that reads it (live, drill, serve); blank is refused."""
    if value is not None and not value.strip():
        raise click.BadParameter("needs a name")
    return value.strip() if value is not None else None


@click.group(cls=_Commands, invoke_without_command=True)
@click.version_option(__version__, prog_name="smwar")
@click.option(
    "--as",
    "operator",
    metavar="NAME",
    callback=_named,
    help="Work as NAME, live or in a drill (default: the config's operator): what the team sees.",
)
@click.pass_context
@reports_errors
def main(ctx: click.Context, operator: str | None) -> None:
    """smwar: a social-media war room in the terminal. Without a command: live mode."""
    log_to_file()
    if ctx.invoked_subcommand is not None:
        return
    from smwar.config import load_config

    config = load_config()
    if operator is not None:
        config = config.model_copy(update={"operator": operator})
    if not config.source:
        say(
            "Live mode has no sources configured yet. Add one, for example:\n"
            "  smwar sources add jsonl export path=~/exports/mentions.jsonl\n"
            "  smwar sources add webhook hook port=8787   (then: smwar auth set webhook:hook)\n"
            "Or rehearse with the bundled shitstorm:  smwar drill\n"
            "More:  smwar --help",
            err=True,
        )
        sys.exit(1)
    run_live(config)


def run_live(config: Config) -> None:
    from smwar.engine.follow import follow
    from smwar.engine.leader import LeaderProcess
    from smwar.engine.live import open_live_journal
    from smwar.runbooks.watch import RunbookWatch
    from smwar.tui.app import WarRoomApp

    _refuse_piped(config)
    watch = RunbookWatch(runbook_path(None))
    runbooks = watch.load()
    with open_live_journal(config) as journal:
        leader = LeaderProcess(log_file())
        follower = follow(journal, runbooks, config.operator, leader, compile_progress())
        leader.start()
        try:
            WarRoomApp(follower.session, follower=follower, runbook_watch=watch, config=config).run()
        finally:
            leader.stop()
    say(f"Live journal: {journal.path}")


def _refuse_piped(config: Config) -> None:
    piped = [s.id for s in config.source if s.kind == "jsonl" and getattr(s, "path", "") == "-"]
    if piped:
        raise SmwarError(
            f"source {', '.join(piped)} reads standard input, which is the keyboard in live mode; "
            "pipe mentions in with `smwar ingest -` instead"
        )


@main.command("lead")
@click.option("--with", "war_room", type=int, hidden=True, help="End when this war room process is gone.")
@reports_errors
def lead(war_room: int | None) -> None:
    """Run the live sources into the live journal, without a screen.

    One process at a time runs the sources and the matcher for the live journal (it holds the
    journal's ingest lease); every war room starts one beside itself. Run this on a host where
    nobody keeps a war room open, or under a service manager: while another leads, it waits,
    and takes over within seconds when that one stops. Ends on SIGTERM or Ctrl-C, after
    journaling what its sources handed over.
    """
    import signal
    import threading

    from smwar.config import load_config
    from smwar.engine.leader import RESTART_SECONDS, IngestLeader, yield_to_operators
    from smwar.engine.live import open_live_journal
    from smwar.journal.schema import JournalError
    from smwar.runbooks.watch import RunbookWatch

    config = load_config()
    if not config.source:  # it would take the lease and the team's sources would stop
        raise SmwarError(
            "no sources configured on this host: a leader without them would hold the lease while the "
            "team's sources stop; add them as on the other hosts (`smwar sources add`)"
        )
    _refuse_piped(config)
    yield_to_operators()
    stopping = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stopping.set())
    opened = False
    while not stopping.is_set():
        try:
            with open_live_journal(config) as journal:
                opened = True
                leader = IngestLeader(config, RunbookWatch(runbook_path(None)), journal, war_room=war_room)
                leader.stopping = stopping
                leader.run()
            return
        except JournalError as exc:
            # the journal lost on the way (its server restarted): a leader of its own goes on
            # once it is back; one a war room started is started again by it, and a journal
            # that cannot be opened at all is the user's to put right
            if not opened or war_room is not None:
                raise
            say(f"smwar lead: {exc}; trying again in {RESTART_SECONDS:g} s", err=True)
            stopping.wait(RESTART_SECONDS)


@main.command("ingest")
@click.argument("path")
@reports_errors
def ingest(path: str) -> None:
    """Read mentions as JSON Lines from PATH (- for standard input) into the live journal.

    Each is matched against the runbooks and journaled, as if a live source had brought it;
    repeats (same network and id) are kept once. For exports, archives and other tools' pipes.
    """
    from smwar.clock import RealClock
    from smwar.config import load_config
    from smwar.engine.ingest import Handover, ingest_jsonl
    from smwar.engine.live import open_live_journal
    from smwar.engine.session import Session

    config = load_config()
    runbooks = load_runbooks(None)
    with open_live_journal(config) as journal:
        before = journal.mention_count()
        handover = Handover()
        session = Session(
            journal, runbooks, RealClock(), handover, config.operator, compile_progress(), config.ingest_workers()
        )
        try:
            with file_errors(path, "read"):
                done = ingest_jsonl(path, session, handover)
        finally:
            session.pipeline.close()
        kept = journal.mention_count() - before
    say(f"{done.read} mentions read, {kept} new in the journal, {done.unreadable} unreadable lines quarantined")
    say_quarantined(done.unreadable_first)
    for proposal in done.proposals:
        say(f"incident proposed: {proposal}")


@main.command("paths")
@reports_errors
def paths() -> None:
    """Show where smwar keeps its data (SMWAR_HOME relocates it)."""
    from smwar.config import load_config
    from smwar.engine.live import live_address
    from smwar.journal.address import is_postgres, sqlite_path
    from smwar.paths import config_dir, config_file, drill_runs_dir, log_file

    broken: SmwarError | None = None
    try:
        address = live_address(load_config())
        live = address if is_postgres(address) else str(sqlite_path(address))
    except SmwarError as exc:  # the paths are said still: they show where the config to mend is
        live, broken = "unknown until the config can be read", exc
    say(
        f"config:  {config_dir()} ({config_file().name})\ndata:    {data_dir()}\n"
        f"live:    {live}\ndrills:  {drill_runs_dir()}\nlog:     {log_file()}"
    )
    if broken is not None:
        raise broken
