"""Notifications go through real apprise to a real HTTP server on 127.0.0.1: nothing is mocked."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from smwar.notify import SendResult, redact, send

from .conftest import Webhook


def test_a_notification_posts_title_and_body_as_plain_text(webhook: Webhook) -> None:
    body = "AquaPro leaks: 6 mentions in 10 min.\n*not markdown* <b>not html</b> :smile:"
    delivery = send("pr-advisor", webhook.url(), "Incident: water damage", body)
    assert delivery == SendResult("pr-advisor", True, "sent via JSON")
    assert len(webhook.requests) == 1
    method, path, payload = webhook.requests[0]
    assert (method, path) == ("POST", "/hook")
    assert payload["title"] == "Incident: water damage"
    assert payload["message"] == body


def test_a_server_error_names_the_status_and_the_host(webhook: Webhook) -> None:
    delivery = send("legal", webhook.url("/fail"), "t", "b")
    assert delivery == SendResult("legal", False, f"HTTP 500 from 127.0.0.1:{webhook.port}")
    assert len(webhook.requests) == 1, "no retries"


def test_a_closed_port_is_a_quick_connection_refused(closed_port: int) -> None:
    started = time.monotonic()
    delivery = send("legal", f"json://127.0.0.1:{closed_port}/hook", "t", "b")
    assert time.monotonic() - started < 3
    assert not delivery.ok
    assert delivery.detail == f"connection refused by 127.0.0.1:{closed_port}"


def test_the_timeout_bounds_a_silent_server(webhook: Webhook) -> None:
    started = time.monotonic()
    delivery = send("legal", webhook.url("/slow"), "t", "b", timeout=0.5)
    assert time.monotonic() - started < 3
    assert delivery == SendResult("legal", False, f"no answer from 127.0.0.1:{webhook.port} within 0.5s")


@pytest.mark.parametrize("url", [None, "", "   "])
def test_a_contact_without_an_address(url: str | None) -> None:
    assert send("legal", url, "t", "b") == SendResult("legal", False, "no notification address for contact 'legal'")


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("not a url", "not a notification URL (expected e.g. mailtos://… or json://…)"),
        ("nonsense://foo", "unknown notification service 'nonsense://'"),
        (
            "https://hooks.example.com/x",
            "unknown notification service 'https://' (for a webhook use json:// or jsons://)",
        ),
        ("slack://T000", "invalid Slack URL slack://****: An invalid Slack (second) Token (None) was specified"),
        ("json://", "invalid JSON URL json://****"),
    ],
)
def test_an_unusable_url_says_what_is_wrong(url: str, detail: str) -> None:
    assert send("legal", url, "t", "b") == SendResult("legal", False, detail)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("json://127.0.0.1:8765/hook", "json://127.0.0.1:8765/hook"),
        ("json://127.0.0.1:8765/hook?method=PUT", "json://127.0.0.1:8765/hook?method=PUT"),
        ("json://ops:hunter22@127.0.0.1:8765/hook", "json://ops:****@127.0.0.1:8765/hook"),
        ("jsons://hooks.example.com/services/T000/B000/XXSECRET", "jsons://hooks.example.com/services/****/****/****"),
        ("json://127.0.0.1/hook?+Authorization=Bearer%20s3cr3t", "json://127.0.0.1/hook?%2BAuthorization=****"),
        ("mailtos://user:pass@host", "mailtos://user:****@host"),
        ("mailtos://ops:app-pw@example.com?to=pr@example.com", "mailtos://ops:****@example.com/pr%40example.com"),
        ("https://u:pw@hooks.example.com/services/abc123?sig=xyz789", "https://u:****@hooks.example.com/****?sig=****"),
        ("nonsense://T000/B000", "nonsense://****/****"),
        ("not a url", "****"),
    ],
)
def test_redact_masks_secrets_and_keeps_the_rest_readable(url: str, expected: str) -> None:
    assert redact(url) == expected


@pytest.mark.parametrize(
    ("url", "secrets", "kept"),
    [
        (
            "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general",
            ["JJ3T3L", "BRTD4J", "ajkdnlazkc"],
            "slack://",
        ),
        ("ntfys://ntfy.sh/incidents?token=tk_abcdef123456", ["abcdef123456"], "ntfy.sh/incidents"),
        ("matrixs://bot:hunter22@matrix.example.org/!room:example.org", ["hunter22"], "bot:****@matrix.example.org"),
        ("discord://1234567/ABCDEFGHIJKLMN", ["CDEFGHIJKL"], "discord://"),
    ],
)
def test_redact_uses_apprise_privacy_for_service_tokens(url: str, secrets: list[str], kept: str) -> None:
    shown = redact(url)
    assert kept in shown
    assert not [secret for secret in secrets if secret in shown]


def test_a_failing_delivery_never_shows_the_password(webhook: Webhook, closed_port: int) -> None:
    password = "hunter22-S3cret"
    urls = [
        webhook.url("/fail", auth=f"ops:{password}@"),
        f"json://ops:{password}@127.0.0.1:{closed_port}/hook",
        f"mailtos://ops:{password}@host",  # apprise rejects it and quotes the URL in its error
        f"json://ops:{password}@127.0.0.1:{webhook.port}/hook?method={password}",
    ]
    for url in urls:
        delivery = send("legal", url, "t", "b")
        assert not delivery.ok
        assert password not in delivery.detail
        assert delivery.detail
    assert webhook.requests, "the first URL did reach the server"


def test_concurrent_deliveries_keep_their_own_reasons(webhook: Webhook, closed_port: int) -> None:
    urls = [webhook.url("/fail"), f"json://127.0.0.1:{closed_port}/hook", webhook.url()] * 4
    with ThreadPoolExecutor(max_workers=6) as pool:
        details = list(pool.map(lambda url: send("c", url, "t", "b").detail, urls))
    expected = [
        f"HTTP 500 from 127.0.0.1:{webhook.port}",
        f"connection refused by 127.0.0.1:{closed_port}",
        "sent via JSON",
    ]
    assert details == expected * 4


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("http://[::1", "unknown notification service 'http://' (for a webhook use json:// or jsons://)"),
        ("json://127.0.0.1:99999999/x", "invalid host or port 127.0.0.1:99999999"),
        ("json://\x00/x", "invalid JSON URL json://****/****"),
    ],
)
def test_send_never_raises(url: str, detail: str) -> None:
    assert send("legal", url, "t", "b", timeout=1) == SendResult("legal", False, detail)
