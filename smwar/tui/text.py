"""The one way mention text reaches the screen: made printable, wrapped as plain Text."""

from __future__ import annotations

from datetime import datetime

from rich.style import Style
from rich.text import Text

from smwar.plaintext import printable, printable_name


def plain(text: str, style: Style | str = "", *, keep_newlines: bool = False) -> Text:
    """Untrusted text as a Rich `Text` that is never parsed as markup."""
    return Text(printable(text, keep_newlines=keep_newlines), style=style)


def plain_name(text: str, style: Style | str = "") -> Text:
    """A handle, name or URL as plain `Text`, its invisible characters shown (`<U+200B>`)."""
    return Text(printable_name(text), style=style)


def local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M:%S")
