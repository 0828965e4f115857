"""A one-line question (a goal, a reason, a note) as a typed modal result."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class TextPrompt(ModalScreen[str | None]):
    """Dismisses with the entered text, or None when cancelled. Empty text is refused."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, explanation: str, placeholder: str = "", value: str = "") -> None:
        super().__init__()
        self._title = title
        self._explanation = explanation
        self._placeholder = placeholder
        self._value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Static(Text(self._title, style="bold"), id="prompt-title")
            yield Static(Text(self._explanation), id="prompt-explanation")
            yield Input(value=self._value, placeholder=self._placeholder, id="prompt-input")
            yield Static(Text("enter to confirm · escape to cancel", style="italic"), id="prompt-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())
        else:
            self.query_one("#prompt-hint", Static).update(Text("This cannot be empty.", style="bold"))

    def action_cancel(self) -> None:
        self.dismiss(None)
