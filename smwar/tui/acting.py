"""How the screens carry out an operator action: ask what it needs, run it, say if it was refused."""

from __future__ import annotations

from collections.abc import Callable

from textual.actions import SkipAction
from textual.app import App
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, TextArea

from smwar.errors import SmwarError
from smwar.tui.screens.prompt import TextPrompt


def alarm(node: App[None] | Widget, message: str, title: str) -> None:
    """A problem the operator must see: an error notice that stays for half a minute."""
    node.notify(message, title=title, severity="error", timeout=30, markup=False)


def not_while_typing(screen: Screen[object]) -> None:
    """For a key that puts the keys in a text field, bound with `priority`, so that the words
    typed right after it go there: Textual hands a key to the focused widget's own queue and
    the keys after it on to the same widget before that one is handled, so typed at speed ("/leak"
    at once) they went where the keys were, not into the field. Skipped (the key is typed)
    while a text field has the keys."""
    if isinstance(screen.focused, (Input, TextArea)):
        raise SkipAction()


def attempt(app: App[None], action: Callable[[], object], typed: str = "") -> bool:
    """Run an operator action (it commits before it returns); on refusal say why and ring.
    What the operator `typed` for it (a goal, a reason, a note) is not lost: it goes to the
    clipboard, to paste when trying again."""
    try:
        action()
    except SmwarError as exc:
        said = str(exc)
        if typed:
            app.copy_to_clipboard(typed)
            said += "\nWhat you typed is on the clipboard."
        app.notify(said, title="Not done", severity="error", markup=False)
        app.bell()
        return False
    refresh = getattr(app, "refresh_views", None)
    if refresh is not None:
        refresh()
    return True


def ask(
    app: App[None],
    title: str,
    explanation: str,
    then: Callable[[str], object],
    *,
    placeholder: str = "",
    value: str = "",
    empty_ok: bool = False,
) -> None:
    """Ask for one line of text (starting as `value`), then attempt `then(text)`; escape cancels."""

    def answered(text: str | None) -> None:
        if text is not None:
            attempt(app, lambda: then(text), typed=text)

    app.push_screen(TextPrompt(title, explanation, placeholder=placeholder, value=value, empty_ok=empty_ok), answered)
