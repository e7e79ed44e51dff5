"""A service acting on its own identity: an OAuth2 client-credentials token (RFC 6749 §4.4) from the operator's
identity provider, kept until shortly before it expires, fetched once however many requests need it at the same
moment (single flight). The token endpoint comes from the issuer's discovery document
(`/.well-known/openid-configuration`), so Keycloak, Auth0, Entra ID and the local issuer are configured alike.

    identity = ServiceIdentity(issuer, client_id, client_secret)
    async with httpx.AsyncClient(auth=identity.auth()) as http:   # Authorization: Bearer <token>; one refresh on 401
        ...
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator

import httpx

REFRESH_BEFORE_SECONDS = 30.0  # a token this close to its expiry is replaced before use (clock skew, slow calls)


class TokenUnavailable(Exception):
    """The identity provider refused the client or could not be reached."""


class ServiceIdentity:
    def __init__(self, issuer: str, client_id: str, client_secret: str, *, scope: str = "",
                 timeout: float = 10.0, transport: httpx.AsyncBaseTransport | None = None,
                 token_endpoint: str = "") -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self._scope = scope
        self._timeout = timeout
        self._transport = transport  # tests: the issuer in-process (httpx.ASGITransport)
        self._token_endpoint = token_endpoint or None  # given: no discovery (an issuer named by another host)
        self._token: str | None = None
        self._expires_at = 0.0  # time.monotonic()
        self._fetching: asyncio.Lock | None = None

    async def token(self) -> str:
        """A valid access token: the cached one, or a new one (one request whatever the number of callers)."""
        if self._fresh():
            return self._token  # type: ignore[return-value]
        self._fetching = self._fetching or asyncio.Lock()
        async with self._fetching:
            if not self._fresh():  # another caller fetched it while this one waited
                await self._fetch()
        return self._token  # type: ignore[return-value]

    def forget(self, token: str) -> None:
        """The token was refused (revoked, keys rotated): the next call fetches another."""
        if token == self._token:
            self._token, self._expires_at = None, 0.0

    def auth(self) -> httpx.Auth:
        return _BearerAuth(self)

    def _fresh(self) -> bool:
        return self._token is not None and time.monotonic() < self._expires_at - REFRESH_BEFORE_SECONDS

    async def _fetch(self) -> None:
        form = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self._secret}
        if self._scope:
            form["scope"] = self._scope
        try:
            async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport) as http:
                endpoint = self._token_endpoint or await self._discover(http)
                asked_at = time.monotonic()
                answer = await http.post(endpoint, data=form, headers={"Accept": "application/json"})
        except httpx.HTTPError as error:
            raise TokenUnavailable(f"identity provider unreachable: {error!r}") from error
        if answer.status_code != 200:
            raise TokenUnavailable(f"token endpoint answered {answer.status_code}: {answer.text[:200]}")
        body = answer.json()
        self._token = body["access_token"]
        self._expires_at = asked_at + float(body.get("expires_in", 300))

    async def _discover(self, http: httpx.AsyncClient) -> str:
        found = await http.get(f"{self.issuer}/.well-known/openid-configuration")
        found.raise_for_status()
        self._token_endpoint = found.json()["token_endpoint"]
        return self._token_endpoint


class _BearerAuth(httpx.Auth):
    """httpx's auth hook: the service's token on each request; on a 401, one more try with a new token."""

    def __init__(self, identity: ServiceIdentity) -> None:
        self.identity = identity

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.identity.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            self.identity.forget(token)
            request.headers["Authorization"] = f"Bearer {await self.identity.token()}"
            yield request

    def sync_auth_flow(self, request: httpx.Request):  # noqa: ANN201 - async clients only
        raise RuntimeError("ServiceIdentity works with httpx.AsyncClient")
