"""Who is calling: OIDC bearer JWTs verified with PyJWT against the issuer's JWKS, and the FastAPI dependencies that
turn a verified token into an `Actor` or a clear refusal.

- Signature against the issuer's JWKS, fetched with httpx (never blocking the loop). Key rotation has two bounds:
  a key the issuer publishes is accepted on its first token (an unknown key id makes us fetch the JWKS again; such
  fetches are at least `refetch_seconds`, 1 s, apart, and a token arriving sooner waits for the next one rather
  than being refused), and a key the issuer stops publishing is refused at most `cache_seconds` (60 s by default,
  OIDC_JWKS_CACHE_SECONDS) after: the JWKS is fetched again, before the token is checked, when its last fetch began
  longer ago than that. Fetches are single-flight: the requests waiting for keys share one fetch, so a flood of
  made-up key ids costs the issuer one fetch a second.
  If the issuer cannot be reached, the keys we hold stay in use and are asked for again a minute later.
- `iss`, `aud`, `exp`, `nbf` checked with a small leeway; only asymmetric algorithms from ALLOWED_ALGORITHMS are
  accepted (never `none`, never HS*: an HS256 token "signed" with our public key is refused before any key is used).
- Roles are read from a configurable claim (dotted path: `roles`, or Keycloak's `realm_access.roles`); the
  organisation (supplier id, agency, inspection body, partner) from another (`organisation` by default).
Refusals: `Unauthenticated` (401 with RFC 6750's `WWW-Authenticate`) and `errors.NotAllowed` (403, naming the role).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.contracts.actors import Actor, Role
from shared.errors import NotAllowed

log = logging.getLogger(__name__)
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
TOKEN_ROLES = tuple(r for r in Role if r is not Role.SYSTEM)


class Unauthenticated(Exception):
    """No usable token: 401. `reason` is None when no token was sent (RFC 6750 §3.1: then no error code)."""

    def __init__(self, message: str, reason: str | None = "invalid_token") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason

    def challenge(self) -> str:
        if self.reason is None:
            return 'Bearer realm="tijara"'
        description = self.message.replace('"', "'")
        return f'Bearer realm="tijara", error="{self.reason}", error_description="{description}"'


class IdentityProviderUnavailable(Exception):
    """The issuer's keys cannot be fetched: the caller may retry (503), its token may be fine."""


@dataclass(frozen=True)
class Caller:
    """A verified token: its subject, the marketplace roles it carries and the organisation it names."""

    subject: str
    roles: frozenset[Role]
    organisation: str | None

    def acting_as(self, role: Role) -> Actor:
        return Actor(subject=self.subject, role=role, organisation=self.organisation)


JwksFetcher = Callable[[str], Awaitable[dict]]


async def fetch_json(url: str) -> dict:
    async with httpx.AsyncClient(timeout=5.0) as client:
        answer = await client.get(url)
        answer.raise_for_status()
        return answer.json()


class TokenVerifier:
    def __init__(self, issuer: str, audience: str, jwks_url: str = "", *, roles_claim: str = "roles",
                 organisation_claim: str = "organisation", leeway_seconds: float = 30.0,
                 refetch_seconds: float = 1.0, cache_seconds: float = 60.0, fetch: JwksFetcher = fetch_json) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.jwks_url = jwks_url
        self.roles_claim = roles_claim
        self.organisation_claim = organisation_claim
        self.leeway = leeway_seconds
        self.refetch_seconds = refetch_seconds
        self.cache_seconds = cache_seconds
        self._fetch = fetch
        self._keys: dict[str, tuple[jwt.PyJWK, str | None]] = {}  # kid -> (key, the alg the JWKS declares)
        self._fetched_at = float("-inf")  # when the last fetch began (monotonic)
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Any) -> TokenVerifier:
        return cls(settings.oidc_issuer, settings.oidc_audience, settings.oidc_jwks_url,
                   roles_claim=settings.oidc_roles_claim, organisation_claim=settings.oidc_organisation_claim,
                   leeway_seconds=settings.oidc_leeway_seconds, cache_seconds=settings.oidc_jwks_cache_seconds)

    async def caller(self, token: str) -> Caller:
        claims = await self.verify(token)
        roles = _claim(claims, self.roles_claim)
        names = roles if isinstance(roles, list) else [roles] if isinstance(roles, str) else []
        organisation = _claim(claims, self.organisation_claim)
        return Caller(subject=str(claims["sub"]), roles=frozenset(Role(r) for r in names if r in TOKEN_ROLES),
                      organisation=str(organisation) if organisation else None)

    async def verify(self, token: str) -> dict:
        """The token's claims, or Unauthenticated saying what is wrong with it."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise Unauthenticated("the bearer token is not a well-formed JWT") from None
        algorithm = header.get("alg")
        if algorithm not in ALLOWED_ALGORITHMS:
            raise Unauthenticated(f"tokens signed with {algorithm!r} are not accepted; "
                                  f"accepted: {', '.join(ALLOWED_ALGORITHMS)}")
        key, declared = await self._key(header.get("kid"))
        if declared and declared != algorithm:
            raise Unauthenticated(f"key {key.key_id} is for {declared}, the token says {algorithm}")
        try:
            return jwt.decode(token, key.key, algorithms=[algorithm], audience=self.audience, issuer=self.issuer,
                              leeway=self.leeway, options={"require": ["exp", "iss", "aud", "sub"]})
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired; get a new one") from None
        except jwt.ImmatureSignatureError:
            raise Unauthenticated("the token is not valid yet (nbf in the future)") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated(f"the token is not for this audience (expected {self.audience!r})") from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated(f"the token was not issued by {self.issuer}") from None
        except jwt.MissingRequiredClaimError as error:
            raise Unauthenticated(f"the token has no {error.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("the token's signature does not verify") from None
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"the token is invalid: {error}") from None

    async def _key(self, kid: str | None) -> tuple[jwt.PyJWK, str | None]:
        arrived = time.monotonic()
        if arrived - self._fetched_at > self.cache_seconds:  # a removed key goes within cache_seconds
            await self._refresh(arrived - self.cache_seconds)
        key = self._find(kid)
        if key is None:  # perhaps published since the last fetch began (unless that was after this token came)
            await self._refresh(arrived, gap=self.refetch_seconds)
            key = self._find(kid)
        if key is None:
            raise Unauthenticated(f"the token was signed with a key the issuer does not publish (kid {kid!r})")
        return key

    def _find(self, kid: str | None) -> tuple[jwt.PyJWK, str | None] | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid or "")

    async def _refresh(self, fresh_after: float, gap: float = 0.0) -> None:
        """Fetch the JWKS unless the last fetch began after `fresh_after` (single flight: the requests queued here
        share the one that ran while they waited), no sooner than `gap` seconds after the previous one began."""
        async with self._lock:
            if self._fetched_at >= fresh_after:
                return
            wait = self._fetched_at + gap - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            began = time.monotonic()
            try:
                url = self.jwks_url or await self._discover()
                keys = _signing_keys(await self._fetch(url))
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                if self._keys:  # keep the keys we have; ask again after cache_seconds (or for an unknown kid)
                    log.warning("could not refresh the issuer's JWKS: %s", error)
                    self._fetched_at = began
                    return
                raise IdentityProviderUnavailable(f"the identity provider's keys are unreachable: {error}") from None
            self._keys = keys
            self._fetched_at = began

    async def _discover(self) -> str:
        """The JWKS address from the issuer's OpenID discovery document, else `<issuer>/jwks.json`."""
        try:
            return (await self._fetch(f"{self.issuer}/.well-known/openid-configuration"))["jwks_uri"]
        except (httpx.HTTPError, ValueError, KeyError):
            return f"{self.issuer}/jwks.json"


def _signing_keys(jwks: dict) -> dict[str, tuple[jwt.PyJWK, str | None]]:
    """kid -> key for the JWKS's signing keys; keys PyJWT cannot use (unknown kty, encryption keys) are skipped."""
    keys = {}
    for data in jwks["keys"]:
        if data.get("use", "sig") != "sig":
            continue
        try:
            keys[data.get("kid", "")] = (jwt.PyJWK(data), data.get("alg"))
        except jwt.PyJWTError:
            log.warning("skipping a JWKS key PyJWT cannot use: kid %s, kty %s", data.get("kid"), data.get("kty"))
    if not keys:
        raise ValueError("the JWKS has no usable signing key")
    return keys


def _claim(claims: dict, path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


# --- FastAPI ------------------------------------------------------------------------------------------------------

bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                    description="An access token from the identity provider (locally: `tijara local token --role staff`).")


async def caller(request: Request,
                 credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller | None:
    """The verified caller, or None when no Authorization header was sent."""
    if credentials is None:
        if request.headers.get("authorization"):
            raise Unauthenticated("send the token as 'Authorization: Bearer <token>'", "invalid_request")
        return None
    return await request.app.state.verifier.caller(credentials.credentials)


def require(*roles: Role) -> Callable[..., Awaitable[Actor]]:
    """A dependency answering the Actor in the first of `roles` the caller holds; 401 without a token, 403 without
    the role. Use as `actor: Annotated[Actor, Depends(require(Role.STAFF))]`."""
    names = " or ".join(r.value for r in roles)

    async def dependency(found: Annotated[Caller | None, Depends(caller)]) -> Actor:
        if found is None:
            raise Unauthenticated(f"this needs a bearer token with the role {names}", None)
        for role in roles:
            if role in found.roles:
                if role in (Role.SUPPLIER, Role.AGENCY, Role.INSPECTION, Role.PARTNER) and not found.organisation:
                    raise NotAllowed(f"a {role.value} token must name its organisation", required_role=names)
                return found.acting_as(role)
        held = ", ".join(sorted(r.value for r in found.roles)) or "no marketplace role"
        raise NotAllowed(f"this needs the role {names}; your token has {held}", required_role=names)

    return dependency
