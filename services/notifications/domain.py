"""Which event becomes which message to whom, and when a message waits, goes in a digest, or stops being retried.
Pure: no I/O.

A message is identified by (cause, recipient, kind): the cause is the event's id (or, for what a periodic job
decides, the fact it acted on), so a redelivered event, a replay or a second run of a job finds the message already
recorded, and a resend after a crash carries the same `Message-ID`.

    InquiryReceived           -> the supplier          inquiry-received   (a flood of them: one digest an hour)
    an inquiry open 20 h      -> the supplier          inquiry-reminder   (once)
    InquiryResponded          -> the buyer             inquiry-answered   (transactional: never unsubscribed from)
    supplier verified, rejected, suspended, reinstated, verification expired
                              -> the SME, and the onboarding partner that applied for it
    verification ending in 30 days (a periodic look)   -> the SME and its partner   verification-expiring
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any

from shared.contracts.suppliers import SupplierStatus

REMINDER_AFTER = timedelta(hours=20)  # the page promises an answer within 24 h: the supplier is reminded before
REMINDER_UNTIL = timedelta(hours=72)  # older open inquiries (a replay, a long outage) get no reminder any more
EXPIRY_WARNING = timedelta(days=30)
STALE_AFTER = timedelta(days=7)  # an event this old sends nothing (a log replayed after its messages were purged)
FLOOD_WINDOW = timedelta(hours=1)
FLOOD_LIMIT = 10  # inquiries a supplier is told of one by one per hour; past it, the rest come in the hour's digest
DAILY_DIGEST_AT = time(7, 0)  # UTC: the morning digest of SMEs who asked for one
GIVE_UP_AFTER = timedelta(days=2)  # a message a relay kept refusing for this long is failed, for an operator
RETENTION = timedelta(days=90)  # then the message's addresses and text are erased; its id and outcome stay


class Kind(StrEnum):
    INQUIRY_RECEIVED = "inquiry-received"
    INQUIRY_REMINDER = "inquiry-reminder"
    INQUIRY_ANSWERED = "inquiry-answered"
    SUPPLIER_VERIFIED = "supplier-verified"
    SUPPLIER_REJECTED = "supplier-rejected"
    SUPPLIER_SUSPENDED = "supplier-suspended"
    SUPPLIER_REINSTATED = "supplier-reinstated"
    VERIFICATION_EXPIRING = "verification-expiring"
    VERIFICATION_EXPIRED = "verification-expired"
    DIGEST = "digest"


class Audience(StrEnum):
    SUPPLIER = "supplier"  # the SME; its id is the supplier id
    BUYER = "buyer"  # the buyer of one inquiry; its id is the inquiry id
    PARTNER = "partner"  # an onboarding partner; its id is the partner id


class Status(StrEnum):
    QUEUED = "queued"  # recorded, to be sent (again, after a transient failure)
    HELD = "held"  # waiting for its recipient's digest
    DIGESTED = "digested"  # went out inside a digest
    SENT = "sent"  # the relay accepted it
    FAILED = "failed"  # refused for good (5xx, bad address, no contact) or given up: for an operator
    SUPPRESSED = "suppressed"  # nothing to send: the recipient unsubscribed, or has no contact to write to


NOT_TRANSACTIONAL = frozenset({Kind.INQUIRY_REMINDER, Kind.DIGEST})  # List-Unsubscribe; may be unsubscribed from
DIGESTIBLE = frozenset({Kind.INQUIRY_RECEIVED, Kind.INQUIRY_REMINDER})  # what a flood or a daily digest gathers

SUPPLIER_KINDS = {  # the supplier event types that tell the SME something, by the end of their ce_type
    "supplier.verified": Kind.SUPPLIER_VERIFIED,
    "supplier.rejected": Kind.SUPPLIER_REJECTED,
    "supplier.suspended": Kind.SUPPLIER_SUSPENDED,
    "supplier.reinstated": Kind.SUPPLIER_REINSTATED,
    "supplier.verification-expired": Kind.VERIFICATION_EXPIRED,
}


@dataclass(frozen=True)
class Recipient:
    audience: Audience
    id: str

    def __str__(self) -> str:
        return f"{self.audience.value}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> Recipient:
        audience, _, rid = text.partition(":")
        return cls(Audience(audience), rid)


@dataclass(frozen=True)
class Notice:
    """A message the service has decided to send, before it knows the recipient's address and language."""

    cause: str
    recipient: Recipient
    kind: Kind
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return message_key(self.cause, self.recipient, self.kind)


def message_key(cause: str, recipient: Recipient | str, kind: Kind) -> str:
    """The message's identity, derived: the same (cause, recipient, kind) is always the same message."""
    return hashlib.sha256(f"{cause}|{recipient}|{kind.value}".encode()).hexdigest()[:32]


def message_id(key: str, domain: str) -> str:
    """RFC 5322 Message-ID of the message `key`."""
    return f"<{key}@{domain}>"


def is_stale(occurred_at: datetime, now: datetime) -> bool:
    return now - occurred_at > STALE_AFTER


def on_inquiry_received(event_id: str, inquiry: dict[str, Any]) -> list[Notice]:
    return [Notice(event_id, Recipient(Audience.SUPPLIER, inquiry["supplier_id"]), Kind.INQUIRY_RECEIVED, inquiry)]


def on_inquiry_answered(event_id: str, inquiry: dict[str, Any]) -> list[Notice]:
    return [Notice(event_id, Recipient(Audience.BUYER, inquiry["inquiry_id"]), Kind.INQUIRY_ANSWERED, inquiry)]


def on_supplier_event(event_id: str, ce_type: str, supplier: dict[str, Any], partner: str | None) -> list[Notice]:
    """A change of standing the SME is told of, and its onboarding partner with it."""
    kind = next((k for suffix, k in SUPPLIER_KINDS.items() if f".{suffix}.v" in ce_type), None)
    if kind is None:
        return []
    return to_sme_and_partner(event_id, kind, supplier, partner)


def to_sme_and_partner(cause: str, kind: Kind, supplier: dict[str, Any], partner: str | None) -> list[Notice]:
    sme = Notice(cause, Recipient(Audience.SUPPLIER, supplier["supplier_id"]), kind, supplier)
    return [sme] + ([Notice(cause, Recipient(Audience.PARTNER, partner), kind, supplier)] if partner else [])


def reminder_due(received_at: datetime, now: datetime) -> bool:
    return REMINDER_AFTER <= now - received_at < REMINDER_UNTIL


def reminder(inquiry: dict[str, Any]) -> Notice:
    """One reminder per inquiry: its cause is the inquiry itself."""
    return Notice(f"reminder:{inquiry['inquiry_id']}", Recipient(Audience.SUPPLIER, inquiry["supplier_id"]),
                  Kind.INQUIRY_REMINDER, inquiry)


def expiry_due(status: str, valid_until: datetime | None, now: datetime) -> bool:
    return status == SupplierStatus.VERIFIED and valid_until is not None and \
        timedelta(0) < valid_until - now <= EXPIRY_WARNING


def expiry_warning(supplier: dict[str, Any], partner: str | None) -> list[Notice]:
    """One warning per verification: its end date is part of the cause (a renewal warns again, 30 days before)."""
    cause = f"expiring:{supplier['supplier_id']}:{supplier['valid_until']}"
    return to_sme_and_partner(cause, Kind.VERIFICATION_EXPIRING, supplier, partner)


def flood_window(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def held_for_flood(kind: Kind, sent_this_hour: int, limit: int = FLOOD_LIMIT) -> bool:
    """`sent_this_hour`: the supplier's inquiry messages of the hour, this one included."""
    return kind in DIGESTIBLE and sent_this_hour > limit


def next_daily_digest(now: datetime) -> datetime:
    today = datetime.combine(now.date(), DAILY_DIGEST_AT, tzinfo=now.tzinfo)
    return today if today > now else today + timedelta(days=1)


def digest(recipient: Recipient, held_until: datetime, members: list[dict[str, Any]]) -> Notice:
    """One message for the held messages of a recipient; the members' keys are part of its cause, so a late member
    goes into the next digest and never into none."""
    keys = sorted(m["_id"] for m in members)
    cause = f"digest:{held_until.isoformat()}:{hashlib.sha256('|'.join(keys).encode()).hexdigest()[:16]}"
    items = [{"kind": m["kind"], **m["facts"]} for m in sorted(members, key=lambda m: m["created_at"])]
    return Notice(cause, recipient, Kind.DIGEST, {"members": keys, "items": items})


def retry_at(attempts: int, now: datetime, base_seconds: float, max_seconds: float = 900.0) -> datetime:
    """Exponential backoff after `attempts` transient failures."""
    return now + timedelta(seconds=min(max_seconds, base_seconds * 2 ** max(0, attempts - 1)))


def gives_up(created_at: datetime, now: datetime) -> bool:
    return now - created_at > GIVE_UP_AFTER


BADGES = {"inspected": "Verified · on-site inspected", "endorsed": "Verified · agency endorsed",
          "documents": "Verified · documents checked"}  # the showcase's words, so buyers read the same badge


def badge(status: str, level: str) -> str | None:
    return BADGES.get(level, "Verified") if status == SupplierStatus.VERIFIED else None
