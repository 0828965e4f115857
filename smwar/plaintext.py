"""Mention text is untrusted: turn it into text that is safe to put on a terminal.

Escape sequences and control characters are made visible as Unicode control pictures
(ESC becomes "␛"), bidirectional overrides and isolates become a visible `<U+202E>`, so
nothing a stranger posts can move the cursor, recolour the screen or reorder what the
operator reads. Markup safety is the face's job: it must wrap the result in a plain
`rich.text.Text`, never parse it as markup.
"""

from __future__ import annotations

import re

_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = frozenset("\u2028\u2029\u0085")
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(sorted(_BIDI_CONTROLS | _LINE_BREAKS)) + "]")


def _picture(char: str, keep_newlines: bool) -> str:
    code = ord(char)
    if char == "\n":
        return "\n" if keep_newlines else " "
    if char == "\t":
        return "    " if keep_newlines else " "
    if char in _LINE_BREAKS:
        return "\n" if keep_newlines else " "
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"<U+{code:04X}>"


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every control, escape and bidi character replaced by a visible stand-in.

    With `keep_newlines` line breaks survive (for the detail pane); otherwise the result is
    a single line (for the feed).
    """
    return _UNSAFE.sub(lambda found: _picture(found.group(), keep_newlines), text)


_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~])")  # what can start markup inside a line or a table cell


def markdown_inline(text: str) -> str:
    """Untrusted or free text made inert in Markdown: one line, every markup character escaped."""
    return _MARKDOWN.sub(r"\\\1", printable(text))
