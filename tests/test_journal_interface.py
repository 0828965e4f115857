"""Both journals provide the interface the rest of smwar uses (`smwar.journal.interface`), each
method with the same parameters: a backend missing one, or taking other arguments, fails here
rather than in the war room."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from smwar.journal.interface import JournalStore
from smwar.journal.postgres.store import PostgresJournal
from smwar.journal.store import Journal

SMWAR = Path(__file__).resolve().parent.parent / "smwar"

METHODS = sorted(
    name
    for name, value in vars(JournalStore).items()
    if callable(value) and (not name.startswith("_") or name in ("__enter__", "__exit__"))
)


def parameters(method: Callable[..., object]) -> list[tuple[str, object, object]]:
    """Each parameter's name, kind and default (the annotations name each backend's own types)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(method).parameters.values()]


def test_the_interface_names_only_what_callers_use() -> None:
    used = "\n".join(
        path.read_text(encoding="utf-8") for path in SMWAR.rglob("*.py") if SMWAR / "journal" not in path.parents
    )
    unused = [name for name in METHODS if not name.startswith("__") and not re.search(rf"\.{name}\b", used)]
    assert unused == []
    assert "writing" not in METHODS, "each backend's own transaction, not the program's"


@pytest.mark.parametrize("backend", [Journal, PostgresJournal], ids=["sqlite", "postgresql"])
@pytest.mark.parametrize("name", METHODS)
def test_each_backend_provides_each_method_with_the_same_parameters(backend: type, name: str) -> None:
    method = getattr(backend, name, None)
    assert callable(method), f"{backend.__name__} has no {name}"
    assert parameters(method) == parameters(getattr(JournalStore, name))


@pytest.mark.parametrize("name", METHODS)
def test_the_backends_annotate_each_method_alike(name: str) -> None:
    sqlite, postgres = inspect.signature(getattr(Journal, name)), inspect.signature(getattr(PostgresJournal, name))
    assert list(sqlite.parameters.values()) == list(postgres.parameters.values())
