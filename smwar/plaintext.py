"""Outside text is hostile: the one sanitiser every output path passes it through.

Mention text, author names and handles, URLs, source titles, runbook and drill text and
servers' error messages can carry terminal escape sequences (OSC 0 renames the window, OSC 52
writes the clipboard), control characters, bidirectional overrides that reorder what the
operator reads, lone surrogates a terminal cannot encode, and invisible characters that make
two handles look alike. `printable` makes all of them visible: ESC and every C0/C1 control
become Unicode control pictures ("␛"), so a sequence shows as the text it is and does nothing;
bidi controls and (in handles and URLs) invisible characters become a visible `<U+202E>`.
Markup safety is the face's part: it wraps the result in a plain `rich.text.Text` or passes
`markup=False`, never parses it as markup.
"""

from __future__ import annotations

import re

_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = frozenset("\u2028\u2029\u0085")
# Characters that show as nothing: harmless inside prose (a zero-width joiner binds an emoji),
# a spoof inside a handle or an address ("@elektro\u200bmueller" is not "@elektromueller"):
# every format character (Unicode category Cf; the bidi controls among them are in UNSAFE), every
# variation selector, and the joiner, fillers and vowels that are drawn as nothing. The tests hold
# it to every Cf character and variation selector Python's Unicode tables know.
INVISIBLE = (
    "\u00ad\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200d\u2060-\u2064\u206a-\u206f"
    "\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e007f"  # format characters
    "\u180b-\u180d\u180f\ufe00-\ufe0f\U000e0100-\U000e01ef"  # variation selectors
    "\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0"
)
UNSAFE = (
    (0x00, 0x1F),
    (0x7F, 0x9F),
    (0xD800, 0xDFFF),
    *((ord(char), ord(char)) for char in sorted(_BIDI_CONTROLS | _LINE_BREAKS)),
)
"""What `printable` replaces, as ranges of code points (both ends included)."""
_ALWAYS = "".join(f"{chr(low)}-{chr(high)}" for low, high in UNSAFE)
_UNSAFE = re.compile(f"[{_ALWAYS}]")
_UNSAFE_IN_NAMES = re.compile(f"[{_ALWAYS}{INVISIBLE}]")


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
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return f"<U+{code:04X}>"


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every control, escape and bidi character replaced by a visible stand-in.

    With `keep_newlines` line breaks survive (for the detail pane); otherwise the result is
    a single line (for the feed).
    """
    if text.isprintable():  # most text, and safe: `_UNSAFE` finds only characters Python calls unprintable
        return text
    return _UNSAFE.sub(lambda found: _picture(found.group(), keep_newlines), text)


def printable_name(text: str) -> str:
    """A handle, name or URL made printable, and its invisible characters made visible too:
    where one character changes who or where, the operator must see it."""
    return _UNSAFE_IN_NAMES.sub(lambda found: _picture(found.group(), False), text)


_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~])")  # what can start markup inside a line or a table cell


def markdown_inline(text: str) -> str:
    """Untrusted or free text made inert in Markdown: one line, every markup character escaped."""
    return _MARKDOWN.sub(r"\\\1", printable(text))


_VISIBLE = re.compile(r"\S")


def excerpt(text: str, width: int) -> str:
    """The start of `text` on one line, at most `width` characters, its whitespace collapsed;
    where it is cut, its last character is "…". Reads only the first few times `width`
    characters, however long the text is (and past them, only to the next that is not space)."""
    window = text[: width * 8]
    line = " ".join(window.split())
    if len(line) <= width and not _VISIBLE.search(text, len(window)):
        return line
    return line[: width - 1].rstrip() + "…"
