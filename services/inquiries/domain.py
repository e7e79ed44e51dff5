"""Buyer inquiries about listed products. Pure: no I/O."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from shared.errors import NotFound
from shared.events import Event, InquiryReceived


class InquiryStatus(StrEnum):
    OPEN = "open"
    RESPONDED = "responded"
    CLOSED = "closed"


class ListedProduct(BaseModel):
    """What inquiries knows of a product, learnt from the catalogue's events."""

    product_id: str
    supplier_id: str
    sequence: int
    listed: bool


class BuyerRequest(BaseModel):
    """What a buyer asks: quantity, destination, message; addressed to a listed product."""

    model_config = ConfigDict(frozen=True)
    product_id: str = Field(min_length=1, max_length=64)
    buyer_company: str = Field(min_length=1, max_length=200)
    buyer_country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, e.g. US, CA")
    contact_email: EmailStr
    quantity: int = Field(gt=0)
    unit: str = Field(min_length=1, max_length=20)
    message: str = Field(min_length=1, max_length=4000)


class Inquiry(BaseModel):
    model_config = ConfigDict(frozen=True)

    inquiry_id: str
    version: int
    supplier_id: str
    status: InquiryStatus
    request: BuyerRequest
    received_at: AwareDatetime


def receive_inquiry(
    inquiry_id: str, request: BuyerRequest, product: ListedProduct | None, now: datetime
) -> tuple[Inquiry, list[Event]]:
    if product is None or not product.listed:
        raise NotFound(f"no listed product {request.product_id!r}: inquiries go to products in the catalogue",
                       product_id=request.product_id)
    inquiry = Inquiry(inquiry_id=inquiry_id, version=1, supplier_id=product.supplier_id,
                      status=InquiryStatus.OPEN, request=request, received_at=now)
    event = InquiryReceived(
        inquiry_id=inquiry_id, supplier_id=product.supplier_id, product_id=product.product_id, sequence=1,
        occurred_at=now, buyer_company=request.buyer_company, buyer_country=request.buyer_country,
        quantity=request.quantity, unit=request.unit, received_at=now,
    )
    return inquiry, [event]
