"""The project's scripts, run as modules, for tests that call their functions."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent.parent


def fit_mood() -> SimpleNamespace:
    """scripts/fit_mood.py's functions and constants (it fits the wording and the mood model)."""
    return SimpleNamespace(**runpy.run_path(str(ROOT / "scripts" / "fit_mood.py")))
