"""showcase's own reading of the streams it projects: only what the country page shows. Unknown fields are
ignored; a status, level, sector, region or trade term added after this release reads as "unknown" (the page
leaves it out or labels it so) instead of dead-lettering the event. Stored listings written before v2 load too."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from shared.contracts.envelope import Envelope, Reader, Tolerant
from shared.contracts.inquiries import InquiryEvent
from shared.contracts.products import ProductDelisted, ProductEvent, upcast_listing_v1
from shared.contracts.registry import EVENT_TYPES
from shared.contracts.suppliers import SupplierEvent, SupplierStatus, VerificationLevel
from shared.contracts.vocabulary import Certification, Incoterm, Region, Sector
from shared.messaging.decoding import PoisonEvent, decode_data


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ProfileShown(_Part):
    legal_name: str
    trade_name: str
    country: str = "MA"
    region: Tolerant[Region]
    city: str
    sectors: list[Tolerant[Sector]]
    export_markets: list[str] = []


class SupplierShown(Reader):
    supplier_id: str
    status: Tolerant[SupplierStatus]
    verification_level: Tolerant[VerificationLevel]
    profile: ProfileShown


class TextShown(_Part):
    en: str
    fr: str | None = None
    ar: str | None = None


class TierShown(_Part):
    min_quantity: int
    max_quantity: int | None = None
    unit_price: Decimal


class SamplesShown(_Part):
    available: bool = False
    price: Decimal | None = None


class SupplyShown(_Part):
    quantity: int
    unit: str
    period: str = "month"


def _upcast_stored(value: object) -> object:
    """A listing stored (or replayed) in the v1 shape, with one unit price, reads as v2."""
    return upcast_listing_v1(value) if isinstance(value, dict) and "unit_price" in value else value


class ListingShown(_Part):
    title: TextShown
    description: TextShown
    category: Tolerant[Sector]
    hs_code: str
    moq: int
    moq_unit: str
    currency: str
    price_tiers: list[TierShown] = Field(min_length=1)
    lead_time_days: int | None = None
    supply_ability: SupplyShown | None = None
    certifications: list[Tolerant[Certification]] = []
    samples: SamplesShown = SamplesShown()
    incoterms: list[Tolerant[Incoterm]] = []
    port_of_loading: str | None = None
    origin_region: Tolerant[Region]
    image_urls: list[str] = []

    @property
    def from_price(self) -> Decimal:
        return min(t.unit_price for t in self.price_tiers)


StoredListing = Annotated[ListingShown, BeforeValidator(_upcast_stored)]


class ProductShown(Reader):
    """listed and updated events: the product is on offer with this listing."""

    LISTED: ClassVar[bool] = True
    product_id: str
    supplier_id: str
    country: str = "MA"
    listing: StoredListing | None = None  # a delisting from before v2 carries none


class ProductWithdrawn(ProductShown):
    LISTED: ClassVar[bool] = False


class InquiryShown(Reader):
    inquiry_id: str
    supplier_id: str
    product_id: str | None = None
    buyer_country: str
    received_at: AwareDatetime
    responded_at: AwareDatetime | None = None


def _reader(model: type[BaseModel]) -> type[Reader] | None:
    if issubclass(model, SupplierEvent):
        return SupplierShown
    if issubclass(model, ProductEvent):
        return ProductWithdrawn if issubclass(model, ProductDelisted) else ProductShown
    if issubclass(model, InquiryEvent):
        return InquiryShown
    return None


READERS: dict[str, type[Reader]] = {t: r for t, m in EVENT_TYPES.items() if (r := _reader(m)) is not None}
"""The event types showcase reads (every type of the three marketplace streams) and its reader for each."""


def events_of(records: Iterable[Any], decode: Callable[[Any], Envelope | None] | None = None,
              ) -> tuple[list[Reader], int]:
    """The events of consumed records as showcase reads them, in order, and how many were poison or tombstones: the
    one way for the page's follower and the replay, who skip what the group consumer dead-letters. `decode`: how a
    record becomes an envelope; the group consumer and the follower of one process share a `DecodeOnce(READERS)`
    (each record decoded once). Without it (the replay), the kernel's `decode_data` through READERS: what
    `decode_record` gives, without the envelope the replay does not read."""
    events, skipped = [], 0
    for record in records:
        try:
            if record.value is None:  # a tombstone
                raise PoisonEvent("tombstone", "null value")
            if decode is None:
                data = decode_data(record, READERS)
            else:
                envelope = decode(record)
                data = envelope.data if envelope is not None else None
        except PoisonEvent:
            skipped += 1
            continue
        if data is not None:
            events.append(data)
    return events, skipped
