"""Send incident notifications through apprise.

apprise speaks to over a hundred services through one URL syntax: mail (``mailto://``,
``mailtos://user:pass@example.com``), Slack (``slack://…``), Microsoft Teams (``workflows://…``),
Matrix (``matrixs://user:pass@host/#room``), ntfy (``ntfys://host/topic``), generic webhooks
(``json://``, ``form://``, ``xml://``) and many more. Most such URLs carry secrets (passwords,
tokens, webhook keys), so they belong in the OS keyring, not in runbooks or the journal. The
engine decides where a contact's URL comes from; this module only sends, and it shows URLs only
through `redact`.

`send` never raises: every failure becomes a `SendResult` with ``ok=False`` and a short reason a
person can act on. It blocks for at most about ``timeout`` seconds, so call it from a worker
thread. apprise explains failures only in its log, so at import this module takes over the
``apprise`` logger: every level is recorded (each notify call captures its own records in its
result) and nothing propagates to the application's handlers, because apprise's debug records
contain the message text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    import apprise

MASK = "****"  # what apprise itself prints in place of a password
_MAX_DETAIL = 200
_HTTP_STATUS = re.compile(r"\berror=(\d{3})\b")
_CAUSES = (  # read from apprise's "Socket Exception: …" lines, first match wins
    (re.compile(r"refused", re.I), "connection refused by {where}"),
    (re.compile(r"failed to parse|invalid url|not a valid", re.I), "invalid host or port {where}"),
    (re.compile(r"timed? ?out", re.I), "no answer from {where} within {timeout}s"),
    (re.compile(r"resolution|resolve|name or service|nodename|getaddrinfo", re.I), "cannot look up {where} (DNS)"),
    (re.compile(r"certificate|ssl|tls", re.I), "TLS/certificate error with {where}"),
    (re.compile(r"unreachable|no route", re.I), "no network route to {where}"),
    (re.compile(r"reset|aborted|disconnected", re.I), "connection to {where} was reset"),
    (re.compile(r"authenticat|\b535\b", re.I), "authentication failed at {where}"),
)
_WEBHOOKS = ("json", "form", "xml")
_SECRET_SPLIT = re.compile(r"[/:@?&=#+,;\s]+")


@cache
def _apprise() -> ModuleType:
    """apprise, loaded when a notification is first sent or shown (it takes a while to load its
    plugins), its own log kept out of ours: its lines are read from each result instead."""
    import apprise

    log = logging.getLogger(apprise.LOGGER_NAME)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    log.addHandler(logging.NullHandler())
    return apprise


@dataclass(frozen=True, slots=True)
class SendResult:
    """The outcome of one notification to one contact; `detail` never contains a secret."""

    contact_id: str
    ok: bool
    detail: str


def send(contact_id: str, url: str | None, title: str, body: str, *, timeout: float = 10.0) -> SendResult:
    """Send `title` and `body` as plain text to the apprise `url`; never raises."""
    if url is None or not url.strip():
        return SendResult(contact_id, False, f"no notification address for contact {contact_id!r}")
    url = url.strip()
    try:
        ok, detail = _deliver(url, title, body, timeout)
        return SendResult(contact_id, ok, detail if len(detail) <= _MAX_DETAIL else detail[: _MAX_DETAIL - 1] + "…")
    except Exception as error:  # a misbehaving plugin must not take the engine down
        return SendResult(contact_id, False, f"notification failed ({type(error).__name__})")


def redact(url: str) -> str:
    """`url` with its passwords, tokens and keys masked: safe for logs, the journal and the screen."""
    apprise = _apprise()
    try:
        service = apprise.Apprise.instantiate(url)
        private = urlsplit(service.url(privacy=True)) if service is not None else None
    except Exception:
        private = None
    if private is None:
        return _redact_unknown(url)
    # apprise masks the secrets in its privacy URL but lists every setting: keep those the user wrote
    query_text = url.partition("?")[2].partition("#")[0]
    given = {unquote(pair.partition("=")[0]).lower() for pair in query_text.split("&")}
    query = [
        (key, MASK if key.startswith(("+", "-", ":")) else value)  # apprise shows generic-webhook headers unmasked
        for key, value in parse_qsl(private.query, keep_blank_values=True)
        if key.lower() in given
    ]
    path = private.path
    if private.scheme.lower().rstrip("s") in _WEBHOOKS:
        # a webhook's path often is its key (/services/T000/B000/XXXX): keep only its first part
        head, *rest = path.lstrip("/").split("/")
        path = "/" + "/".join([head, *(MASK for part in rest if part)]) if head else path
    return urlunsplit(private._replace(path=path, query=urlencode(query, safe="*")))


def unusable(url: str) -> str | None:
    """Why apprise could not send to `url` as it is written (None: it could); nothing is sent."""
    service, why = _service(url.strip(), _apprise().AppriseAsset())
    return why if service is None else None


def _service(url: str, asset: apprise.AppriseAsset) -> tuple[apprise.NotifyBase | None, str]:
    """The service `url` names, or None and why not."""
    try:
        service = _apprise().Apprise.instantiate(url, asset=asset, suppress_exceptions=False)
    except Exception as error:  # the plugin rejected its settings and says why
        return None, _unusable(url, _scrub(str(error), url))
    return (service, "") if service is not None else (None, _unusable(url, ""))


def _deliver(url: str, title: str, body: str, timeout: float) -> tuple[bool, str]:
    apprise = _apprise()
    asset = apprise.AppriseAsset(service_timeout=timeout, interpret_emojis=False)
    service, why = _service(url, asset)
    if service is None:
        return False, why
    service.socket_connect_timeout = service.socket_read_timeout = timeout
    service.logger = _own_logger(apprise.LOGGER_NAME)
    where = _where(service)
    result = apprise.Apprise(service, asset=asset).notify(
        body, title, body_format=apprise.NotifyFormat.TEXT, interpret_escapes=False, log_level=logging.DEBUG
    )
    with result:
        if result:
            return True, f"sent via {service.service_name}"
        if result.status is apprise.AppriseResultStatus.TIMEOUT:
            return False, f"no answer from {where} within {timeout:g}s"
        return False, _reason(list(result.logs()), where, timeout, url)


def _own_logger(name: str) -> logging.Logger:
    """A logger of one delivery's own, for its service. apprise keeps a failure's reason by
    adding a handler to the service's logger for the call; on the logger every service shares,
    another thread's delivery adds or removes its handler while a record walks the handlers
    (logging walks the list itself, not a copy), and the record can skip the one that keeps it:
    an HTTP 500 would lose its reason. Nothing propagates, as from the shared one."""
    own = logging.Logger(name, logging.DEBUG)  # not registered: it goes with the delivery
    own.propagate = False
    own.addHandler(logging.NullHandler())  # no "last resort" printing to the terminal
    return own


def _reason(entries: list[apprise.NotifyLogEntry], where: str, timeout: float, url: str) -> str:
    """The most specific cause in apprise's log of a failed notification."""
    warnings = [entry.message for entry in entries if entry.level not in ("DEBUG", "INFO")]
    for message in warnings:
        if status := _HTTP_STATUS.search(message):
            return f"HTTP {status.group(1)} from {where}"
    exceptions = [
        entry.message
        for entry in entries
        if entry.level == "DEBUG" and entry.message.partition(":")[0].endswith("Exception")
    ]
    for pattern, template in _CAUSES:
        if any(pattern.search(message) for message in exceptions):
            return template.format(where=where, timeout=f"{timeout:g}")
    if warnings:
        return f"failed: {_scrub(warnings[0], url).rstrip('.')}"
    return f"{where} did not accept the notification"


def _unusable(url: str, why: str) -> str:
    apprise = _apprise()
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if not scheme:
        return "not a notification URL (expected e.g. mailtos://… or json://…)"
    manager = apprise.NotificationManager()
    if scheme not in manager:
        hint = " (for a webhook use json:// or jsons://)" if scheme in ("http", "https") else ""
        return f"unknown notification service {scheme + '://'!r}{hint}"
    why = why.rstrip(".")
    return f"invalid {manager[scheme].service_name} URL {redact(url)}" + (f": {why}" if why else "")


def _where(service: apprise.NotifyBase) -> str:
    """The host the service talks to, as apprise shows it, or the service's name if that is a secret."""
    host_port = urlsplit(service.url(privacy=True)).netloc.rpartition("@")[2]
    return host_port if host_port and "..." not in host_port and MASK not in host_port else service.service_name


def _redact_unknown(url: str) -> str:
    """A careful mask for a URL apprise cannot load: keep the scheme, user and a host, hide the rest."""
    scheme, sep, rest = url.strip().partition("://")
    if not sep or not scheme:
        return MASK
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo, at, host = netloc.rpartition("@")
    if ":" in userinfo:  # with a password, the part before it is a user name and the part after "@" a host
        auth = f"{userinfo.partition(':')[0]}:{MASK}@"
    else:
        auth = f"{MASK}@" if at else ""
        if not ("." in host or ":" in host or host.startswith("localhost")):
            host = MASK  # a bare word where a host goes is often a token (slack://T000/…)
    path, _, query = rest[len(netloc) :].partition("#")[0].partition("?")
    keys = [pair.partition("=")[0] for pair in query.split("&") if "=" in pair]  # setting names, not values
    return (
        f"{scheme}://{auth}{host}"
        + (f"/{MASK}" if path.strip("/") else "")
        + ("?" + "&".join(f"{key}={MASK}" for key in keys) if keys else "")
    )


def _scrub(message: str, url: str) -> str:
    """Mask in an apprise message every piece of `url` that `redact` hides, in case apprise quoted it."""
    shown = unquote(redact(url))
    secrets = {part for part in _SECRET_SPLIT.split(unquote(url)) if len(part) >= 3 and part not in shown}
    userinfo = re.split(r"[/?#]", url.partition("://")[2], maxsplit=1)[0].rpartition("@")[0]
    if password := userinfo.partition(":")[2]:
        secrets.add(unquote(password))
    for secret in sorted(secrets, key=len, reverse=True):  # whole words only: "pass" may hide in "password"
        message = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", MASK, message)
    return message
