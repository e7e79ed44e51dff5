"""Partner identities and what they may do: kinds, scopes, API keys, request and record signatures, rate limits.
Pure: no I/O.

A partner is a system that publishes events into the marketplace: the onboarding partner (Clementia) sends supplier
applications, export agencies (AMDIE, Maroc PME, ASMEX) send endorsements, inspection bodies (SGS, TÜV Rheinland,
Intertek, Bureau Veritas) send inspection reports. Each may publish only its own event types (its scopes).

API keys: `<key_id>.<secret>`, the secret 32 random bytes (url-safe base64). Only sha256(secret) is stored: a
high-entropy secret needs no slow hash, and a stolen registry gives no usable key. An HTTP request carries the key
and `v2=` + an HMAC-SHA256 of `<timestamp>.<Ce-Id>.<Ce-Type>.<body>` keyed with the secret (`sign`), so the time,
the event's id and type and its body are bound to the key; a request older or newer than five minutes is stale, and
a signature seen before is a replay. The first scheme (`sha256=`, over `<timestamp>.<body>` only) left Ce-Id and
Ce-Type unsigned; it is refused.

Over Kafka a partner signs each record: HMAC-SHA256 of `<ce_id>.<ce_source>.<ce_type>.<value>` keyed with the key's
*Kafka signing key*, which both sides derive from the secret (HMAC-SHA256(secret, "tijara-kafka-signing-v1")). The
service must hold what it verifies with, so the signing key is stored (the secret is not): a stolen registry could
sign Kafka records — which the broker's per-partner ACLs still confine — but not call the HTTP gateway.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.actors import Actor, Role
from shared.contracts.partners import (
    ID_PATTERN,
    PARTNER_ID_PATTERN,
    PartnerEndorsement,
    PartnerInspectionReport,
    PartnerSupplierApplication,
)
from shared.contracts.vocabulary import ExportAgency, InspectionBody

SIGNATURE_WINDOW_SECONDS = 300
KEY_PREFIX_BYTES = 6


class PartnerKind(StrEnum):
    ONBOARDING_PARTNER = "onboarding-partner"
    EXPORT_AGENCY = "export-agency"
    INSPECTION_BODY = "inspection-body"


SCOPES_BY_KIND: dict[PartnerKind, tuple[str, ...]] = {
    PartnerKind.ONBOARDING_PARTNER: (PartnerSupplierApplication.TYPE,),
    PartnerKind.EXPORT_AGENCY: (PartnerEndorsement.TYPE,),
    PartnerKind.INSPECTION_BODY: (PartnerInspectionReport.TYPE,),
}

ROLE_OF_KIND = {PartnerKind.ONBOARDING_PARTNER: Role.PARTNER, PartnerKind.EXPORT_AGENCY: Role.AGENCY,
                PartnerKind.INSPECTION_BODY: Role.INSPECTION}

PARTNER_EVENT_TYPES = tuple(t for scopes in SCOPES_BY_KIND.values() for t in scopes)

# Which organisation of the shared vocabulary a partner acts as (the domain records endorsements and inspections
# by these names); onboarding partners are recorded by their partner id.
ORGANISATIONS: dict[PartnerKind, type[StrEnum] | None] = {
    PartnerKind.ONBOARDING_PARTNER: None,
    PartnerKind.EXPORT_AGENCY: ExportAgency,
    PartnerKind.INSPECTION_BODY: InspectionBody,
}

KAFKA_SIGNING_CONTEXT = b"tijara-kafka-signing-v1"


class ApiKey(BaseModel):
    model_config = ConfigDict(frozen=True)
    key_id: str = Field(pattern=ID_PATTERN)
    secret_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    kafka_signing_key: str | None = Field(None, pattern=r"^[0-9a-f]{64}$",
                                          description="Verifies signed Kafka records; none on keys issued before.")
    created_at: AwareDatetime
    revoked: bool = False


class Language(StrEnum):
    """The language a partner's people read messages in (notifications)."""

    EN = "en"
    FR = "fr"
    AR = "ar"


class Webhook(BaseModel):
    """Where receipts are pushed (Standard Webhooks). The signing secret is kept: the service signs with it."""

    model_config = ConfigDict(frozen=True)
    url: str
    secret: str = Field(pattern=r"^whsec_[A-Za-z0-9+/=]+$")
    set_at: AwareDatetime


class Partner(BaseModel):
    model_config = ConfigDict(frozen=True)
    partner_id: str = Field(pattern=ID_PATTERN, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    kind: PartnerKind
    organisation: str | None = Field(None, description="ExportAgency / InspectionBody value it acts as")
    scopes: list[str]
    rate_per_minute: int = Field(120, gt=0)
    keys: list[ApiKey] = []
    contact_email: str | None = Field(None, description="Who to write to about this partner's integration.")
    language: Language | None = None
    webhook: Webhook | None = None

    def may_publish(self, event_type: str) -> bool:
        return event_type in self.scopes

    def key(self, key_id: str) -> ApiKey | None:
        return next((k for k in self.keys if k.key_id == key_id and not k.revoked), None)

    @property
    def actor(self) -> Actor:
        """The partner system as the actor of what it sends: its role, and the organisation it is registered as
        (an onboarding partner acts as itself)."""
        organisation = self.partner_id if self.kind is PartnerKind.ONBOARDING_PARTNER else self.organisation
        return Actor(subject=f"partner:{self.partner_id}", role=ROLE_OF_KIND[self.kind],
                     organisation=organisation or self.name)


def new_partner(partner_id: str, name: str, kind: PartnerKind, rate_per_minute: int = 120,
                organisation: str | None = None, contact_email: str | None = None,
                language: Language | None = None) -> Partner:
    """A partner whose scopes follow from its kind. Agencies and inspection bodies must name the organisation
    of the vocabulary they are (e.g. "SGS"), since the supplier's record names it."""
    if not re.fullmatch(PARTNER_ID_PATTERN, partner_id):
        raise ValueError(f"a partner id is 1-64 lower-case letters, digits and '-' (it names the partner's Kafka "
                         f"principal and receipts topic); got {partner_id!r}")
    vocabulary = ORGANISATIONS[kind]
    if vocabulary is not None and organisation not in {m.value for m in vocabulary}:
        raise ValueError(f"a {kind.value} must be one of {', '.join(m.value for m in vocabulary)}; "
                         f"got {organisation!r}")
    return Partner(partner_id=partner_id, name=name, kind=kind, scopes=list(SCOPES_BY_KIND[kind]),
                   rate_per_minute=rate_per_minute, organisation=organisation if vocabulary else None,
                   contact_email=contact_email, language=language)


def issue_key(partner: Partner, now: datetime) -> tuple[ApiKey, str]:
    """A new key for `partner`: the stored record, and the plaintext `<key_id>.<secret>` shown once to the operator."""
    key_id = f"{partner.partner_id}-{secrets.token_hex(KEY_PREFIX_BYTES)}"
    secret = secrets.token_urlsafe(32)
    key = ApiKey(key_id=key_id, secret_sha256=hash_secret(secret), kafka_signing_key=kafka_signing_key(secret),
                 created_at=now)
    return key, f"{key_id}.{secret}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(presented: str) -> tuple[str, str] | None:
    """`<key_id>.<secret>` -> (key_id, secret), or None when it is not shaped like one of our keys."""
    key_id, dot, secret = presented.rpartition(".")
    if not dot or not key_id or not secret or len(presented) > 200:
        return None
    return (key_id, secret) if re.fullmatch(ID_PATTERN, key_id) and re.fullmatch(r"[A-Za-z0-9_-]+", secret) else None


def key_matches(key: ApiKey, secret: str) -> bool:
    return hmac.compare_digest(key.secret_sha256, hash_secret(secret))


SIGNATURE_SCHEME = "v2"


def sign(secret: str, timestamp: str, ce_id: str, ce_type: str, body: bytes) -> str:
    """`X-Tijara-Signature` of a gateway request: `v2=` + hex HMAC-SHA256, keyed with the secret's UTF-8 bytes, of
    `timestamp + "." + ce_id + "." + ce_type + "." + body` (the raw body bytes): the time, the CloudEvents id and
    type and the body are all bound to the key, so none can be altered or swapped."""
    signed = b".".join(part.encode() for part in (timestamp, ce_id, ce_type)) + b"." + body
    return f"{SIGNATURE_SCHEME}=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, ce_id: str, ce_type: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, ce_id, ce_type, body).encode(), signature.encode())


def kafka_signing_key(secret: str) -> str:
    """The key a partner signs Kafka records with, derived from its API key's secret (hex)."""
    return hmac.new(secret.encode(), KAFKA_SIGNING_CONTEXT, hashlib.sha256).hexdigest()


def sign_record(signing_key: str, ce_id: str, ce_source: str, ce_type: str, value: bytes) -> str:
    """`tijara_signature` of a Kafka record: binds the value to its id, sender and type (none can be swapped)."""
    signed = b".".join(part.encode() for part in (ce_id, ce_source, ce_type)) + b"." + value
    return "sha256=" + hmac.new(signing_key.encode(), signed, hashlib.sha256).hexdigest()


def record_signature_valid(signing_key: str, ce_id: str, ce_source: str, ce_type: str, value: bytes,
                           signature: str) -> bool:
    return hmac.compare_digest(sign_record(signing_key, ce_id, ce_source, ce_type, value), signature)


def timestamp_fresh(timestamp: str, now: float, window: float = SIGNATURE_WINDOW_SECONDS) -> bool:
    """Unix seconds within ±window of now (clocks drift a little; replays beyond the window are refused)."""
    if not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs(now - int(timestamp)) <= window


class TokenBucket:
    """Per-partner rate limit: `rate_per_minute` requests a minute, bursts up to the same number.

    In-process, so per replica: with N gateway replicas a partner gets up to N times its rate. Good enough to stop a
    runaway client; a cluster-wide limit would count in MongoDB (findAndModify upsert of a per-minute window).
    """

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # partner -> (tokens, last refill)

    def take(self, partner: str, rate_per_minute: int) -> float:
        """0.0 if the request may go ahead (a token is taken), else the seconds until a token is available."""
        now = self._clock()
        tokens, last = self._buckets.get(partner, (float(rate_per_minute), now))
        tokens = min(float(rate_per_minute), tokens + (now - last) * rate_per_minute / 60.0)
        if tokens >= 1.0:
            self._buckets[partner] = (tokens - 1.0, now)
            return 0.0
        self._buckets[partner] = (tokens, now)
        return (1.0 - tokens) * 60.0 / rate_per_minute


# What a partner may send next about a supplier, by the supplier's status (onboarding's workflow, as its public
# events show it: submitted -> documents-verified -> endorsed -> inspected -> verified). Whether it is accepted is
# still onboarding's decision (e.g. only an agency of the supplier's own country endorses it).
NEXT_STEPS: dict[PartnerKind, dict[str, tuple[str, ...]]] = {
    PartnerKind.ONBOARDING_PARTNER: {"rejected": (PartnerSupplierApplication.TYPE,)},
    PartnerKind.EXPORT_AGENCY: {"documents-verified": (PartnerEndorsement.TYPE,)},
    PartnerKind.INSPECTION_BODY: {s: (PartnerInspectionReport.TYPE,)
                                  for s in ("documents-verified", "endorsed", "expired")},
}
WAITING = {"submitted": "the marketplace's staff are checking the documents",
           "documents-verified": "documents verified; an export agency may endorse, an inspection body inspect",
           "endorsed": "endorsed; an inspection body may inspect", "inspected": "inspected; staff decide",
           "verified": "verified: listed on the country page", "rejected": "rejected (see the receipt's message)",
           "suspended": "suspended by staff", "expired": "verification expired; a new inspection renews it"}


def next_steps(kind: PartnerKind, status: str) -> tuple[tuple[str, ...], str]:
    """(the event types this partner may send now about a supplier in `status`, what the supplier waits for)."""
    may = NEXT_STEPS[kind].get(status, ())
    return may, WAITING.get(status, f"status {status!r}")


# --- webhooks (Standard Webhooks: https://www.standardwebhooks.com) ------------------------------------------------

WEBHOOK_MAX_DELAY_SECONDS = 3600.0


def new_webhook(url: str, now: datetime, allow_loopback_http: bool = False) -> Webhook:
    """A partner's webhook: an https URL (plain http only to 127.0.0.1, and only where a test or development
    setting allows it) and a new `whsec_` secret of 24 random bytes, base64 as the spec has it."""
    parts = urlsplit(url)
    loopback = allow_loopback_http and parts.scheme == "http" and parts.hostname == "127.0.0.1"
    if not (parts.scheme == "https" or loopback) or not parts.hostname or parts.username or len(url) > 500:
        raise ValueError(f"a webhook URL is https://<host>/<path> (at most 500 characters, no credentials); "
                         f"got {url[:100]!r}")
    return Webhook(url=url, secret="whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(), set_at=now)


def webhook_id(command_id: str) -> str:
    """`webhook-id` of a receipt's push: derived from the receipt (partner, event id), so a retry is the same
    message and the partner de-duplicates on it."""
    return "msg_" + command_id.removeprefix("cmd-")


def webhook_retry_delay(attempts: int, base_seconds: float) -> float:
    """Exponential backoff after `attempts` failed tries: base, 2x, 4x ..., at most an hour."""
    return min(base_seconds * 2 ** (attempts - 1), WEBHOOK_MAX_DELAY_SECONDS)

