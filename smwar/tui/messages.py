"""What the war room's parts tell each other."""

from __future__ import annotations

from textual.message import Message

from smwar.engine.pipeline import Update
from smwar.runbooks.definitions import RunbookSet


class Arrived(Message):
    """A batch went through the pipeline: mentions journaled, proposals, alerts, trainer messages."""

    def __init__(self, update: Update) -> None:
        self.update = update
        super().__init__()


class RunbooksChanged(Message):
    """An edited runbook set is in force."""

    def __init__(self, runbooks: RunbookSet) -> None:
        self.runbooks = runbooks
        super().__init__()


class TrainerSaid(Message):
    """The trainer gave the trainee a message: it goes on every screen's banner."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__()


class Changed(Message):
    """Something the main screen shows changed: draw it now rather than at the next second."""
