"""The inbound webhook: a local HTTP endpoint that listening tools and automations POST
mentions to, each request signed with an HMAC over its body.

POST a JSON object (one mention, the fields of a JSONL line) or an array of them, with the
header `X-Smwar-Signature: sha256=<hex HMAC-SHA256 of the raw body>` made with the secret
kept in the OS keyring (`smwar auth set webhook:<source id>`). Answers: 202 with how many were taken,
401 for a missing or wrong signature, 413 for a body over the limit, 400 for a signed body
that is not mentions (it is quarantined with its bytes and the reason).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from smwar.sources.base import Batch, SourceError
from smwar.sources.jsonl import content_id, mention_from
from smwar.sources.settings import WebhookSettings

if TYPE_CHECKING:
    from aiohttp import web

SIGNATURE_HEADER = "X-Smwar-Signature"
NETWORK = "webhook"


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookSource:
    network = NETWORK

    def __init__(self, settings: WebhookSettings, secret: str | None) -> None:
        self.id = settings.id
        self.settings = settings
        self._secret = secret
        self._queue: asyncio.Queue[Batch] = asyncio.Queue()
        self.port: int | None = None  # the port listened on, once started (settings may say 0)
        self.refused = 0

    async def run(self, cursor: str | None) -> AsyncIterator[Batch]:
        if not self._secret:
            raise SourceError(f"no signing secret: set one with `smwar auth set webhook:{self.id}`", fatal=True)
        from aiohttp import web  # the server's library, loaded only where a webhook listens

        app = web.Application(client_max_size=self.settings.max_bytes)
        app.router.add_post(self.settings.path, self._receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.settings.host, self.settings.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise SourceError(f"cannot listen on {self.settings.host}:{self.settings.port}: {exc.strerror}") from None
        self.port = runner.addresses[0][1]
        try:
            yield Batch()  # listening: the source is live
            while True:
                yield await self._queue.get()
        finally:
            await runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        from aiohttp import web

        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            self.refused += 1
            return web.json_response({"error": f"body over {self.settings.max_bytes} bytes"}, status=413)
        assert self._secret is not None
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(given.encode(), sign(self._secret, body).encode()):
            self.refused += 1
            return web.json_response({"error": f"missing or wrong {SIGNATURE_HEADER}"}, status=401)
        now = datetime.now(UTC)
        try:
            decoded = json.loads(body)
            items = decoded if isinstance(decoded, list) else [decoded]
            mentions = [
                mention_from(item, now, content_id(json.dumps(item, sort_keys=True).encode()), NETWORK)
                for item in items
            ]
        except (ValueError, RecursionError) as exc:  # not JSON, or not mentions: keep the bytes and say why
            await self._queue.put(Batch(quarantined=[(body, str(exc))]))
            return web.json_response({"error": str(exc)}, status=400)
        await self._queue.put(Batch(mentions=mentions))
        return web.json_response({"accepted": len(mentions)}, status=202)
