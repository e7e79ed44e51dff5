"""One-click unsubscribe (RFC 8058): the link in `List-Unsubscribe` carries the address, signed with the service's
secret (HMAC-SHA256), so the endpoint needs no login and nobody can unsubscribe someone else."""

from __future__ import annotations

import base64
import hashlib
import hmac


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token(address: str, secret: str) -> str:
    body = address.strip().lower().encode()
    return f"{_b64(body)}.{_b64(hmac.new(secret.encode(), body, hashlib.sha256).digest())}"


def address_of(signed: str, secret: str) -> str | None:
    """The address a token was made for, or None if it was not made with `secret`."""
    try:
        body_text, signature = signed.split(".", 1)
        body = _unb64(body_text)
        expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        return body.decode() if hmac.compare_digest(expected, _unb64(signature)) else None
    except (ValueError, UnicodeDecodeError):
        return None
