"""Load a TOML file so that every later error can name `file:line`.

`tomllib` gives values without positions, so a small scanner maps each key path
(("scenario", 0, "trigger", "count")) to the line that set it. It understands headers,
arrays of tables, dotted keys and multi-line strings and arrays, which is all runbooks use.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
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
_DECODE_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


class Strict(BaseModel):
    """Base of every model read from a user's file: unknown keys are errors, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputErrors([InputError(path, None, f"cannot read: {exc.strerror or exc}")]) from exc
    except UnicodeDecodeError as exc:
        raise InputErrors([InputError(path, None, "not UTF-8 text")]) from exc
    return parse_toml(text, path)


def parse_toml(text: str, path: Path) -> TomlDocument:
    """Parse `text` that was read from `path`; a syntax error becomes `InputErrors` with its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputErrors([_decode_error(path, exc)]) from exc
    return TomlDocument(path, data, _scan_lines(text))


def _decode_error(path: Path, exc: tomllib.TOMLDecodeError) -> InputError:
    message = str(exc)
    found = _DECODE_POSITION.search(message)
    line = int(found.group(1)) if found else getattr(exc, "lineno", None)
    reason = _DECODE_POSITION.sub("", message).strip()
    return InputError(path, line, f"TOML syntax error: {reason}")


def _split_key(raw: str) -> tuple[str, ...]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_\-]+)", raw)
    return tuple(next(part for part in group if part) if any(group) else "" for group in parts)


def _scan_lines(text: str) -> dict[Key, int]:
    lines: dict[Key, int] = {}
    array_counts: dict[tuple[str, ...], int] = {}
    prefix: Key = ()
    open_string: str | None = None
    bracket_depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if open_string:
            if line.count(open_string) % 2 == 1:
                open_string = None
            continue
        if bracket_depth > 0:
            bracket_depth += _bracket_balance(line)
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
            lines.setdefault(prefix, number)
            continue
        assign = _ASSIGN.match(line)
        if not assign:
            continue
        lines[(*prefix, *_split_key(assign.group(1)))] = number
        value = line[assign.end() :]
        for quote in ('"""', "'''"):
            if value.count(quote) % 2 == 1:
                open_string = quote
        if open_string is None:
            bracket_depth = _bracket_balance(value)
    return lines


def _resolve(names: tuple[str, ...], array_counts: dict[tuple[str, ...], int]) -> Key:
    """Turn a header's names into a key path, inserting the current index of enclosing arrays."""
    resolved: list[str | int] = []
    for depth in range(1, len(names) + 1):
        resolved.append(names[depth - 1])
        count = array_counts.get(names[:depth])
        if count and depth < len(names):
            resolved.append(count - 1)
    return tuple(resolved)


def _bracket_balance(text: str) -> int:
    """Net open brackets outside strings and comments on one line."""
    depth = 0
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
            depth += 1
        elif char in "]}":
            depth -= 1
    return depth


def validate(
    document: TomlDocument,
    model: type[ModelT],
    data: Any = None,
    at: Key = (),
) -> ModelT:
    """Validate `data` (default: the whole document) against `model`; errors name `file:line`."""
    try:
        return model.model_validate(document.data if data is None else data)
    except ValidationError as exc:
        raise InputErrors([_located(document, at, error) for error in exc.errors()]) from None


def _located(document: TomlDocument, at: Key, error: ErrorDetails) -> InputError:
    loc: Key = (*at, *(part for part in error["loc"] if isinstance(part, str | int)))
    name = ".".join(str(part) for part in loc if isinstance(part, str)) or "file"
    kind = error["type"]
    if kind == "extra_forbidden":
        return document.error(loc, f"unknown key {name!r}")
    if kind == "missing":
        return document.error(loc[:-1], f"missing key {name!r}")
    message = error["msg"].removeprefix("Value error, ")
    return document.error(loc, f"{name}: {message}")
