"""HTML as plain text, for what networks deliver as markup (feed summaries, HN comments, toots).

The result is plain text only: tags are dropped (the contents of scripts, styles and the like
with them), entities are unescaped, block elements become paragraph breaks and `<br>` a line
break, and runs of white space collapse as a browser would collapse them. It is still
untrusted text: the faces render it as plain text, never as markup.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements whose content is never text a reader sees.
_HIDDEN = frozenset({"script", "style", "template", "noscript", "head", "title", "iframe", "object", "svg", "math"})
# Elements that start and end a block of their own: they are separated by a paragraph break.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt", "figcaption",
        "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
        "nav", "ol", "p", "pre", "section", "summary", "table", "tr", "ul",
    }
)  # fmt: skip
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_PARAGRAPH = "\x00p"  # markers, never in the output: the parser drops NUL from text
_LINE = "\x00l"


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden: list[str] = []  # open hidden elements, innermost last

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden.append(tag)
        else:
            self.handle_startendtag(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._hidden:
            return
        if tag == "br":
            self.parts.append(_LINE)
        elif tag in _BLOCKS:
            self.parts.append(_PARAGRAPH)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._hidden:
            while self._hidden and self._hidden.pop() != tag:
                pass
        elif not self._hidden and tag in _BLOCKS:
            self.parts.append(_PARAGRAPH)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data.replace("\x00", ""))


def html_to_text(markup: str) -> str:
    """`markup` as plain text: paragraphs separated by a blank line, lines by a line break."""
    if "<" not in markup and "&" not in markup:
        return _tidy(markup.replace("\x00", ""))
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    return _tidy("".join(collector.parts))


def _tidy(text: str) -> str:
    paragraphs: list[str] = []
    for block in text.split(_PARAGRAPH):
        lines = [_SPACES.sub(" ", line).strip() for line in block.split(_LINE)]
        while lines and not lines[0]:
            lines.pop(0)
        while lines and not lines[-1]:
            lines.pop()
        if lines:
            paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)
