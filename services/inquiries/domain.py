"""Buyer inquiries to a listed product or to a verified supplier; the supplier's answer; closing. Pure: no I/O."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, model_validator

from shared.contracts.envelope import Event, Tolerant
from shared.contracts.inquiries import InquiryClosed, InquiryReceived, InquiryResponded
from shared.contracts.suppliers import SupplierStatus
from shared.errors import Conflict, MarketplaceError, NotFound

ERASED_TEXT = "[erased]"  # where a text was erased, or never kept: written after the buyer was erased


class InquiryStatus(StrEnum):
    OPEN = "open"
    RESPONDED = "responded"
    CLOSED = "closed"


class Language(StrEnum):
    """The languages of the pages a buyer writes from: the answer reaches the buyer in the one it used."""

    ENGLISH = "en"
    FRENCH = "fr"
    ARABIC = "ar"


class ListedProduct(BaseModel):
    """What inquiries knows of a product, learnt from the catalogue's events."""

    product_id: str
    supplier_id: str
    sequence: int
    listed: bool


class KnownSupplier(BaseModel):
    """What inquiries knows of a supplier, learnt from onboarding's events."""

    supplier_id: str
    sequence: int
    status: Tolerant[SupplierStatus]


class BuyerRequest(BaseModel):
    """What a buyer asks: quantity, target price, destination, message; to a product or to a supplier."""

    model_config = ConfigDict(frozen=True)
    product_id: str | None = Field(None, min_length=1, max_length=64)
    supplier_id: str | None = Field(None, min_length=1, max_length=64)
    buyer_company: str = Field(min_length=1, max_length=200)
    buyer_country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, e.g. US, CA")
    contact_email: EmailStr
    contact_name: str | None = Field(None, min_length=1, max_length=200, description="Whom to write to, if given")
    language: Language = Field(Language.ENGLISH, description="The language of the page the buyer wrote from; "
                                                             "the supplier's answer reaches the buyer in it")
    quantity: int = Field(gt=0)
    unit: str = Field(min_length=1, max_length=20)
    target_price: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2, description="Per unit")
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    destination: str | None = Field(None, min_length=1, max_length=200, description="Port or city of delivery")
    message: str = Field(min_length=1, max_length=4000)

    @model_validator(mode="after")
    def _addressed(self) -> BuyerRequest:
        if not (self.product_id or self.supplier_id):
            raise ValueError("an inquiry targets a product_id or a supplier_id")
        if self.target_price is not None and self.currency is None:
            raise ValueError("a target_price needs its currency")
        return self


class PastInquiry(BaseModel):
    """An inquiry a supplier received before it joined (by email, at a trade fair), brought in with its own times
    so its response figures start from its history rather than from zero."""

    model_config = ConfigDict(frozen=True)
    request: BuyerRequest
    received_at: AwareDatetime
    response: str | None = Field(None, min_length=1, max_length=4000)
    responded_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _answered_after_received(self) -> PastInquiry:
        if (self.response is None) != (self.responded_at is None):
            raise ValueError("a response and its responded_at come together")
        if self.responded_at is not None and self.responded_at < self.received_at:
            raise ValueError("responded_at is before received_at")
        return self


class Inquiry(BaseModel):
    model_config = ConfigDict(frozen=True)

    inquiry_id: str
    version: int
    supplier_id: str
    status: InquiryStatus
    request: BuyerRequest
    received_at: AwareDatetime
    response: str | None = None
    responded_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    close_reason: str | None = None
    contact_erased_at: AwareDatetime | None = None  # the buyer's contact and texts erased (a request, or retention)

    def _facts(self, now: datetime) -> dict:
        return {"inquiry_id": self.inquiry_id, "supplier_id": self.supplier_id, "product_id": self.request.product_id,
                "sequence": self.version, "occurred_at": now}


class Correspondence(BaseModel):
    """What a message about the inquiry needs, to the supplier or to the buyer: who wrote, in which language, what
    was asked and answered. Personal (the buyer's e-mail and name): access.may_correspond."""

    model_config = ConfigDict(frozen=True)
    inquiry_id: str
    supplier_id: str
    product_id: str | None
    buyer_company: str
    buyer_country: str
    contact_name: str | None
    contact_email: str
    language: Language
    message: str
    response: str | None
    received_at: AwareDatetime
    responded_at: AwareDatetime | None

    @classmethod
    def of(cls, inquiry: Inquiry) -> Correspondence:
        asked = inquiry.request
        return cls(inquiry_id=inquiry.inquiry_id, supplier_id=inquiry.supplier_id, product_id=asked.product_id,
                   buyer_company=asked.buyer_company, buyer_country=asked.buyer_country,
                   contact_name=asked.contact_name, contact_email=asked.contact_email, language=asked.language,
                   message=asked.message, response=inquiry.response, received_at=inquiry.received_at,
                   responded_at=inquiry.responded_at)


def receive_inquiry(
    inquiry_id: str, request: BuyerRequest, product: ListedProduct | None, supplier: KnownSupplier | None,
    now: datetime,
) -> tuple[Inquiry, list[Event]]:
    if request.product_id:
        if product is None or not product.listed:
            raise NotFound(f"no listed product {request.product_id!r}: inquiries go to products in the catalogue",
                           product_id=request.product_id)
        if request.supplier_id and request.supplier_id != product.supplier_id:
            raise Conflict(f"product {product.product_id} is not offered by supplier {request.supplier_id}",
                           product_id=product.product_id, supplier_id=request.supplier_id)
        supplier_id = product.supplier_id
    else:
        if supplier is None:
            raise NotFound(f"no supplier {request.supplier_id!r}", supplier_id=request.supplier_id)
        if supplier.status is not SupplierStatus.VERIFIED:
            raise Conflict(f"supplier {supplier.supplier_id} is {supplier.status}: inquiries go to verified "
                           "suppliers", supplier_id=supplier.supplier_id, supplier_status=str(supplier.status))
        supplier_id = supplier.supplier_id
    inquiry = Inquiry(inquiry_id=inquiry_id, version=1, supplier_id=supplier_id, status=InquiryStatus.OPEN,
                      request=request, received_at=now)
    event = InquiryReceived(
        **inquiry._facts(now), buyer_company=request.buyer_company, buyer_country=request.buyer_country,
        quantity=request.quantity, unit=request.unit, received_at=now, target_price=request.target_price,
        currency=request.currency, destination=request.destination,
    )
    return inquiry, [event]


def check_past(past: PastInquiry, now: datetime) -> None:
    if max(past.received_at, past.responded_at or past.received_at) > now:
        raise MarketplaceError("a past inquiry's received_at and responded_at cannot be in the future",
                               received_at=past.received_at.isoformat())


def respond(inquiry: Inquiry, message: str, now: datetime) -> tuple[Inquiry, list[Event]]:
    """The supplier's first answer: what the response rate and time count. After the buyer was erased the answer
    still counts (the supplier did answer: its rate and time stay right), but its text is not kept: it would be
    written to nobody, and could name the person erased (notifications finds nobody to send it to)."""
    if inquiry.status is not InquiryStatus.OPEN:
        raise Conflict(f"inquiry {inquiry.inquiry_id} is {inquiry.status.value}; only an open inquiry is answered",
                       current_state=inquiry.status.value)
    kept = ERASED_TEXT if inquiry.contact_erased_at is not None else message
    answered = inquiry.model_copy(update={"version": inquiry.version + 1, "status": InquiryStatus.RESPONDED,
                                          "response": kept, "responded_at": now})
    return answered, [InquiryResponded(**answered._facts(now), buyer_country=inquiry.request.buyer_country,
                                       received_at=inquiry.received_at, responded_at=now)]


def close(inquiry: Inquiry, reason: str | None, now: datetime) -> tuple[Inquiry, list[Event]]:
    """Closed, with its reason; after the buyer was erased, without it (free text that could name the person, and
    that the closed event would carry)."""
    if inquiry.status is InquiryStatus.CLOSED:
        raise Conflict(f"inquiry {inquiry.inquiry_id} is already closed", current_state=inquiry.status.value)
    reason = None if inquiry.contact_erased_at is not None else reason
    closed = inquiry.model_copy(update={"version": inquiry.version + 1, "status": InquiryStatus.CLOSED,
                                        "closed_at": now, "close_reason": reason})
    return closed, [InquiryClosed(**closed._facts(now), buyer_country=inquiry.request.buyer_country,
                                  received_at=inquiry.received_at, responded_at=inquiry.responded_at,
                                  closed_at=now, reason=reason)]
