"""The team room: who else works this journal, and who is replying to what.

Every few seconds the war room says in the journal that its operator is here and what they
are doing; the status bar shows who is present, and the feed marks a mention someone else is
replying to with their name, so that nobody answers the same person twice.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.screen import Screen

from smwar.engine.session import Session
from smwar.journal.team import Presence
from smwar.plaintext import printable
from smwar.tui.widgets.feed import Feed

BEAT_SECONDS = 5.0  # well within the journal's PRESENT_SECONDS


class TeamRoom(Screen[None]):
    session: Session
    role: str = "responder"
    present: list[Presence]

    def start_team(self) -> None:
        self.present = []
        self._beat()
        self.set_interval(BEAT_SECONDS, self._beat)

    def _beat(self) -> None:
        doing = type(self.app.screen).__name__.removesuffix("Screen").casefold() or "war room"
        self.session.journal.beat(self.session.operator, self.role, doing, time.time())

    def see_team(self) -> None:
        """Read who is here and who claims what (twice a second at most is plenty: it is a
        glance at two small tables)."""
        journal, me = self.session.journal, self.session.operator
        self.present = journal.present(time.time())
        others = {mention: claim.operator for mention, claim in journal.claims().items() if claim.operator != me}
        self.query_one("#feed", Feed).show_claims(others)

    def team_text(self) -> Text:
        """Who else is here, for the status bar (nothing when working alone)."""
        others = [person for person in self.present if person.operator != self.session.operator]
        if not others:
            return Text(end="")
        names = ", ".join(f"{printable(p.operator)} ({printable(p.doing)})" for p in others)
        return Text(f" · with {names}", end="")
