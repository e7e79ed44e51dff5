"""notifications' own reading of the streams it turns into messages: only what a message says or a rule needs. No
contact travels on the streams; addresses come from their owners at send time (services/notifications/contacts.py).
A status, region or level added after this release reads as "unknown" and is never shown to a person as that word."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict

from shared.contracts.envelope import Reader, Tolerant
from shared.contracts.inquiries import InquiryClosed, InquiryReceived, InquiryResponded
from shared.contracts.products import ProductEvent
from shared.contracts.registry import EVENT_TYPES
from shared.contracts.suppliers import SupplierApplicationSubmitted, SupplierEvent, SupplierStatus, VerificationLevel
from shared.contracts.vocabulary import Region


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ProfileNamed(_Part):
    trade_name: str
    country: str = "MA"
    region: Tolerant[Region]


class SupplierNoticed(Reader):
    """Every supplier event: the card a buyer is shown, the verification's end, the reason of a refusal."""

    supplier_id: str
    status: Tolerant[SupplierStatus]
    verification_level: Tolerant[VerificationLevel]
    profile: ProfileNamed
    occurred_at: AwareDatetime
    valid_until: AwareDatetime | None = None
    reason: str | None = None  # rejected, suspended
    submitted_by: str | None = None  # application-submitted: the onboarding partner that applied


class TitleNamed(_Part):
    en: str
    fr: str | None = None
    ar: str | None = None


class ListingNamed(_Part):
    title: TitleNamed


class ProductNamed(Reader):
    product_id: str
    listing: ListingNamed | None = None  # delisted may come without it


class InquiryNoticed(Reader):
    inquiry_id: str
    supplier_id: str
    product_id: str | None = None
    occurred_at: AwareDatetime
    received_at: datetime


class InquiryArrived(InquiryNoticed):
    buyer_company: str
    buyer_country: str
    quantity: int
    unit: str
    destination: str | None = None


class InquiryAnswered(InquiryNoticed):
    responded_at: AwareDatetime


class InquiryEnded(InquiryNoticed):
    pass


def _reader(model: type) -> type[Reader] | None:
    if issubclass(model, SupplierEvent):
        return SupplierNoticed
    if issubclass(model, ProductEvent):
        return ProductNamed
    return {InquiryReceived: InquiryArrived, InquiryResponded: InquiryAnswered, InquiryClosed: InquiryEnded}.get(model)


READERS: dict[str, type[Reader]] = {t: r for t, m in EVENT_TYPES.items() if (r := _reader(m)) is not None}
SUBMITTED = SupplierApplicationSubmitted.TYPE
