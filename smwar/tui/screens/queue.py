"""The answer queue: what to answer next, by the plan's action, the request type's priority
and the author's reach; a campaign is one row. `r` replies to the highlighted one; `M` keeps
only what the operator owns (the config's `owns`: the plan's owners of request types and
channels, with the roles handed to them and without those they handed on) and what was
assigned to them; of work handed out in turn, only their share. A mention someone else is
replying to, or that was assigned to someone, says who."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from smwar.config import Config
from smwar.engine.session import Session
from smwar.plaintext import excerpt, printable
from smwar.triage.queue import NO_PRIORITY, WATCH, QueueEntry, answer_queue
from smwar.tui.guard import Guarded
from smwar.tui.screens.reply import ReplyScreen
from smwar.tui.text import local_time, plain, plain_name
from smwar.tui.widgets.keys import KeysLine

HORIZON = timedelta(days=1)  # how far back the queue looks
TO_ANSWER = 5_000  # the newest mentions to answer read to build it: a storm's worth…
TO_WATCH = 500  # …and to watch
SHOWN = 1_000  # the first rows of it shown: what comes first is what matters
EXCERPT = 200
# the mention keeps about 40 characters at 120 columns: the rest is cut, the text is what is answered
COLUMNS = [("Action", 7), ("Prio", 4), ("Request", 14), ("Owner", 12), ("Reach", 6), ("At", 5), ("Author", 16)]
COLUMNS += [("Mention", None)]


class QueueScreen(Guarded, Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the war room", id="queue.back"),
        Binding("r", "reply", "Reply", tooltip="Reply to the highlighted mention", id="queue.reply"),
        Binding("M", "mine", "Mine / all", tooltip="Only what you own by the plan, or everything", id="queue.mine"),
    ]

    def __init__(self, session: Session, *, drill: bool, config: Config | None = None) -> None:
        super().__init__()
        self.session = session
        self.drill = drill
        self.config = config  # live mode: where replies are posted from
        self.entries: list[QueueEntry] = []
        self.owns: tuple[str, ...] = ()  # the roles the operator holds, read with the queue
        self.mine = False

    def compose(self) -> ComposeResult:
        yield Static(id="queue-head")
        yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        yield KeysLine()

    def on_mount(self) -> None:
        table = self.query_one("#queue", DataTable)
        for title, width in COLUMNS:
            table.add_column(title, width=width)
        self.refresh_queue()

    def on_screen_resume(self) -> None:
        self.refresh_queue()  # a reply sent from here takes its mention off

    def refresh_queue(self) -> None:
        session = self.session
        since = session.clock.now() - HORIZON
        replied = [int(str(e.payload["mention_id"])) for e in session.desk.replies() if "mention_id" in e.payload]
        answered = session.journal.texts(replied)
        items = [
            *session.journal.to_answer(since, ("respond",), TO_ANSWER, answered),
            *session.journal.to_answer(since, (WATCH,), TO_WATCH, answered),
        ]
        entries = answer_queue(items, session.runbooks, answered, session.pipeline.signals.campaigns.find)
        me, assigned = session.operator, session.journal.assignments()
        self.owns = tuple(session.journal.roles_of(me, self.config.owns if self.config is not None else ()))
        if self.mine:
            entries = [
                entry
                for entry in entries
                if assigned.get(entry.item.id) == me or (entry.owner in self.owns and entry.item.id not in assigned)
            ]
        self.entries = entries[:SHOWN]
        claimed = {mention: claim.operator for mention, claim in session.journal.claims().items()}
        table = self.query_one("#queue", DataTable)
        table.clear()
        for number, entry in enumerate(self.entries):
            other, to = claimed.get(entry.item.id), assigned.get(entry.item.id)
            cells = _cells(entry, other if other != me else None, "you" if to == me else to)
            table.add_row(*cells, key=str(number))
        now = len([entry for entry in entries if entry.item.triage and entry.item.triage.action == "respond"])
        head = Text(f" {now:,} to answer now", style="bold reverse")
        head.append(f"  · {len(entries) - now:,} to watch")
        if len(entries) > SHOWN:
            head.append(f" · the first {SHOWN:,} shown")
        head.append(f" · of the newest {TO_ANSWER:,} to answer and {TO_WATCH} to watch of the last day")
        whose = f"yours: {', '.join(self.owns)}" if self.mine else "everyone's"
        head.append(f" · {printable(whose)} (M)")
        self.query_one("#queue-head", Static).update(head)

    def action_mine(self) -> None:
        if not self.owns:
            self.notify('Say what you own in the config: owns = ["social-team"] (the plan\'s owners).', markup=False)
            return
        self.mine = not self.mine
        self.refresh_queue()

    def action_reply(self) -> None:
        table = self.query_one("#queue", DataTable)
        if not self.entries:
            self.notify("Nothing to answer.", markup=False)
            return
        entry = self.entries[table.cursor_row]
        self.app.push_screen(ReplyScreen(self.session, entry.item, drill=self.drill, config=self.config))


def _cells(entry: QueueEntry, replying: str | None, assigned: str | None) -> tuple[Text, ...]:
    """The row of an entry; `replying`: who else is replying to it; `assigned`: to whom it
    was assigned."""
    item = entry.item
    action = str(item.triage.action if item.triage else "")
    mention = Text()
    if replying is not None:
        mention.append(f"{printable(replying)} is replying ", style="bold reverse")
    if assigned is not None:
        mention.append(f"assigned to {printable(assigned)} ", style="bold")
    if entry.copies > 1:
        mention.append(f"campaign ×{entry.copies} ", style="bold reverse")
    mention.append_text(plain(excerpt(item.mention.text, EXCERPT)))
    author = plain_name(item.mention.author)
    author.truncate(COLUMNS[6][1] or 0, overflow="ellipsis")
    return (
        Text(action.upper(), style="bold" if action == "respond" else "dim"),
        Text("—" if entry.priority == NO_PRIORITY else str(entry.priority), justify="right"),
        Text(printable(entry.request_type or "—"), overflow="ellipsis", no_wrap=True),
        Text(printable(entry.owner), overflow="ellipsis", no_wrap=True),
        Text(_reach(entry.reach) if item.mention.followers is not None else "?", justify="right"),
        Text(local_time(item.received_at)[:5]),
        author,
        mention,
    )


def _reach(followers: int) -> str:
    """An author's reach in a few characters: 950, 9,999, 24k, 1.2M."""
    if followers < 10_000:
        return f"{followers:,}"
    if followers < 1_000_000:
        return f"{followers // 1000}k"
    return f"{followers / 1_000_000:.1f}M"
