"""A service's own token: the local issuer's client-credentials grant, cached until shortly before expiry and
fetched once for any number of concurrent callers (shared.web.service_identity)."""

from __future__ import annotations

import asyncio

import httpx
import jwt
import pytest

from deploy.local import issuer
from shared.web.service_identity import ServiceIdentity, TokenUnavailable

ISSUER = "http://issuer.test"


@pytest.fixture(scope="module")
def issuer_app(tmp_path_factory):
    key = issuer.load_or_create_key(tmp_path_factory.mktemp("issuer") / "key.pem")
    return issuer.app(key, ISSUER)


class Counting(httpx.ASGITransport):
    def __init__(self, app) -> None:
        super().__init__(app)
        self.tokens = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.tokens += request.url.path == "/token"
        return await super().handle_async_request(request)


async def test_client_credentials_grant_gives_a_notifier_token_fetched_once(issuer_app) -> None:
    transport = Counting(issuer_app)
    identity = ServiceIdentity(ISSUER, "notifier", "notifier-local-secret", transport=transport)
    tokens = await asyncio.gather(*[identity.token() for _ in range(20)])
    assert len(set(tokens)) == 1 and transport.tokens == 1
    claims = jwt.decode(tokens[0], options={"verify_signature": False})
    assert claims["roles"] == ["notifier"] and claims["sub"] == "service-notifier" and "organisation" not in claims
    await identity.token()
    assert transport.tokens == 1  # cached
    identity.forget(tokens[0])
    await identity.token()
    assert transport.tokens == 2


async def test_a_wrong_secret_is_refused_and_the_json_form_still_works(issuer_app) -> None:
    with pytest.raises(TokenUnavailable, match="401"):
        await ServiceIdentity(ISSUER, "notifier", "guess", transport=httpx.ASGITransport(issuer_app)).token()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(issuer_app), base_url=ISSUER) as http:
        local = await http.post("/token", json={"role": "staff"})
        assert local.status_code == 200 and local.json()["token_type"] == "Bearer"
        grant = await http.post("/token", data={"grant_type": "password", "client_id": "notifier"})
        assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
