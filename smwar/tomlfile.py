"""Load a TOML file so that every later error can name `file:line`.

`tomllib` gives values without positions, so a small scanner maps each key path
(("scenario", 0, "trigger", "count")) to the line that set it. It understands headers,
arrays of tables, dotted keys and multi-line strings and arrays, which is all runbooks use.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from smwar.errors import InputError, InputErrors

Key = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(
    r"^\s*((?:[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*'))*)\s*="
)
_DECODE_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_DATE_LIKE = re.compile(r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)?(?:Z|[+-]\d\d:\d\d)?|\d\d:\d\d:\d\d")
MAX_TOML_CHARS = 16_000_000  # a runbook set with 400,000 terms is about 6 MB
MAX_NESTING = 100
# tomllib's words for a construct that reached a line or the end of the text still open
_UNCLOSED = ("Unclosed", "Unterminated", "Expected \"'''\"", 'Expected \'"""\'', "Illegal character '\\n'")


class Strict(BaseModel):
    """Base of every model read from a user's file: unknown keys are errors, not ignored, and
    so are values of the wrong type (`mentions = "3"`, `vip = "yes"`, `vip = 1`), not
    converted; a whole number is a number with a fraction too (`weight = 1`). A field of a
    kind TOML has no value of (a path, one of a few words) says `Field(strict=False)`."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


@dataclass(frozen=True, slots=True)
class TomlDocument:
    path: Path
    data: dict[str, Any]
    lines: dict[Key, int]

    def line_of(self, key: Sequence[str | int]) -> int | None:
        """The line that set `key`, or of its nearest enclosing table."""
        probe = tuple(key)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return None

    def error(self, key: Sequence[str | int], message: str) -> InputError:
        return InputError(self.path, self.line_of(key), message)


def load_toml(path: Path) -> TomlDocument:
    """Read and parse `path`; a syntax error becomes `InputErrors` with its line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise cannot_read(path, exc) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        where = f"byte {exc.start - line_start + 1} of the line, 0x{raw[exc.start]:02x}"
        raise InputErrors([InputError(path, raw.count(b"\n", 0, exc.start) + 1, f"not UTF-8 text ({where})")]) from None
    return parse_toml(text.replace("\r\n", "\n").replace("\r", "\n"), path)  # newlines as read_text reads them


def cannot_read(path: Path, error: OSError) -> InputErrors:
    """`path: cannot read: why`, for a file or folder the user has to make readable."""
    return InputErrors([InputError(path, None, f"cannot read: {error.strerror or error}")])


def parse_toml(text: str, path: Path) -> TomlDocument:
    """Parse `text` that was read from `path`; a syntax error becomes `InputErrors` with its line.
    A byte order mark before it (Windows Notepad writes one) is no part of it."""
    text = text.removeprefix("\ufeff")
    if len(text) > MAX_TOML_CHARS:
        limit = f"{MAX_TOML_CHARS // 1_000_000} MB"
        raise InputErrors([InputError(path, None, f"too large to be a runbook, drill or config (over {limit})")])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputErrors([syntax_error(text, path, exc)]) from exc
    except RecursionError:
        line = _open_at(text, len(text)).deepest_line
        raise InputErrors([InputError(path, line, f"TOML nested more than {MAX_NESTING} levels deep")]) from None
    return TomlDocument(path, data, _scan_lines(text))


def syntax_error(text: str, path: Path, exc: tomllib.TOMLDecodeError) -> InputError:
    """`exc` located where the broken construct began: an array, inline table or string left
    open is reported at the line that opened it; a key set twice names its first line too."""
    message = str(exc)
    found = _DECODE_POSITION.search(message)
    reason = _DECODE_POSITION.sub("", message).replace("(at end of document)", "").strip()
    offset = getattr(exc, "pos", None)  # Python 3.14 keeps it; before, it is only in the message
    if not isinstance(offset, int):
        offset = _offset(text, found) if found else len(text)
    line = text.count("\n", 0, offset) + 1
    if reason.startswith(_UNCLOSED) or offset >= len(text):
        opened = _open_at(text, offset).innermost
        if opened is not None:
            what, first_line = opened
            return InputError(path, first_line, f"TOML syntax error: {what} opened here is never closed")
    if reason.startswith(("Cannot overwrite", "Cannot declare")) and (first := _first_setting(text, line)):
        key, again, earlier = first
        return InputError(path, again, f"TOML syntax error: {key} is set twice (first at line {earlier})")
    line_text = text[text.rfind("\n", 0, offset) + 1 :].partition("\n")[0]
    date = _DATE_LIKE.search(line_text)
    if date and _bad_date(date.group()):
        return InputError(path, line, f"TOML syntax error: {date.group()} is no valid date or time")
    if reason.startswith("Unescaped '\\'"):
        reason += " (write \\\\ for a backslash, or put the text in 'single quotes')"
    return InputError(path, line, f"TOML syntax error: {reason}")


def _offset(text: str, position: re.Match[str]) -> int:
    line, column = int(position.group(1)), int(position.group(2))
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    return start + column - 1


@dataclass(slots=True)
class _OpenConstructs:
    """What is still open at a point of a TOML text, innermost last, each with its first line."""

    stack: list[tuple[str, int]]
    deepest_line: int | None

    @property
    def innermost(self) -> tuple[str, int] | None:
        return self.stack[-1] if self.stack else None


_SPECIAL = re.compile(r"[\"'#\[\]{}\n\\]")
_BRACKETS = {"[": "an array", "{": "an inline table"}


def _open_at(text: str, end: int) -> _OpenConstructs:
    """Strings, arrays and inline tables open at `end`, found by one pass over TOML's tokens."""
    stack: list[tuple[str, int]] = []
    deepest: int | None = None
    line, skip, comment = 1, 0, False
    string: str | None = None
    for special in _SPECIAL.finditer(text, 0, end):
        at, char = special.start(), special.group()
        if char == "\n":
            line += 1
            comment = False
            if string in ('"', "'"):  # a one-line string ends with its line, broken or not
                string = None
                stack.pop()
            continue
        if at < skip or comment:
            continue
        if string:
            if char == "\\" and string[0] == '"':
                skip = at + 2
                line += text.startswith("\n", at + 1)
            elif text.startswith(string, at):
                string, skip = None, at + len(string)
                stack.pop()
        elif char == "#":
            comment = True
        elif char in "\"'":
            string = char * 3 if text.startswith(char * 3, at) else char
            skip = at + len(string)
            stack.append(("a multi-line string" if len(string) == 3 else "a string", line))
        elif char in _BRACKETS:
            stack.append((_BRACKETS[char], line))
            if len(stack) > MAX_NESTING and deepest is None:
                deepest = line
        elif char in "]}" and stack:
            stack.pop()
    return _OpenConstructs(stack, deepest)


def _first_setting(text: str, line: int) -> tuple[str, int, int] | None:
    """The dotted key set again by the setting that reaches `line` (a value over several lines
    ends there), the line of that setting, and the line that set the key first."""
    first: dict[Key, int] = {}
    last: tuple[Key, int] | None = None
    for key, number in _settings(text, elements=False):
        if number > line:
            break
        if last is not None:
            first.setdefault(*last)
        last = key, number
    if last is None or last[0] not in first:
        return None
    key, number = last
    return ".".join(str(part) for part in key if isinstance(part, str)), number, first[key]


def _bad_date(value: str) -> bool:
    try:
        tomllib.loads(f"d = {value}")
    except tomllib.TOMLDecodeError:
        return True
    return False


def _split_key(raw: str) -> tuple[str, ...]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_\-]+)", raw)
    return tuple(next(part for part in group if part) if any(group) else "" for group in parts)


def _scan_lines(text: str) -> dict[Key, int]:
    lines: dict[Key, int] = {}
    for key, number in _settings(text):
        lines.setdefault(key, number)
    return lines


def _settings(text: str, elements: bool = True) -> Iterator[tuple[Key, int]]:
    """Each key path a header or assignment sets, with its line, in the order of the text; with
    `elements`, also each inline table of an array (("early_warning", 1)) at the line it begins."""
    array_counts: dict[tuple[str, ...], int] = {}
    prefix: Key = ()
    open_string: str | None = None
    bracket_depth = 0
    array: Key = ()  # the key of the array a line is in, and how many of its tables began before
    tables = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if open_string:
            if line.count(open_string) % 2 == 1:
                open_string = None
            continue
        if bracket_depth > 0:
            bracket_depth, opened = _bracket_walk(line, bracket_depth)
            for element in range(tables, tables + opened) if elements else ():
                yield (*array, element), number
            tables += opened
            continue
        header = _HEADER.match(line)
        if header:
            names = _split_key(header.group(2))
            if header.group(1) == "[[":
                index = array_counts.get(names, 0)
                array_counts[names] = index + 1
                prefix = (*_resolve(names, array_counts), index)
            else:
                prefix = _resolve(names, array_counts)
            yield prefix, number
            continue
        assign = _ASSIGN.match(line)
        if not assign:
            continue
        array = (*prefix, *_split_key(assign.group(1)))
        yield array, number
        value = line[assign.end() :]
        for quote in ('"""', "'''"):
            if value.count(quote) % 2 == 1:
                open_string = quote
        if open_string is None:
            bracket_depth, tables = _bracket_walk(value, 0)
            for element in range(tables) if elements else ():
                yield (*array, element), number


def _resolve(names: tuple[str, ...], array_counts: dict[tuple[str, ...], int]) -> Key:
    """Turn a header's names into a key path, inserting the current index of enclosing arrays."""
    resolved: list[str | int] = []
    for depth in range(1, len(names) + 1):
        resolved.append(names[depth - 1])
        count = array_counts.get(names[:depth])
        if count and depth < len(names):
            resolved.append(count - 1)
    return tuple(resolved)


def _bracket_walk(text: str, depth: int) -> tuple[int, int]:
    """The brackets open after one line (outside strings and comments) that began with `depth`
    open, and how many inline tables it began as elements of the outermost array
    (`early_warning = [{ id = "a" }, …]`)."""
    tables = 0
    quote: str | None = None
    for char in text:
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char in "[{":
            tables += char == "{" and depth == 1
            depth += 1
        elif char in "]}":
            depth -= 1
    return depth, tables


def validate(
    document: TomlDocument,
    model: type[ModelT],
    data: Any = None,
    at: Key = (),
) -> ModelT:
    """Validate `data` (default: the whole document) against `model`; errors name `file:line`."""
    validated = document.data if data is None else data
    try:
        return model.model_validate(validated)
    except ValidationError as exc:
        raise InputErrors([_located(document, at, error, validated) for error in exc.errors()]) from None


def _located(document: TomlDocument, at: Key, error: ErrorDetails, data: Any) -> InputError:
    loc: Key = (*at, *_as_keys(data, [part for part in error["loc"] if isinstance(part, str | int)]))
    name = ".".join(str(part) for part in loc if isinstance(part, str)) or "file"
    kind = error["type"]
    if kind == "extra_forbidden":
        return document.error(loc, f"unknown key {name!r}")
    if kind == "missing":
        return document.error(loc[:-1], f"missing key {name!r}")
    message = error["msg"].removeprefix("Value error, ")
    if kind in _TYPE_ERRORS and isinstance(error["input"], str | int | float):
        message += f", not {_as_written(error['input'])}"  # "3" in quotes is text, not a number
    return document.error(loc, f"{name}: {message}")


_TYPE_ERRORS = ("int_type", "float_type", "bool_type", "string_type")


def _as_keys(data: Any, loc: list[str | int]) -> Key:
    """Pydantic's `loc` as the keys written in `data`: the tag it names a union's member by
    (`source.0.jsonl.path` for a `[[source]]` of kind jsonl) is no key of the file."""
    keys: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        written = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if not written and index < len(loc) - 1:
            continue  # a tag
        node = node[part] if written else None  # (else the key it misses)
        keys.append(part)
    return tuple(keys)


def _as_written(value: str | int | float) -> str:
    """A scalar as TOML writes it."""
    if isinstance(value, bool):
        return str(value).lower()
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)
