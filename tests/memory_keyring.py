"""A keyring backend for tests that keeps secrets in a JSON file under the test's home, so
a subprocess or a second command sees what the first stored (as with the OS keyring)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def _file(self) -> Path:
        return Path(os.environ["SMWAR_HOME"]) / "test-keyring.json"

    def _load(self) -> dict[str, str]:
        return json.loads(self._file.read_text()) if self._file.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        stored = self._load()
        stored[f"{service}/{username}"] = password
        self._file.parent.mkdir(parents=True, exist_ok=True)
        self._file.write_text(json.dumps(stored))

    def delete_password(self, service: str, username: str) -> None:
        stored = self._load()
        if stored.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError(username)
        self._file.write_text(json.dumps(stored))
