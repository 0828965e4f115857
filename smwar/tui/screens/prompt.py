"""A one-line question (a goal, a reason, a note) or a choice, as a typed modal result."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from smwar.tui.guard import Guarded
from smwar.tui.text import plain


def beneath_prompts(app: App[object]) -> Screen[object]:
    """The screen the operator is at, beneath any question asked over it."""
    return next((screen for screen in reversed(app.screen_stack) if not isinstance(screen, _Prompt)), app.screen)


class _Prompt(Guarded, ModalScreen[str | None]):
    """A question with its title and explanation (both may quote outside text), answered once:
    a second Enter that arrives before the screen is gone is ignored, not a second dismiss."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]
    HINT = ""

    def __init__(self, title: str, explanation: str) -> None:
        super().__init__()
        self._title = title
        self._explanation = explanation
        self._answered = False

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Static(plain(self._title, "bold"), id="prompt-title")
            yield Static(plain(self._explanation, keep_newlines=True), id="prompt-explanation")
            yield from self.answer_widgets()
            yield Static(Text(self.HINT, style="italic"), id="prompt-hint")

    def answer_widgets(self) -> ComposeResult:
        raise NotImplementedError

    def answer(self, value: str | None) -> None:
        if not self._answered:
            self._answered = True
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.answer(None)


class TextPrompt(_Prompt):
    """Dismisses with the entered text, or None when cancelled. Empty text is refused, unless
    it means something (`empty_ok`)."""

    HINT = "enter to confirm · escape to cancel"

    def __init__(
        self, title: str, explanation: str, placeholder: str = "", *, value: str = "", empty_ok: bool = False
    ) -> None:
        super().__init__(title, explanation)
        self._placeholder = placeholder
        self._value = value
        self._empty_ok = empty_ok

    def answer_widgets(self) -> ComposeResult:
        yield Input(self._value, placeholder=self._placeholder, id="prompt-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() or self._empty_ok:
            self.answer(event.value.strip())
        else:
            self.query_one("#prompt-hint", Static).update(Text("This cannot be empty.", style="bold"))


class ChoicePrompt(_Prompt):
    """Dismisses with the id of the chosen option, or None when cancelled."""

    HINT = "enter to choose · escape to cancel"

    def __init__(
        self, title: str, explanation: str, options: list[tuple[str, str]], selected: str | None = None
    ) -> None:
        super().__init__(title, explanation)
        self._options = options  # (id, label)
        self._selected = selected

    def answer_widgets(self) -> ComposeResult:
        yield OptionList(*(Option(plain(label), id=key) for key, label in self._options), id="prompt-choice")

    def on_mount(self) -> None:
        choice = self.query_one(OptionList)
        keys = [key for key, _ in self._options]
        if self._selected in keys:
            choice.highlighted = keys.index(self._selected)
        choice.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.answer(event.option.id)
