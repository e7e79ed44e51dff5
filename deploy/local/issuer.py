"""A small OIDC-compatible token issuer for local use (`make run`, the tests), built on PyJWT + cryptography.

    GET  /.well-known/openid-configuration   discovery: issuer, jwks_uri, token_endpoint
    GET  /jwks.json                          the public signing key (RS256, kid = its RFC 7638 thumbprint)
    POST /token  {"role": "agency:AMDIE", "subject": "..."}   a signed access token (LOCAL USE ONLY: no login)
    POST /token  grant_type=client_credentials&client_id=notifier&client_secret=...   (form-encoded, RFC 6749 §4.4)
                 the standard grant, for the configured service clients (CLIENTS below); 401 invalid_client else

The RSA key is generated once into the stack folder and reused, so tokens survive a restart. Production plugs the
operator's own IdP (Keycloak, Auth0, Entra ID) into the same OIDC_* settings instead; see the README.

    python -m deploy.local.issuer --port 8008 --key .stack/issuer/signing-key.pem
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import hmac
import json
import os
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qsl

import jwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from shared.contracts.actors import Role

ALGORITHM = "RS256"
AUDIENCE = "tijara"
NEEDS_ORGANISATION = {Role.SUPPLIER, Role.PARTNER, Role.AGENCY, Role.INSPECTION}
SERVICE_TOKEN_SECONDS = 300


def clients() -> dict[str, tuple[str, str]]:
    """The service clients of the client-credentials grant: client id -> (secret, role). The secret comes from the
    environment (the dev default is for the local stack only; Keycloak's realm holds the same client)."""
    return {"notifier": (os.environ.get("NOTIFIER_CLIENT_SECRET", "notifier-local-secret"), "notifier")}


@functools.cache
def load_or_create_key(path: Path) -> rsa.RSAPrivateKey:
    """Cached: loading an RSA private key checks it, which costs tens of milliseconds."""
    if path.exists():
        return serialization.load_pem_private_key(path.read_bytes(), password=None)  # type: ignore[return-value]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)
    return key


def public_jwk(key: rsa.RSAPrivateKey) -> dict:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    return {**jwk, "kid": kid, "alg": ALGORITHM, "use": "sig"}


def parse_role(spec: str) -> tuple[Role, str | None]:
    """'staff', 'operator', 'agency:AMDIE', 'inspection:SGS', 'partner:clementia', 'supplier:<id>'."""
    name, _, organisation = spec.partition(":")
    try:
        role = Role(name.strip().lower())
    except ValueError:
        role = None
    if role is None or role is Role.SYSTEM:
        raise ValueError(f"unknown role {name!r}; use staff, operator, agency:<name>, inspection:<name>, "
                         "partner:<name> or supplier:<id>")
    if role in NEEDS_ORGANISATION and not organisation:
        raise ValueError(f"the role {role.value} needs its organisation, e.g. {role.value}:<name>")
    return role, organisation or None


def mint(key: rsa.RSAPrivateKey, issuer: str, spec: str, subject: str | None = None, lifetime: int = 3600,
         audience: str = AUDIENCE) -> str:
    role, organisation = parse_role(spec)
    now = int(time.time())
    claims = {"iss": issuer, "aud": audience, "sub": subject or f"{role.value}-{organisation or 'user'}",
              "iat": now, "nbf": now, "exp": now + lifetime, "jti": uuid.uuid4().hex, "roles": [role.value]}
    if organisation:
        claims["organisation"] = organisation
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": public_jwk(key)["kid"]})


class TokenRequest(BaseModel):
    role: str = Field(description="staff, operator, agency:AMDIE, inspection:SGS, partner:clementia, supplier:<id>")
    subject: str | None = Field(None, max_length=200)
    lifetime_seconds: int = Field(3600, ge=60, le=24 * 3600)


def app(key: rsa.RSAPrivateKey, issuer: str) -> FastAPI:
    issuer = issuer.rstrip("/")
    api = FastAPI(title="Tijara local token issuer", description="For local use only: tokens without a login.")
    jwks = {"keys": [public_jwk(key)]}

    @api.get("/.well-known/openid-configuration")
    async def discovery() -> dict:
        return {"issuer": issuer, "jwks_uri": f"{issuer}/jwks.json", "token_endpoint": f"{issuer}/token",
                "id_token_signing_alg_values_supported": [ALGORITHM], "response_types_supported": ["token"],
                "subject_types_supported": ["public"], "grant_types_supported": ["client_credentials"]}

    @api.get("/jwks.json")
    async def keys() -> dict:
        return jwks

    @api.post("/token")
    async def token(request: Request) -> JSONResponse:
        """JSON {role, subject} for local use, or the standard form-encoded client_credentials grant."""
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return client_credentials(dict(parse_qsl((await request.body()).decode(errors="replace"))))
        try:
            asked = TokenRequest.model_validate_json(await request.body())
            access = mint(key, issuer, asked.role, asked.subject, asked.lifetime_seconds)
        except (ValueError, ValidationError) as error:
            return JSONResponse({"error": "invalid_request", "message": str(error)}, status_code=400)
        return JSONResponse({"access_token": access, "token_type": "Bearer", "expires_in": asked.lifetime_seconds})

    def client_credentials(form: dict) -> JSONResponse:
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        known = clients().get(str(form.get("client_id", "")))
        if known is None or not hmac.compare_digest(known[0].encode(), str(form.get("client_secret", "")).encode()):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        access = mint(key, issuer, known[1], f"service-{form['client_id']}", SERVICE_TOKEN_SECONDS)
        return JSONResponse({"access_token": access, "token_type": "Bearer", "expires_in": SERVICE_TOKEN_SECONDS})

    @api.get("/readyz")
    async def ready() -> dict:
        return {"ready": True}

    return api


def main() -> None:
    parser = argparse.ArgumentParser(description="Local OIDC token issuer for Tijara (local use only).")
    parser.add_argument("--port", type=int, default=8008)
    parser.add_argument("--key", type=Path, required=True, help="PEM file; created if missing")
    parser.add_argument("--issuer", default="", help="the issuer URL (default http://127.0.0.1:<port>)")
    args = parser.parse_args()
    issuer = args.issuer or f"http://127.0.0.1:{args.port}"
    uvicorn.run(app(load_or_create_key(args.key), issuer), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
