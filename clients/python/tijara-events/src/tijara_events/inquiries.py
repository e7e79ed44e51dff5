"""`inquiries.inquiries`, keyed by inquiry id. Responded and Closed repeat the buyer's country and `received_at`, so
the newest event of an inquiry is enough for response figures; `status` from contract 1.1.0 on.

Times: `received_at` is when the buyer sent the inquiry (group and window inquiries by it); `occurred_at` is when
the marketplace recorded this change: for inquiries imported from before the marketplace, days after
`received_at`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from tijara_events.base import Event
from tijara_events.open import Open
from tijara_events.vocabulary import InquiryStatus

TOPIC = "inquiries.inquiries"


class InquiryEvent(Event):
    TOPIC: ClassVar[str] = TOPIC
    SUBJECT: ClassVar[str] = "inquiry_id"
    inquiry_id: str
    supplier_id: str
    product_id: str | None = None


class InquiryReceived(InquiryEvent):
    TYPE: ClassVar[str] = "ma.tijara.inquiry.received.v1"
    buyer_company: str
    buyer_country: str
    quantity: int
    unit: str
    received_at: datetime
    target_price: Decimal | None = None  # a decimal string on the wire
    currency: str | None = None
    destination: str | None = None
    status: Open[InquiryStatus] = InquiryStatus.OPEN


class InquiryResponded(InquiryEvent):
    TYPE: ClassVar[str] = "ma.tijara.inquiry.responded.v1"
    buyer_country: str
    received_at: datetime
    responded_at: datetime
    status: Open[InquiryStatus] = InquiryStatus.RESPONDED


class InquiryClosed(InquiryEvent):
    TYPE: ClassVar[str] = "ma.tijara.inquiry.closed.v1"
    buyer_country: str
    received_at: datetime
    responded_at: datetime | None = None
    closed_at: datetime
    reason: str | None = None
    status: Open[InquiryStatus] = InquiryStatus.CLOSED
