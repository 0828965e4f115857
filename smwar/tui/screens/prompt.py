"""A one-line question (a goal, a reason, a note) as a typed modal result."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option


class TextPrompt(ModalScreen[str | None]):
    """Dismisses with the entered text, or None when cancelled. Empty text is refused."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, explanation: str, placeholder: str = "") -> None:
        super().__init__()
        self._title = title
        self._explanation = explanation
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Static(Text(self._title, style="bold"), id="prompt-title")
            yield Static(Text(self._explanation), id="prompt-explanation")
            yield Input(placeholder=self._placeholder, id="prompt-input")
            yield Static(Text("enter to confirm · escape to cancel", style="italic"), id="prompt-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())
        else:
            self.query_one("#prompt-hint", Static).update(Text("This cannot be empty.", style="bold"))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoicePrompt(ModalScreen[str | None]):
    """Dismisses with the id of the chosen option, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choice.cancel")]

    def __init__(
        self, title: str, explanation: str, options: list[tuple[str, str]], selected: str | None = None
    ) -> None:
        super().__init__()
        self._title = title
        self._explanation = explanation
        self._options = options  # (id, label)
        self._selected = selected

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Static(Text(self._title, style="bold"), id="prompt-title")
            yield Static(Text(self._explanation), id="prompt-explanation")
            yield OptionList(*(Option(label, id=key) for key, label in self._options), id="prompt-choice")
            yield Static(Text("enter to choose · escape to cancel", style="italic"), id="prompt-hint")

    def on_mount(self) -> None:
        choice = self.query_one(OptionList)
        keys = [key for key, _ in self._options]
        if self._selected in keys:
            choice.highlighted = keys.index(self._selected)
        choice.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
