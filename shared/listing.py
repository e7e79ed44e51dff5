"""The B2B listing as buyers see it: part of the event contract (`ProductListed` v2 carries it whole).

Validation lives here so every producer (catalogue's API, partner ingestion) refuses the same bad listings: price
tiers ascending from the MOQ, contiguous and non-overlapping, only the last one open-ended.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from shared.vocabulary import Certification, Incoterm, Region, Sector

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. USD, EUR, MAD")]
Unit = Annotated[str, Field(min_length=1, max_length=20)]
Money = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]


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

    @model_validator(mode="after")
    def _range(self) -> PriceTier:
        if self.max_quantity is not None and self.max_quantity < self.min_quantity:
            raise ValueError(f"tier {self.min_quantity}-{self.max_quantity}: max_quantity is below min_quantity")
        return self


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

    @model_validator(mode="after")
    def _tiers_cover_from_moq(self) -> ProductListing:
        tiers = self.price_tiers
        if tiers[0].min_quantity != self.moq:
            raise ValueError(f"the first price tier must start at the MOQ ({self.moq}), not {tiers[0].min_quantity}")
        for before, after in zip(tiers, tiers[1:]):
            if before.max_quantity is None:
                raise ValueError("only the last price tier may be open-ended (max_quantity null)")
            if after.min_quantity <= before.max_quantity:
                raise ValueError(f"price tiers overlap or are not ascending: {before.min_quantity}-"
                                 f"{before.max_quantity} then {after.min_quantity}")
            if after.min_quantity != before.max_quantity + 1:
                raise ValueError(f"gap between price tiers: nothing priced from {before.max_quantity + 1} to "
                                 f"{after.min_quantity - 1}")
        return self

    def price_for(self, quantity: int) -> Decimal | None:
        return next((t.unit_price for t in self.price_tiers
                     if t.min_quantity <= quantity and (t.max_quantity is None or quantity <= t.max_quantity)), None)

    @property
    def from_price(self) -> Decimal:
        return min(t.unit_price for t in self.price_tiers)


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


def _upcast_stored(value: object) -> object:
    return upcast_listing_v1(value) if isinstance(value, dict) and "unit_price" in value else value


StoredListing = Annotated[ProductListing, BeforeValidator(_upcast_stored)]
"""A listing read back from a service's own database, where documents written before v2 keep the v1 shape."""
