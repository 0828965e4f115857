"""Mention rows formatted by SQLite as they are read, for the CSV and JSON exports.

The read is the floor of an export's time, so SQLite formats each row on the way, as one
string of its values, and joins a block of rows into one (`JournalReader.joined`). For JSON
that is SQLite's own encoder, which is `json.dumps` with `ensure_ascii=False`: a block is
written so, as UTF-8, unless a character in it acts on a terminal, which one RE2 search finds;
then every character past ASCII in the block is escaped, as `json.dumps` escapes it.

For CSV the values are written as they are, but for the free texts and the request types,
which SQLite quotes where `csv.writer` would and marks where `tables._cell` marks a formula:
commas and replies that start "@name … !" are common there. A score is written by SQLite as
Python writes it (scores have three places at most), or marked for Python to write. One match
of a block of such lines against what they must look like then finds whether a row has a value
`tables._cell` or `csv.writer` would write otherwise (or a handle, name or link with an
invisible character, which the rules make visible); only the lines of such a block are
matched one by one, and those that differ written value by value.
"""

from __future__ import annotations

import json
import re

import re2

from smwar.journal.reading import REVISED_TEXT, MentionRow
from smwar.model import EDITED
from smwar.plaintext import INVISIBLE, UNSAFE

FIELDS = MentionRow._fields[:-1]  # a row but its score
_QUOTED = ("text", "request_types", "revised_text")  # quoted and marked by SQLite
NAMES = ("author", "author_name", "url")  # written as names are: an invisible character shows
_SQL = {field: f"m.{field}" for field in FIELDS} | {"revised_text": f"({REVISED_TEXT})"}  # each field's value
_UNEDITED = _SQL | {"revised_text": "NULL"}  # each field's value for a mention not edited since


def _formula(value: str) -> str:
    """SQL: whether `value` would run as a formula (`tables._FORMULA`, for a printable text)."""
    after = " OR ".join(f"instr({value}, '{char}')" for char in "(|!")
    return f"unicode({value}) IN (43, 45, 61, 64) AND (unicode({value}) = 61 OR {after})"


def _line(values: dict[str, str], texts: tuple[str, ...]) -> str:
    """SQL: a mention as a CSV line, its end included, each field's value as `values` reads it;
    those of `texts` quoted and marked by SQLite."""
    written = (_marked(values[field]) if field in texts else values[field] for field in FIELDS)
    score = f"CASE WHEN {_SCORE_AS_PYTHON} THEN x.score ELSE char(1) END"
    return f"printf({_line_format(values, texts)}, {', '.join(written)}, {score})"


def _marked(value: str) -> str:
    """SQL: a text with an apostrophe before it if it would run as a formula."""
    return f"CASE WHEN {_formula(value)} THEN '''' || {value} ELSE {value} END"


def _line_format(values: dict[str, str], fields: tuple[str, ...], quoted: tuple[str, ...] = ()) -> str:
    """SQL: the printf format of a line, its end included: `"%w"` (which doubles quotes) for
    each of `fields` that `csv.writer` quotes (it holds a comma, a quote or a line break), `%s`
    for the other values and the score."""
    if not fields:
        return "'" + "".join('"%w",' if field in quoted else "%s," for field in FIELDS) + "%s\r\n'"
    field, *others = fields
    special = " OR ".join(f"instr({values[field]}, '{char}')" for char in ',"\r\n')
    with_quotes = _line_format(values, tuple(others), (*quoted, field))
    return f"CASE WHEN {special} THEN {with_quotes} ELSE {_line_format(values, tuple(others), quoted)} END"


_SCORE_AS_PYTHON = "(x.score IS NULL OR (abs(x.score) < 1e9 AND x.score = round(x.score * 1000) / 1000.0))"
"""SQL: whether SQLite writes the score as Python does: a score of three places at most (as
scores are) below 1e9 has 15 digits at most, which SQLite writes as the shortest text that
reads back the same, without an exponent. Arithmetic alone: SQLite rounds to a whole number
by arithmetic, but to places by printing the number and reading it back."""


def score_as_python(score: float | None) -> bool:
    """`_SCORE_AS_PYTHON` in Python: for rows read from another backend, written as SQLite
    would write them."""
    if score is None:
        return True
    if not abs(score) < 1e9:
        return False
    thousandths = score * 1000
    whole = int(thousandths + 0.5) if thousandths >= 0 else -int(-thousandths + 0.5)  # SQLite's round(): halves away
    return score == whole / 1000


CSV_SQL = (
    f"CAST(CASE WHEN m.revised = '{EDITED}' THEN {_line(_SQL, _QUOTED)} "
    f"ELSE {_line(_UNEDITED, _QUOTED[:-1])} END AS BLOB)"
)
"""A mention as a CSV line, its end included; a score SQLite would write otherwise than Python
as a control character, which makes the line one to write value by value. A mention not edited
since it came (most are) has no revised text to look up, quote or mark."""

JSON_SQL = f"CASE WHEN {_SCORE_AS_PYTHON} THEN CAST(json_array({', '.join(_SQL.values())}, x.score) AS BLOB) END"
"""A mention as a JSON array of its values, or NULL (to write value by value) if SQLite would
write its score otherwise than Python. SQLite writes JSON as `json.dumps` does with
`ensure_ascii=False, separators=(",", ":")`."""


def _replaced() -> str:
    """RE2: the inside of a class of the characters `printable` replaces, but a line break
    (which a CSV value keeps, and JSON rows are written on lines of their own)."""
    replaced = {code for low, high in UNSAFE for code in range(low, high + 1)} - {ord("\n")}
    starts = sorted(code for code in replaced if code - 1 not in replaced)
    ends = sorted(code for code in replaced if code + 1 not in replaced)
    return "".join(f"\\x{{{low:x}}}-\\x{{{high:x}}}" for low, high in zip(starts, ends, strict=True))


def _but(more: str) -> str:
    """RE2: a character `printable` leaves as it is, but a line break, and that is not in `more`
    (the inside of an RE2 class). No invalid UTF-8 either."""
    return f"[^{_replaced()}{more}]"


def _as_is(more: str = "") -> str:
    """RE2: a value as CSV_SQL writes it when that is what `tables._cell` and `csv.writer` make
    of it, needing no quotes and no mark, and holding none of `more` (the inside of a class)."""
    plain, first, no_formula = _but(r',"\n' + more), _but(r',"\n=+\-@' + more), _but(r',"\n(|!' + more)
    return f"(?:{first}{plain}*|[-+@]{no_formula}*)?"


_AS_IS, _NAME_AS_IS = _as_is(), _as_is(INVISIBLE)  # a name shows an invisible character: written by the rules
_PLAIN, _QUOTED_ANY = _but(r',"\n'), _but('"')
_QUOTED_AS_IS = f'(?:"(?:{_QUOTED_ANY}|"")*"|{_PLAIN}*)'  # a value quoted and marked by SQLite, as it is
_LINE = (
    "".join(f"{_QUOTED_AS_IS if field in _QUOTED else _NAME_AS_IS if field in NAMES else _AS_IS}," for field in FIELDS)
    + r"-?[0-9.]*\r\n"
)
_LINES = re2.compile(f"(?:{_LINE})*")
_ONE_LINE = re2.compile(_LINE)


def as_written(lines: bytes) -> bool:
    """Whether CSV lines (as `CSV_SQL` writes them, one after another) are what `tables._cell`
    and `csv.writer` make of their values: one match, however many lines."""
    return _LINES.fullmatch(lines) is not None


def to_change(lines: tuple[bytes, ...]) -> list[int]:
    """The lines (as `CSV_SQL` writes them) with a value `tables._cell` or `csv.writer` would
    write otherwise."""
    return [row for row, line in enumerate(lines) if not _ONE_LINE.fullmatch(line)]


_ACTIVE = re2.compile(f"[{_replaced()}]")


def json_block(text: bytes) -> bytes:
    """JSON text as written to the file: as it is (UTF-8) if no character in it acts on a
    terminal, else with every character past ASCII escaped (DEL is the writer's)."""
    return ascii_json(text) if _ACTIVE.search(text) else text


_LATIN_1 = re.compile(rb"\\x")


def ascii_json(text: bytes) -> bytes:
    """JSON text with every character past ASCII escaped, as `json.dumps` escapes it."""
    if text.isascii():
        return text
    escaped = text.decode().encode("ascii", "backslashreplace")  # "ü" as \xfc, U+202E as \u202e, "😀" as \U0001f600
    if b"\\x" in text or b"\\U" in escaped:  # a \x of the text's own, or a character JSON writes as two
        return _ascii_by_json(text.decode())
    return _LATIN_1.sub(rb"\\u00", escaped)  # re.sub: bytes.replace is slow with many matches


def _ascii_by_json(text: str) -> bytes:
    """The same by `json.dumps` of the whole text, which escapes its own quotes, backslashes and
    line breaks too: those are put back (the text's escapes stand out, their backslash doubled)."""
    escaped = json.dumps(text)[1:-1].replace("\\\\", "\x00")
    return escaped.replace('\\"', '"').replace("\\n", "\n").replace("\x00", "\\").encode()
