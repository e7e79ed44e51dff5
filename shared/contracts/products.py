"""Wire contract of the `catalogue.products` stream: the events catalogue publishes about a product listing, keyed by
product id, and the listing as it travels.

Evolution: `product.listed.v1` carried a single `unit_price`. v2 carries the full listing (quantity price tiers,
localized title and description, lead time, supply ability, samples, port of loading). Producers emit v2 only; the
upcaster below turns any v1 still on the log into v2 when read (one open-ended tier from the MOQ), so consumers read
v2 alone and a replay from the beginning of the log still works. `product.updated.v1` and `product.delisted.v1`
carry the v2 listing (on delisted it is an optional, additive field).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import Event, Id, Text, Topic
from shared.contracts.vocabulary import Certification, Incoterm, Region, Sector

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. USD, EUR, MAD")]
Unit = Annotated[str, Field(min_length=1, max_length=20)]
Money = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]


class ProductStatus(StrEnum):
    """listed (shown to buyers while its supplier is verified) <-> delisted. Added in contract 1.1.0: events
    written before carry none (their type says it)."""

    LISTED = "listed"
    DELISTED = "delisted"


STATUS = "The product's status after this event (contract 1.1.0; implied by the type on older events)."


class LocalizedText(BaseModel):
    """English is required; French and Arabic (shown right-to-left) are optional."""

    model_config = ConfigDict(frozen=True)
    en: Annotated[str, Field(min_length=1, max_length=2000)]
    fr: Annotated[str, Field(min_length=1, max_length=2000)] | None = None
    ar: Annotated[str, Field(min_length=1, max_length=2000)] | None = None


class PriceTier(BaseModel):
    """A unit price for orders from `min_quantity` to `max_quantity` (inclusive; None = and above)."""

    model_config = ConfigDict(frozen=True)
    min_quantity: int = Field(gt=0)
    max_quantity: int | None = Field(None, gt=0)
    unit_price: Money


class SupplyAbility(BaseModel):
    model_config = ConfigDict(frozen=True)
    quantity: int = Field(gt=0)
    unit: Unit
    period: Literal["week", "month", "year"] = "month"


class Samples(BaseModel):
    model_config = ConfigDict(frozen=True)
    available: bool = False
    price: Money | None = Field(None, description="None with available=True means free samples")


class ProductListing(BaseModel):
    """A full B2B listing (contract v2)."""
    # Catalogue's own Listing (services/catalogue/listing.py) holds the price-tier rules it was checked by.

    model_config = ConfigDict(frozen=True)
    title: LocalizedText
    description: LocalizedText
    category: Sector
    hs_code: Annotated[str, Field(pattern=r"^\d{6}$", description="Harmonized System code, 6 digits")]
    moq: int = Field(gt=0)
    moq_unit: Unit
    currency: Currency
    price_tiers: list[PriceTier] = Field(min_length=1, max_length=10)
    lead_time_days: int | None = Field(None, gt=0, le=365)
    supply_ability: SupplyAbility | None = None
    certifications: list[Certification] = []
    samples: Samples = Samples()
    incoterms: list[Incoterm] = Field(min_length=1)
    port_of_loading: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    origin_region: Region
    image_urls: list[Annotated[str, Field(max_length=500, pattern=r"^https?://\S+$")]] = Field([], max_length=10)


class ProductListingV1(BaseModel):
    """The v1 listing (single unit price), kept so `ma.tijara.product.listed.v1` stays documented and readable."""

    model_config = ConfigDict(frozen=True)
    title: Annotated[str, Field(min_length=1, max_length=200)]
    category: Sector
    hs_code: Annotated[str, Field(pattern=r"^\d{6}$")]
    moq: int = Field(gt=0)
    moq_unit: Unit
    unit_price: Money
    currency: Currency
    incoterms: list[Incoterm] = Field(min_length=1)
    origin_region: Region
    certifications: list[Certification] = []
    image_urls: list[Annotated[str, Field(max_length=500)]] = []


def upcast_listing_v1(listing: dict) -> dict:
    """v1 -> v2: the single unit price becomes one open-ended tier from the MOQ; the title becomes the English
    title and, lacking anything better, the English description. Nothing is invented beyond that."""
    v2 = {k: v for k, v in listing.items() if k not in ("title", "unit_price")}
    title = listing.get("title")
    v2["title"] = {"en": title}
    v2["description"] = {"en": title}
    v2["price_tiers"] = [{"min_quantity": listing.get("moq"), "max_quantity": None,
                          "unit_price": listing.get("unit_price")}]
    return v2


class ProductEvent(Event):
    TOPIC: ClassVar[Topic] = Topic.PRODUCTS
    SUBJECT: ClassVar[str] = "product_id"
    product_id: Id
    supplier_id: Id
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "MA"


class ProductListedV1(ProductEvent):
    """Superseded by v2; still in the contract so old records are documented. Decoding upcasts it to v2."""

    TYPE: ClassVar[str] = "ma.tijara.product.listed.v1"
    listing: ProductListingV1


class ProductListed(ProductEvent):
    TYPE: ClassVar[str] = "ma.tijara.product.listed.v2"
    listing: ProductListing
    status: ProductStatus = Field(ProductStatus.LISTED, description=STATUS)


class ProductUpdated(ProductEvent):
    TYPE: ClassVar[str] = "ma.tijara.product.updated.v1"
    listing: ProductListing
    status: ProductStatus = Field(ProductStatus.LISTED, description=STATUS)


class ProductDelisted(ProductEvent):
    TYPE: ClassVar[str] = "ma.tijara.product.delisted.v1"
    reason: Text
    listing: ProductListing | None = None
    status: ProductStatus = Field(ProductStatus.DELISTED, description=STATUS)


def upcast_product_listed_v1(data: dict) -> tuple[str, dict]:
    """v1's data as v2's (listed in shared.contracts.registry.UPCASTERS)."""
    listing = data.get("listing")
    return ProductListed.TYPE, {**data, "listing": upcast_listing_v1(listing) if isinstance(listing, dict) else listing}

