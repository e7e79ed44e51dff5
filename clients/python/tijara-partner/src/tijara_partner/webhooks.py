"""Verify a receipt pushed to your HTTPS endpoint (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
`webhook-signature`). Uses the `standardwebhooks` package when it is installed (`tijara-partner[webhooks]`);
otherwise the same check, written out below from the specification (https://www.standardwebhooks.com/).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from tijara_partner.events import Receipt

TOLERANCE_SECONDS = 5 * 60
SECRET_PREFIX = "whsec_"


class WebhookInvalid(Exception):
    """The request is not a webhook Tijara signed with your secret (or it is older or newer than five minutes)."""


def verify_webhook(secret: str, body: bytes, headers: Mapping[str, str]) -> Receipt:
    """The receipt a webhook request carries, once its signature and time are verified; else WebhookInvalid.

    `body` is the raw request body, exactly as received; `secret` is the `whsec_...` secret of your endpoint.
    """
    try:
        from standardwebhooks.webhooks import Webhook, WebhookVerificationError
    except ImportError:
        return _receipt(_verify(secret, body, headers, time.time()))
    try:
        return _receipt(Webhook(secret).verify(body, dict(headers)))
    except (WebhookVerificationError, ValueError) as error:
        raise WebhookInvalid(str(error)) from None


def _receipt(payload: dict[str, Any]) -> Receipt:
    # the Standard Webhooks payload shape ({"type", "timestamp", "data"}) or the bare receipt
    return Receipt.of(payload["data"] if isinstance(payload.get("data"), dict) else payload)


def _verify(secret: str, body: bytes, headers: Mapping[str, str], now: float) -> dict[str, Any]:
    lower = {name.lower(): value for name, value in headers.items()}
    msg_id, stamp, signatures = (lower.get(f"webhook-{n}", "") for n in ("id", "timestamp", "signature"))
    if not (msg_id and stamp and signatures):
        raise WebhookInvalid("missing webhook-id, webhook-timestamp or webhook-signature")
    if not stamp.isdigit() or abs(now - int(stamp)) > TOLERANCE_SECONDS:
        raise WebhookInvalid("webhook-timestamp is not within five minutes of now")
    expected = "v1," + base64.b64encode(hmac.new(base64.b64decode(secret.removeprefix(SECRET_PREFIX)),
                                                 f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()).decode()
    if not any(hmac.compare_digest(expected, given) for given in signatures.split(" ")):
        raise WebhookInvalid("no webhook-signature matches the body with your secret")
    return json.loads(body)
