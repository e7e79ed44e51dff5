"""Wire contract of the `inquiries.inquiries` stream: the events inquiries publishes about a buyer inquiry, keyed by
inquiry id. Responded and Closed repeat what a reader of response figures needs of the inquiry (buyer country,
received_at), so a projection holding only the newest event per inquiry still computes response rate and time,
whatever the arrival order."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, Field

from shared.contracts.envelope import CountryCode, Event, Id, Text, Topic


class InquiryStatus(StrEnum):
    """open -> responded -> closed; open -> closed. Added in contract 1.1.0: older events carry none (their type
    says it)."""

    OPEN = "open"
    RESPONDED = "responded"
    CLOSED = "closed"


STATUS = "The inquiry's status after this event (contract 1.1.0; implied by the type on older events)."


class InquiryEvent(Event):
    TOPIC: ClassVar[Topic] = Topic.INQUIRIES
    SUBJECT: ClassVar[str] = "inquiry_id"
    inquiry_id: Id
    supplier_id: Id
    product_id: Id | None = None


class InquiryReceived(InquiryEvent):
    TYPE: ClassVar[str] = "ma.tijara.inquiry.received.v1"
    buyer_company: Text
    buyer_country: CountryCode
    quantity: int = Field(gt=0)
    unit: Annotated[str, Field(min_length=1, max_length=20)]
    received_at: AwareDatetime
    target_price: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    destination: Text | None = None
    status: InquiryStatus = Field(InquiryStatus.OPEN, description=STATUS)


class InquiryResponded(InquiryEvent):
    TYPE: ClassVar[str] = "ma.tijara.inquiry.responded.v1"
    buyer_country: CountryCode
    received_at: AwareDatetime
    responded_at: AwareDatetime
    status: InquiryStatus = Field(InquiryStatus.RESPONDED, description=STATUS)


class InquiryClosed(InquiryEvent):
    TYPE: ClassVar[str] = "ma.tijara.inquiry.closed.v1"
    buyer_country: CountryCode
    received_at: AwareDatetime
    responded_at: AwareDatetime | None = None
    closed_at: AwareDatetime
    reason: Text | None = None
    status: InquiryStatus = Field(InquiryStatus.CLOSED, description=STATUS)
