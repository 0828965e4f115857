"""An authenticated XRPC session with a Bluesky PDS, as the search source holds one: it logs in
with the handle's app password (`com.atproto.server.createSession`) on the first call, and when
the access token has expired it refreshes the session (`refreshSession`), or logs in again if
that is refused, and asks once more."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import httpx

from smwar.sources.base import SourceError, check
from smwar.sources.bluesky_profiles import json_object

Params = dict[str, str] | list[tuple[str, str]]  # an XRPC query's parameters (a list where one repeats)
_EXPIRED = frozenset({"ExpiredToken", "InvalidToken"})


@dataclass(slots=True)
class _Tokens:
    access: str
    refresh: str


class XrpcSession:
    def __init__(self, pds: str, handle: str | None, app_password: str | None) -> None:
        self.pds = pds
        self.handle = handle
        self._app_password = app_password
        self._tokens: _Tokens | None = None

    @property
    def can_log_in(self) -> bool:
        return bool(self.handle and self._app_password)

    async def get(self, client: httpx.AsyncClient, method: str, params: Params) -> dict[str, Any]:
        """The JSON object the query `method` answers, logged in (raises `SourceError` if refused)."""
        if self._tokens is None:
            await self._log_in(client)
        response = await self._authorized_get(client, method, params)
        if _token_expired(response):
            await self._renew(client)
            response = await self._authorized_get(client, method, params)
        check(response, auth_hint="the session was refused even after logging in again")
        return json_object(response, method)

    async def _authorized_get(self, client: httpx.AsyncClient, method: str, params: Params) -> httpx.Response:
        assert self._tokens is not None
        headers = {"Authorization": f"Bearer {self._tokens.access}"}
        return await client.get(f"{self.pds}/xrpc/{method}", params=params, headers=headers)

    async def _log_in(self, client: httpx.AsyncClient) -> None:
        self._tokens = None
        body = {"identifier": self.handle, "password": self._app_password}
        response = await client.post(f"{self.pds}/xrpc/com.atproto.server.createSession", json=body)
        check(response, auth_hint=f"check the handle {self.handle!r} and its app password")
        self._tokens = _tokens_from(response, "createSession")

    async def _renew(self, client: httpx.AsyncClient) -> None:
        """A fresh access token: refresh the session, or log in again if that is refused."""
        assert self._tokens is not None
        headers = {"Authorization": f"Bearer {self._tokens.refresh}"}
        response = await client.post(f"{self.pds}/xrpc/com.atproto.server.refreshSession", headers=headers)
        if response.is_success:
            self._tokens = _tokens_from(response, "refreshSession")
        elif response.status_code in (400, 401):
            await self._log_in(client)
        else:
            check(response)


def _tokens_from(response: httpx.Response, method: str) -> _Tokens:
    data = json_object(response, method)
    access, refresh = data.get("accessJwt"), data.get("refreshJwt")
    if not isinstance(access, str) or not isinstance(refresh, str) or not access or not refresh:
        raise SourceError(f"{method} answered without the session's tokens")
    return _Tokens(access, refresh)


def _token_expired(response: httpx.Response) -> bool:
    """True for the answers a PDS gives to an expired access token: 401, or 400 ExpiredToken."""
    if response.status_code == 401:
        return True
    if response.status_code != 400:
        return False
    with contextlib.suppress(ValueError):
        data = response.json()
        return isinstance(data, dict) and data.get("error") in _EXPIRED
    return False
