"""Every location smwar reads or writes, in one place.

`SMWAR_HOME` relocates config and data (tests and CI always set it); otherwise the
platform's conventional directories are used. Live work and drills never share a file.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "smwar"
HOME_VARIABLE = "SMWAR_HOME"


def _home() -> Path | None:
    value = os.environ.get(HOME_VARIABLE)
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME))


def config_file() -> Path:
    return config_dir() / "config.toml"


def live_journal_path() -> Path:
    """The live journal: every real mention, incident and action, for the post-mortem."""
    return data_dir() / "live.sqlite"


def drill_runs_dir() -> Path:
    """Each drill run has a journal of its own here, never mixed with the live journal."""
    return data_dir() / "drills"


def log_file() -> Path:
    """Where errors go with their tracebacks: never over the operator's screen."""
    return data_dir() / "smwar.log"


def user_runbooks_dir() -> Path:
    return config_dir() / "runbooks"


def bundled_runbooks_dir() -> Path:
    """The runbooks shipped with smwar: inside the wheel, or the source tree's `runbooks/`."""
    package = Path(__file__).resolve().parent
    installed = package / "bundled" / "runbooks"
    return installed if installed.is_dir() else package.parent / "runbooks"


def bundled_drills_dir() -> Path:
    return bundled_runbooks_dir() / "drills"


def exports_dir() -> Path:
    """Where exports made from the war room go."""
    path = data_dir() / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def by_path_or_name(name: str, known: list[Path]) -> Path | None:
    """`name` as an existing file, else the one of `known` whose file name without suffix it is."""
    candidate = Path(name).expanduser()
    if candidate.is_file():
        return candidate
    return next((path for path in known if path.stem == name), None)
