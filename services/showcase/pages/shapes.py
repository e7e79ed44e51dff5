"""What the country page and a supplier's page show, as JSON (and rendered as HTML). Pure data."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel

from services.showcase.feed.readers import SupplyShown, TextShown, TierShown


class SupplierCard(BaseModel):
    supplier_id: str
    trade_name: str
    region: str
    city: str
    sectors: list[str]
    export_markets: list[str]
    verification_level: str
    badge: str
    products: int
    inquiries_30d: int
    response_rate: float | None  # share answered within 24 h over the past 30 days; None without inquiries
    typical_response_hours: float | None


class ProductCard(BaseModel):
    product_id: str
    supplier_id: str
    supplier_name: str
    verification_level: str
    title: TextShown
    category: str
    category_label: str
    hs_code: str
    moq: int
    moq_unit: str
    from_price: Decimal
    currency: str
    price_tiers: list[TierShown]
    lead_time_days: int | None
    incoterms: list[str]
    port_of_loading: str | None
    origin_region: str
    certifications: list[str]
    samples_available: bool
    image_url: str | None


class Headline(BaseModel):
    verified_suppliers: int
    products: int
    categories: int
    inquiries_30d: int
    north_america_share: float  # of the last 30 days' inquiries, 0..1


class CategoryCount(BaseModel):
    category: str
    label: str
    products: int


class Filters(BaseModel):
    q: str | None = None  # words searched in titles, descriptions (any language) and supplier names
    category: str | None = None
    region: str | None = None
    certification: str | None = None
    max_moq: int | None = None
    incoterm: str | None = None
    page: int = 1
    per_page: int = 24
    suppliers_page: int = 1  # the ranked suppliers are paged apart from the products
    suppliers_per_page: int = 24

    def query(self, **changes: object) -> str:
        """The query string of these filters with some changed (for pagination links)."""
        from urllib.parse import urlencode

        data = self.model_dump() | changes
        return urlencode({k: v for k, v in data.items() if v is not None and DEFAULTS.get(k) != v})


DEFAULTS = {"per_page": 24, "suppliers_page": 1, "suppliers_per_page": 24}  # left out of links


class SupplierPaging(BaseModel):
    """Which part of the ranked verified suppliers `CountryPage.suppliers` holds."""

    total: int
    page: int
    pages: int
    per_page: int


class ProductGrid(BaseModel):
    filters: Filters
    total: int
    page: int
    pages: int
    items: list[ProductCard]


class DemandRow(BaseModel):
    name: str
    inquiries: int


class Demand(BaseModel):
    by_country: list[DemandRow]
    by_region: list[DemandRow]


class Partner(BaseModel):
    name: str
    role: str


class CountryPage(BaseModel):
    country: str
    name: str
    headline: Headline
    categories: list[CategoryCount]
    suppliers: list[SupplierCard]  # one page of the verified suppliers, ranked (`supplier_paging`); page 1 is featured
    supplier_paging: SupplierPaging
    products: ProductGrid
    demand: Demand
    partners: list[Partner]


class ProductPage(BaseModel):
    country: str
    name: str
    product: ProductCard
    description: TextShown
    image_urls: list[str]
    supply_ability: SupplyShown | None
    samples_price: Decimal | None
    supplier: SupplierCard


class SupplierPage(BaseModel):
    country: str
    name: str
    supplier: SupplierCard
    legal_name: str
    products: list[ProductCard]
