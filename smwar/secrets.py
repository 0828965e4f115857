"""Secrets (tokens, passwords, URLs with credentials) live only in the OS keyring.

Nothing else in smwar stores a secret: not the config, the runbooks, the journal, logs or
exports. A machine without a usable keyring gets an error that says what to install.
"""

from __future__ import annotations

from smwar.errors import SmwarError
from smwar.urls import host_of

SERVICE = "smwar"
SERVE_KEY = "serve"  # the name of the key `smwar serve` asks browsers for
NO_BACKEND = (
    "no usable OS keyring: smwar keeps secrets only there. On a desktop, unlock or install your "
    "keyring (GNOME Keyring/KWallet on Linux, Keychain on macOS, Credential Manager on Windows); "
    "on a headless machine, `pip install keyrings.alt` gives a file-based one"
)


class SecretStoreError(SmwarError):
    """The keyring could not be used; the message says what to do."""


def get_secret(name: str) -> str | None:
    """The secret stored as `name`; None if there is none, or no keyring at all on this
    machine. A keyring that is there but refuses (locked, access denied) is an error."""
    import keyring  # loaded when a secret is first needed: it takes a while to find its backend
    from keyring.errors import KeyringError, NoKeyringError

    try:
        return keyring.get_password(SERVICE, name)
    except NoKeyringError:
        return None
    except KeyringError as exc:
        raise SecretStoreError(f"the OS keyring refused to give {name!r}: {exc}") from None


def set_secret(name: str, value: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, name, value)
    except KeyringError as exc:
        raise SecretStoreError(f"{NO_BACKEND} ({exc})") from None


def delete_secret(name: str) -> bool:
    """Forget `name`; False if there was nothing to forget."""
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, name)
    except PasswordDeleteError:
        return False
    except KeyringError as exc:
        raise SecretStoreError(f"{NO_BACKEND} ({exc})") from None
    return True


def require_keyring() -> None:
    """Raise the install-a-keyring message when this machine has no keyring at all."""
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.get_password(SERVICE, "probe")
    except KeyringError as exc:
        raise SecretStoreError(f"{NO_BACKEND} ({exc})") from None


def refuse_plain_http(url: str, whose: str) -> None:
    """A token or password is sent over https only (or to this machine)."""
    if url.startswith("http://"):
        host = host_of(url)
        if host not in ("localhost", "127.0.0.1", "::1"):
            raise SmwarError(f"{whose}: its secret would go unencrypted to {host}; use https")
