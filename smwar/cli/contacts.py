"""`smwar contacts`: where notification steps reach each contact, and a test message."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from smwar.cli.common import load_runbooks, reports_errors, say
from smwar.errors import SmwarError
from smwar.notify import redact, send, unusable
from smwar.secrets import SecretStoreError, delete_secret, get_secret, set_secret

if TYPE_CHECKING:
    from smwar.runbooks.definitions import Contact, RunbookSet

runbooks_option = click.option(
    "--runbooks", "runbooks_path", type=click.Path(path_type=Path), help="Runbook set (default: the one smwar uses)."
)


@click.group()
def contacts() -> None:
    """Notification addresses of the runbooks' contacts (apprise URLs)."""


def _contact(runbooks: RunbookSet, contact_id: str) -> Contact:
    found = next((contact for contact in runbooks.contacts if contact.id == contact_id), None)
    if found is None:
        known = ", ".join(contact.id for contact in runbooks.contacts)
        raise SmwarError(f"no contact {contact_id!r} in the runbooks (contacts: {known})")
    return found


@contacts.command("list")
@runbooks_option
@reports_errors
def list_(runbooks_path: Path | None) -> None:
    """Each contact and where its notifications go (secrets masked)."""
    for contact in load_runbooks(runbooks_path).contacts:
        say(f"{contact.id:<20} {contact.name} ({contact.role}) → {_address(contact)}")


def _address(contact: Contact) -> str:
    """Where a contact's notifications go, secrets masked."""
    from smwar.engine.notifications import secret_name

    try:
        if get_secret(secret_name(contact.id)):
            return "keyring"
    except SecretStoreError as exc:
        return f"keyring unusable: {exc}"
    if contact.notify_url:
        return f"runbook: {redact(contact.notify_url)}"
    return "not set: notification steps will report it"


@contacts.command("set-url")
@click.argument("contact_id")
@runbooks_option
@reports_errors
def set_url(contact_id: str, runbooks_path: Path | None) -> None:
    """Keep CONTACT_ID's apprise URL (with its password or token) in the OS keyring."""
    from smwar.engine.notifications import secret_name

    _contact(load_runbooks(runbooks_path), contact_id)
    url = click.prompt("apprise URL (not shown)", hide_input=True).strip()
    if (why := unusable(url)) is not None:
        raise SmwarError(f"{contact_id}: {why}; nothing was stored")
    set_secret(secret_name(contact_id), url)
    say(f"{contact_id}: stored in the keyring as {redact(url)}")


@contacts.command("delete-url")
@click.argument("contact_id")
@reports_errors
def delete_url(contact_id: str) -> None:
    """Forget CONTACT_ID's URL in the keyring (the runbook's notify_url, if any, applies again)."""
    from smwar.engine.notifications import secret_name

    gone = delete_secret(secret_name(contact_id))
    say(f"{contact_id}: {'removed from the keyring' if gone else 'nothing was stored in the keyring'}")


@contacts.command("test")
@click.argument("contact_id")
@runbooks_option
@reports_errors
def test(contact_id: str, runbooks_path: Path | None) -> None:
    """Send a test notification to CONTACT_ID now and say what came of it."""
    from smwar.engine.notifications import contact_url

    contact = _contact(load_runbooks(runbooks_path), contact_id)
    delivery = send(contact.id, contact_url(contact), "smwar test", f"A test notification for {contact.name}.")
    say(f"{contact.id}: {'sent' if delivery.ok else 'FAILED'}: {delivery.detail}")
    if not delivery.ok:
        raise SystemExit(1)
