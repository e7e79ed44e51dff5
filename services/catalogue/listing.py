"""catalogue's listing: what a supplier files and the catalogue keeps, with the rules it must meet. Price tiers
ascend from the MOQ, contiguous and non-overlapping, only the last one open-ended.

Separate from the wire's `shared.contracts.products.ProductListing` (what the events carry): `Listing.on_the_wire()` is the
one place the two meet, so a change to the catalogue's model is not a change to the contract."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from shared.contracts.products import LocalizedText, ProductListing, Samples, SupplyAbility, upcast_listing_v1
from shared.contracts.vocabulary import Certification, Incoterm, Region, Sector

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. USD, EUR, MAD")]
Unit = Annotated[str, Field(min_length=1, max_length=20)]
Money = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]


class Tier(BaseModel):
    """A unit price for orders from `min_quantity` to `max_quantity` (inclusive; None = and above)."""

    model_config = ConfigDict(frozen=True)
    min_quantity: int = Field(gt=0)
    max_quantity: int | None = Field(None, gt=0)
    unit_price: Money

    @model_validator(mode="after")
    def _range(self) -> Tier:
        if self.max_quantity is not None and self.max_quantity < self.min_quantity:
            raise ValueError(f"tier {self.min_quantity}-{self.max_quantity}: max_quantity is below min_quantity")
        return self


class Listing(BaseModel):
    """A full B2B listing as the catalogue keeps it."""

    model_config = ConfigDict(frozen=True)
    title: LocalizedText
    description: LocalizedText
    category: Sector
    hs_code: Annotated[str, Field(pattern=r"^\d{6}$", description="Harmonized System code, 6 digits")]
    moq: int = Field(gt=0)
    moq_unit: Unit
    currency: Currency
    price_tiers: list[Tier] = Field(min_length=1, max_length=10)
    lead_time_days: int | None = Field(None, gt=0, le=365)
    supply_ability: SupplyAbility | None = None
    certifications: list[Certification] = []
    samples: Samples = Samples()
    incoterms: list[Incoterm] = Field(min_length=1)
    port_of_loading: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    origin_region: Region
    image_urls: list[Annotated[str, Field(max_length=500, pattern=r"^https?://\S+$")]] = Field([], max_length=10)

    @model_validator(mode="after")
    def _tiers_cover_from_moq(self) -> Listing:
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

    def on_the_wire(self) -> ProductListing:
        return ProductListing.model_validate(self.model_dump())


def _upcast_stored(value: object) -> object:
    return upcast_listing_v1(value) if isinstance(value, dict) and "unit_price" in value else value


StoredListing = Annotated[Listing, BeforeValidator(_upcast_stored)]
"""A listing read back from the catalogue's database, where documents written before v2 keep the v1 shape."""
