"""`catalogue.products`, keyed by product id. `product.listed.v1` (one unit price) is upcast to v2 when decoded, so a
reader sees v2 alone. Listed, updated and delisted (from contract 1.1.0 on) carry the whole listing and `status`."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from tijara_events.base import Event, Part
from tijara_events.open import Open
from tijara_events.vocabulary import Certification, Incoterm, ProductStatus, Region, Sector, SupplyPeriod

TOPIC = "catalogue.products"


class LocalizedText(Part):
    en: str
    fr: str | None = None
    ar: str | None = None


class PriceTier(Part):
    """A unit price for orders from `min_quantity` to `max_quantity` (inclusive; None = and above)."""

    min_quantity: int
    max_quantity: int | None = None
    unit_price: Decimal  # a decimal string on the wire ("12.50"), never a float


class SupplyAbility(Part):
    quantity: int
    unit: str
    period: Open[SupplyPeriod] = SupplyPeriod.MONTH


class Samples(Part):
    available: bool = False
    price: Decimal | None = None  # None with available=True: free samples


class ProductListing(Part):
    title: LocalizedText
    description: LocalizedText
    category: Open[Sector]
    hs_code: str
    moq: int
    moq_unit: str
    currency: str
    price_tiers: list[PriceTier]
    lead_time_days: int | None = None
    supply_ability: SupplyAbility | None = None
    certifications: list[Open[Certification]] = []
    samples: Samples = Samples()
    incoterms: list[Open[Incoterm]]
    port_of_loading: str | None = None
    origin_region: Open[Region]
    image_urls: list[str] = []


class ProductListingV1(Part):
    title: str
    category: Open[Sector]
    hs_code: str
    moq: int
    moq_unit: str
    unit_price: Decimal
    currency: str
    incoterms: list[Open[Incoterm]]
    origin_region: Open[Region]
    certifications: list[Open[Certification]] = []
    image_urls: list[str] = []


class ProductEvent(Event):
    TOPIC: ClassVar[str] = TOPIC
    SUBJECT: ClassVar[str] = "product_id"
    product_id: str
    supplier_id: str
    country: str = "MA"


class ProductListedV1(ProductEvent):
    """Superseded by v2 (never produced any more); `decode` upcasts it."""

    TYPE: ClassVar[str] = "ma.tijara.product.listed.v1"
    listing: ProductListingV1


class ProductListed(ProductEvent):
    TYPE: ClassVar[str] = "ma.tijara.product.listed.v2"
    listing: ProductListing
    status: Open[ProductStatus] = ProductStatus.LISTED


class ProductUpdated(ProductEvent):
    TYPE: ClassVar[str] = "ma.tijara.product.updated.v1"
    listing: ProductListing
    status: Open[ProductStatus] = ProductStatus.LISTED


class ProductDelisted(ProductEvent):
    TYPE: ClassVar[str] = "ma.tijara.product.delisted.v1"
    reason: str
    listing: ProductListing | None = None  # absent on delistings written before v2: keep the last known listing
    status: Open[ProductStatus] = ProductStatus.DELISTED


def upcast_listing_v1(listing: dict) -> dict:
    """v1 -> v2: the single unit price becomes one open-ended tier from the MOQ; the title becomes the English title
    and, lacking anything better, the English description."""
    v2 = {k: v for k, v in listing.items() if k not in ("title", "unit_price")}
    title = listing.get("title")
    v2["title"] = {"en": title}
    v2["description"] = {"en": title}
    v2["price_tiers"] = [{"min_quantity": listing.get("moq"), "max_quantity": None,
                          "unit_price": listing.get("unit_price")}]
    return v2


def upcast_product_listed_v1(data: dict) -> tuple[str, dict]:
    listing = data.get("listing")
    return ProductListed.TYPE, {**data, "listing": upcast_listing_v1(listing) if isinstance(listing, dict) else listing}


UPCASTERS = {ProductListedV1.TYPE: upcast_product_listed_v1}
