"""The command palette (ctrl+p): Textual's, made to survive a key storm.

Three races in Textual's palette end the app when keys come fast: Enter pressed twice closes
it twice (the second close finds no screen to pop), paging through a list not laid out yet
looks up a line that does not exist, and a search still gathering when the palette closes
looks for a list that is gone. Here a closed palette ignores further keys, a page key waits
for a list with lines, and a search that outlives the palette ends quietly.
"""

from __future__ import annotations

import asyncio

from textual import on, work
from textual.await_complete import AwaitComplete
from textual.command import CommandList, CommandPalette
from textual.css.query import NoMatches
from textual.widgets import Button, Input

from smwar.tui.guard import Guarded


class Palette(Guarded, CommandPalette):
    def __init__(self) -> None:
        super().__init__(id="--command-palette")
        self._dismissed = False

    def dismiss(self, result: object = None) -> AwaitComplete:
        if self._dismissed:  # a second close would pop the screen below the palette
            return AwaitComplete(asyncio.sleep(0))
        self._dismissed = True
        return super().dismiss(result)

    @on(Input.Submitted)
    @on(Button.Pressed)
    def _select_or_command(self, event: Input.Submitted | Button.Pressed | None = None) -> None:
        if event is not None:
            event.stop()
            event.prevent_default()  # Textual's own handler of the same events is this one's super
        if not self._dismissed:
            super()._select_or_command(event)

    def _action_command_list(self, action: str) -> None:
        if action.startswith("page_") and not self.query_one(CommandList).scrollable_content_region:
            return  # nothing laid out yet to page through
        super()._action_command_list(action)

    @work(exclusive=True, group=CommandPalette._GATHER_COMMANDS_GROUP)
    async def _gather_commands(self, search_value: str) -> None:
        try:
            await CommandPalette._gather_commands.__wrapped__(self, search_value)  # type: ignore[attr-defined]
        except NoMatches:
            if self.is_active and not self._dismissed:
                raise  # the palette is open: a real fault, for the guard
