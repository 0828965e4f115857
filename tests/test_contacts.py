"""Where notifications reach a contact: the keyring holds URLs with secrets, never a file."""

from __future__ import annotations

import keyring
import pytest
from click.testing import CliRunner
from keyring.backends.fail import Keyring as FailKeyring

from smwar.cli import main

from .conftest import Webhook
from .memory_keyring import FileKeyring


@pytest.fixture
def file_keyring() -> None:
    keyring.set_keyring(FileKeyring())


def test_a_secret_url_goes_to_the_keyring_and_a_test_message_uses_it(file_keyring: None, webhook: Webhook) -> None:
    runner = CliRunner()
    url = webhook.url(auth="ops:hunter2@")
    stored = runner.invoke(main, ["contacts", "set-url", "legal"], input=f"{url}\n")
    assert stored.exit_code == 0, stored.output
    assert "hunter2" not in stored.output and "legal: stored in the keyring as json://ops:****@" in stored.output
    listed = runner.invoke(main, ["contacts", "list"])
    assert "legal                Legal department (Legal) → keyring" in listed.output
    sent = runner.invoke(main, ["contacts", "test", "legal"])
    assert sent.exit_code == 0 and "legal: sent" in sent.output
    [(_, _, payload)] = webhook.requests
    assert payload["title"] == "smwar test"
    assert "removed from the keyring" in runner.invoke(main, ["contacts", "delete-url", "legal"]).output
    failed = runner.invoke(main, ["contacts", "test", "legal"])
    assert failed.exit_code == 1 and "legal: FAILED: no notification address for contact 'legal'" in failed.output


@pytest.mark.parametrize(
    ("url", "said"),
    [("notaurl", "not a notification URL"), ("https://hooks.example/x", "unknown notification service 'https://'")],
)
def test_an_address_apprise_cannot_send_to_is_refused_and_nothing_stored(
    file_keyring: None, url: str, said: str
) -> None:
    runner = CliRunner()
    refused = runner.invoke(main, ["contacts", "set-url", "legal"], input=f"{url}\n")
    assert refused.exit_code == 2 and f"legal: {said}" in refused.output and "nothing was stored" in refused.output
    assert (
        "legal                Legal department (Legal) → keyring"
        not in runner.invoke(main, ["contacts", "list"]).output
    )


def test_no_keyring_is_a_clear_error() -> None:
    keyring.set_keyring(FailKeyring())
    result = CliRunner().invoke(main, ["contacts", "set-url", "legal"], input="json://x:y@127.0.0.1/hook\n")
    assert result.exit_code == 2
    assert "no usable OS keyring" in result.output and "keyrings.alt" in result.output
    assert "x:y" not in result.output


def test_an_unknown_contact_is_named(file_keyring: None) -> None:
    result = CliRunner().invoke(main, ["contacts", "test", "nobody"])
    assert result.exit_code == 2 and "no contact 'nobody' in the runbooks (contacts: pr-advisor," in result.output
