"""How a partner signs what it sends to Tijara. Pure: no I/O, standard library only.

HTTP (`POST /partner-events`): `X-Tijara-Signature: v2=<hex>`, the hex HMAC-SHA256 keyed with the secret's UTF-8
bytes of `<timestamp>.<ce_id>.<ce_type>.<raw body>`: the body, its time, its id and its type are all bound to the key.

Kafka: `tijara_signature: sha256=<hex>`, the hex HMAC-SHA256 of `<ce_id>.<ce_source>.<ce_type>.<value>` keyed with
the *Kafka signing key* -- itself a hex string, HMAC-SHA256(secret, "tijara-kafka-signing-v1"), whose 64 ASCII
characters (not the 32 bytes they spell) are the HMAC key.

docs/partners.md publishes test vectors for both; the test suite checks them against this module and the service.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

KAFKA_SIGNING_CONTEXT = b"tijara-kafka-signing-v1"
ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]+$")
CE_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
KEY_ID_SUFFIX = re.compile(r"-[0-9a-f]{12}$")  # a key id is `<partner id>-<12 hex digits>`


@dataclass(frozen=True)
class PartnerKey:
    """An API key as the operator issued it, `<key id>.<secret>`; its repr never shows the secret."""

    key_id: str
    secret: str = field(repr=False)

    @classmethod
    def parse(cls, key: str) -> PartnerKey:
        key_id, dot, secret = key.strip().rpartition(".")
        if not dot or not ID_PATTERN.fullmatch(key_id) or not re.fullmatch(r"[A-Za-z0-9_-]+", secret):
            raise ValueError("an API key is `<key id>.<secret>`, as `tijara partners issue-key` printed it")
        return cls(key_id, secret)

    @property
    def partner_id(self) -> str:
        """The partner the key was issued to (its key id is `<partner id>-<12 hex digits>`)."""
        if not KEY_ID_SUFFIX.search(self.key_id):
            raise ValueError(f"{self.key_id!r} is not `<partner id>-<12 hex digits>`; pass partner_id explicitly")
        return KEY_ID_SUFFIX.sub("", self.key_id)

    @property
    def header(self) -> str:
        """The value of `X-Tijara-Key`."""
        return f"{self.key_id}.{self.secret}"

    @property
    def kafka_signing_key(self) -> str:
        return kafka_signing_key(self.secret)


def _key(key: PartnerKey | str) -> PartnerKey:
    return key if isinstance(key, PartnerKey) else PartnerKey.parse(key)


def request_signature(secret: str, timestamp: str, ce_id: str, ce_type: str, body: bytes) -> str:
    """`X-Tijara-Signature` of a gateway request: `v2=` + hex HMAC-SHA256(secret, ts.ce_id.ce_type.body)."""
    signed = f"{timestamp}.{ce_id}.{ce_type}.".encode() + body
    return "v2=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def kafka_signing_key(secret: str) -> str:
    """The hex key a partner signs Kafka records with, derived from its API key's secret."""
    return hmac.new(secret.encode(), KAFKA_SIGNING_CONTEXT, hashlib.sha256).hexdigest()


def record_signature(signing_key: str, ce_id: str, ce_source: str, ce_type: str, value: bytes) -> str:
    """`tijara_signature` of a Kafka record: `sha256=` + hex HMAC-SHA256(signing key as text, id.source.type.value)."""
    signed = f"{ce_id}.{ce_source}.{ce_type}.".encode() + value
    return "sha256=" + hmac.new(signing_key.encode(), signed, hashlib.sha256).hexdigest()


def encode_event(event: Mapping[str, object] | bytes) -> bytes:
    """The body or value as sent: bytes as given, a mapping as compact UTF-8 JSON."""
    if isinstance(event, bytes):
        return event
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


def new_event_id() -> str:
    return uuid.uuid4().hex


def signed_request_headers(key: PartnerKey | str, ce_type: str, body: bytes, ce_id: str | None = None,
                           timestamp: int | None = None) -> dict[str, str]:
    """Every header of a `POST /partner-events`, signed now (or at `timestamp`, unix seconds)."""
    key = _key(key)
    ce_id = ce_id or new_event_id()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"Ce-Type": ce_type, "Ce-Id": ce_id, "Content-Type": "application/json", "X-Tijara-Key": key.header,
            "X-Tijara-Timestamp": ts, "X-Tijara-Signature": request_signature(key.secret, ts, ce_id, ce_type, body)}


def signed_record_headers(key: PartnerKey | str, ce_type: str, value: bytes, ce_id: str | None = None,
                          partner_id: str | None = None, ce_time: datetime | None = None) -> dict[str, str]:
    """The CloudEvents and signature headers of a partner's Kafka record (encode each value as UTF-8)."""
    key = _key(key)
    ce_id = ce_id or new_event_id()
    source = f"/partners/{partner_id or key.partner_id}"
    return {"ce_specversion": "1.0", "ce_id": ce_id, "ce_source": source, "ce_type": ce_type,
            "ce_time": (ce_time or datetime.now(UTC)).isoformat(), "content-type": "application/json",
            "tijara_key_id": key.key_id,
            "tijara_signature": record_signature(key.kafka_signing_key, ce_id, source, ce_type, value)}
