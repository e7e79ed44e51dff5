"""The token verifier: signature against the JWKS, rotation, leeway, the algorithm allow-list, claims."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from deploy.local.issuer import mint, public_jwk
from shared.contracts.actors import Role
from shared.web.identity import IdentityProviderUnavailable, TokenVerifier, Unauthenticated

ISSUER = "http://issuer.test"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY, OTHER_KEY = new_key(), new_key()


class Jwks:
    """What the issuer publishes, and how often it was asked."""

    def __init__(self, *keys: rsa.RSAPrivateKey) -> None:
        self.keys = list(keys)
        self.fetches = 0

    async def __call__(self, url: str) -> dict:
        self.fetches += 1
        if url.endswith("openid-configuration"):
            return {"jwks_uri": f"{ISSUER}/jwks.json"}
        return {"keys": [public_jwk(k) for k in self.keys]}


def verifier(jwks: Jwks, **options) -> TokenVerifier:
    return TokenVerifier(ISSUER, "tijara", f"{ISSUER}/jwks.json", fetch=jwks, **options)


def signed(claims: dict, key: rsa.RSAPrivateKey = KEY, **header) -> str:
    base = {"iss": ISSUER, "aud": "tijara", "sub": "u1", "exp": int(time.time()) + 300, "roles": ["staff"]}
    return jwt.encode({**base, **claims}, key, algorithm="RS256", headers={"kid": public_jwk(key)["kid"], **header})


async def refused(check: TokenVerifier, token: str) -> str:
    with pytest.raises(Unauthenticated) as refusal:
        await check.verify(token)
    return refusal.value.message


async def test_a_token_of_the_local_issuer_names_role_and_organisation() -> None:
    caller = await verifier(Jwks(KEY)).caller(mint(KEY, ISSUER, "agency:AMDIE"))
    assert caller.roles == {Role.AGENCY} and caller.organisation == "AMDIE"
    assert caller.acting_as(Role.AGENCY).model_dump(mode="json") == {
        "subject": "agency-AMDIE", "role": "agency", "organisation": "AMDIE"}


async def test_keycloak_roles_claim_and_unknown_roles_ignored() -> None:
    token = signed({"realm_access": {"roles": ["offline_access", "operator"]}, "org": "tijara-ops"})
    caller = await verifier(Jwks(KEY), roles_claim="realm_access.roles", organisation_claim="org").caller(token)
    assert caller.roles == {Role.OPERATOR} and caller.organisation == "tijara-ops"


async def test_a_key_published_just_after_a_fetch_is_accepted_at_once() -> None:
    jwks = Jwks(KEY)
    check = verifier(jwks, refetch_seconds=0.3)
    await check.verify(signed({}))  # the services just fetched
    jwks.keys = [KEY, OTHER_KEY]  # the issuer publishes a new key a moment later
    began = time.monotonic()
    assert (await check.verify(signed({}, OTHER_KEY)))["sub"] == "u1"  # waits for the next allowed fetch
    assert time.monotonic() - began < 1.0 and jwks.fetches == 2
    assert (await check.verify(signed({}, OTHER_KEY)))["sub"] == "u1" and jwks.fetches == 2  # known now


async def test_a_flood_of_unknown_kids_costs_the_issuer_one_fetch_per_refetch_interval() -> None:
    jwks = Jwks(KEY)
    check = verifier(jwks, refetch_seconds=0.2)
    forged = [signed({}, KEY, kid=f"made-up-{i}") for i in range(200)]
    await check.verify(signed({}))
    refusals = await asyncio.gather(*(refused(check, token) for token in forged))
    assert all("does not publish" in r for r in refusals)
    assert jwks.fetches == 2  # the 200 at once shared one fetch
    began = time.monotonic()
    while time.monotonic() - began < 1.0:  # one after another for a second
        await refused(check, signed({}, KEY, kid="made-up"))
    assert jwks.fetches <= 2 + 1.0 / 0.2 + 1


async def test_a_removed_key_is_refused_within_the_cache_lifetime() -> None:
    jwks = Jwks(KEY, OTHER_KEY)
    check = verifier(jwks, cache_seconds=1.0, refetch_seconds=0.2)
    old = signed({}, OTHER_KEY)
    began = time.monotonic()
    await check.verify(old)
    jwks.keys = [KEY]  # the issuer withdraws OTHER_KEY
    while True:
        try:
            await check.verify(old)
        except Unauthenticated as refusal:
            assert "does not publish" in refusal.message
            break
        await asyncio.sleep(0.05)
    assert 1.0 <= time.monotonic() - began <= 1.0 + 0.3  # accepted until the cache lifetime ran out, not after
    assert jwks.fetches == 2  # the fetch at expiry began after the token came: no second one for its kid
    assert (await check.verify(signed({})))["sub"] == "u1"


def test_the_default_bounds_are_the_documented_ones() -> None:
    from shared.settings import ServiceSettings

    check = verifier(Jwks(KEY))
    assert (check.refetch_seconds, check.cache_seconds) == (1.0, 60.0)
    assert TokenVerifier.from_settings(ServiceSettings()).cache_seconds == 60.0  # what the services run with
    assert TokenVerifier.from_settings(ServiceSettings(oidc_jwks_cache_seconds=20)).cache_seconds == 20.0


async def test_concurrent_first_requests_share_one_fetch_and_an_unreachable_issuer_keeps_the_keys() -> None:
    jwks = Jwks(KEY)

    async def slow(url: str) -> dict:
        await asyncio.sleep(0.1)
        return await jwks(url)

    check = verifier(jwks, cache_seconds=0.2)
    check._fetch = slow
    await asyncio.gather(*(check.verify(signed({})) for _ in range(50)))
    assert jwks.fetches == 1

    async def down(url: str) -> dict:
        raise httpx.ConnectError("the issuer is down")

    check._fetch = down
    await asyncio.sleep(0.25)  # the cache lifetime passed; the fetch fails: the keys we hold stay in use
    assert (await check.verify(signed({})))["sub"] == "u1"
    with pytest.raises(IdentityProviderUnavailable):
        await TokenVerifier(ISSUER, "tijara", f"{ISSUER}/jwks.json", fetch=down).verify(signed({}))


async def test_expiry_and_not_before_with_leeway() -> None:
    check = verifier(Jwks(KEY), leeway_seconds=30)
    now = int(time.time())
    assert await check.verify(signed({"exp": now - 10}))  # within the leeway
    assert "expired" in await refused(check, signed({"exp": now - 60}))
    assert "not valid yet" in await refused(check, signed({"nbf": now + 120}))


async def test_wrong_issuer_and_audience() -> None:
    check = verifier(Jwks(KEY))
    assert "not issued by" in await refused(check, signed({"iss": "http://evil.test"}))
    assert "audience" in await refused(check, signed({"aud": "another-app"}))
    assert "'exp'" in await refused(check, jwt.encode({"iss": ISSUER, "aud": "tijara", "sub": "x"}, KEY, "RS256",
                                                     headers={"kid": public_jwk(KEY)["kid"]}))


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_alg_none_hs256_with_the_public_key_and_tampering_are_refused() -> None:
    check = verifier(Jwks(KEY))
    claims = {"iss": ISSUER, "aud": "tijara", "sub": "u1", "exp": int(time.time()) + 300, "roles": ["operator"]}
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    assert "'none'" in await refused(check, unsigned)
    public_pem = KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    header = _b64({"alg": "HS256", "typ": "JWT", "kid": public_jwk(KEY)["kid"]})
    import hashlib
    import hmac

    body = f"{header}.{_b64(claims)}"
    mac = base64.urlsafe_b64encode(hmac.new(public_pem, body.encode(), hashlib.sha256).digest()).rstrip(b"=")
    assert "'HS256'" in await refused(check, f"{body}.{mac.decode()}")
    head, payload, signature = signed({"roles": ["staff"]}).split(".")
    tampered = f"{head}.{_b64({**claims, 'roles': ['operator']})}.{signature}"
    assert "signature" in await refused(check, tampered)
    assert "well-formed" in await refused(check, "not-a-jwt")


async def test_discovery_gives_the_jwks_address() -> None:
    jwks = Jwks(KEY)
    check = TokenVerifier(ISSUER, "tijara", fetch=jwks)
    assert (await check.verify(signed({})))["sub"] == "u1" and jwks.fetches == 2


async def test_the_local_issuer_speaks_enough_oidc_for_the_verifier(tmp_path) -> None:
    import httpx

    from deploy.local import issuer as local_issuer

    key = local_issuer.load_or_create_key(tmp_path / "key.pem")
    assert local_issuer.load_or_create_key(tmp_path / "key.pem") is key  # generated once, then reused
    app = local_issuer.app(key, ISSUER)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as http:
        async def fetch(url: str) -> dict:
            return (await http.get(url)).raise_for_status().json()

        minted = (await http.post("/token", json={"role": "inspection:TÜV Rheinland"})).json()
        assert minted["token_type"] == "Bearer"
        caller = await TokenVerifier(ISSUER, "tijara", fetch=fetch).caller(minted["access_token"])
        assert caller.roles == {Role.INSPECTION} and caller.organisation == "TÜV Rheinland"
        refused = await http.post("/token", json={"role": "agency"})
        assert refused.status_code == 400 and "organisation" in refused.json()["message"]
        assert (await http.post("/token", json={"role": "system"})).status_code == 400


def test_make_run_honours_oidc_settings_from_the_environment(monkeypatch) -> None:
    """deploy/local/marketplace.py defaults the services to the local issuer, never over what the operator set."""
    from deploy.local.marketplace import Marketplace

    monkeypatch.delenv("OIDC_ISSUER", raising=False)
    local = Marketplace("kafka:9092", "mongodb://store/", issuer_port=18008)
    assert local.local_issuer and local.env("onboarding")["OIDC_ISSUER"] == "http://127.0.0.1:18008"
    monkeypatch.setenv("OIDC_ISSUER", "http://127.0.0.1:8180/realms/tijara")
    monkeypatch.setenv("OIDC_ROLES_CLAIM", "realm_access.roles")
    keycloak = Marketplace("kafka:9092", "mongodb://store/", issuer_port=18008)
    env = keycloak.env("catalogue")
    assert not keycloak.local_issuer and keycloak.oidc_issuer == env["OIDC_ISSUER"] == os.environ["OIDC_ISSUER"]
    assert env["OIDC_ROLES_CLAIM"] == "realm_access.roles"
