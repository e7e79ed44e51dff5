"""The country page: which suppliers and products show, and the figures. Pure: no I/O.

Rule: a product shows only while it is listed AND its supplier is verified, whatever order the events came in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from pydantic import BaseModel

from shared.events import ProductListing, SupplierProfile, SupplierStatus, VerificationLevel

COUNTRIES = {"MA": "Morocco"}
LEVEL_RANK = {VerificationLevel.INSPECTED: 3, VerificationLevel.ENDORSED: 2, VerificationLevel.DOCUMENTS: 1,
              VerificationLevel.NONE: 0}


class SupplierView(BaseModel):
    supplier_id: str
    status: SupplierStatus
    verification_level: VerificationLevel
    profile: SupplierProfile


class ProductView(BaseModel):
    product_id: str
    supplier_id: str
    listed: bool
    listing: ProductListing


class SupplierCard(BaseModel):
    supplier_id: str
    trade_name: str
    region: str
    city: str
    sectors: list[str]
    verification_level: VerificationLevel
    products: int
    inquiries: int


class ProductCard(BaseModel):
    product_id: str
    supplier_id: str
    supplier_name: str
    title: str
    category: str
    moq: int
    moq_unit: str
    unit_price: Decimal
    currency: str
    incoterms: list[str]
    origin_region: str
    certifications: list[str]


class Headline(BaseModel):
    verified_suppliers: int
    products: int
    inquiries: int


class CountryPage(BaseModel):
    country: str
    name: str
    headline: Headline
    suppliers: list[SupplierCard]
    products: list[ProductCard]


def visible_products(products: Iterable[ProductView], verified: Mapping[str, SupplierView]) -> list[ProductView]:
    return [p for p in products if p.listed and p.supplier_id in verified]


def build_page(
    country: str, suppliers: Iterable[SupplierView], products: Iterable[ProductView],
    inquiries_by_supplier: Mapping[str, int],
) -> CountryPage:
    verified = {s.supplier_id: s for s in suppliers if s.status is SupplierStatus.VERIFIED}
    shown = visible_products(products, verified)
    per_supplier: dict[str, int] = {}
    for p in shown:
        per_supplier[p.supplier_id] = per_supplier.get(p.supplier_id, 0) + 1
    cards = [
        SupplierCard(supplier_id=s.supplier_id, trade_name=s.profile.trade_name, region=s.profile.region,
                     city=s.profile.city, sectors=list(s.profile.sectors), verification_level=s.verification_level,
                     products=per_supplier.get(s.supplier_id, 0), inquiries=inquiries_by_supplier.get(s.supplier_id, 0))
        for s in verified.values()
    ]
    cards.sort(key=lambda c: (-LEVEL_RANK[c.verification_level], -c.inquiries, -c.products, c.trade_name))
    return CountryPage(
        country=country, name=COUNTRIES.get(country, country),
        headline=Headline(verified_suppliers=len(verified), products=len(shown),
                          inquiries=sum(inquiries_by_supplier.get(s, 0) for s in verified)),
        suppliers=cards,
        products=[_product_card(p, verified[p.supplier_id]) for p in shown],
    )


def _product_card(p: ProductView, supplier: SupplierView) -> ProductCard:
    listing = p.listing
    return ProductCard(
        product_id=p.product_id, supplier_id=p.supplier_id, supplier_name=supplier.profile.trade_name,
        title=listing.title, category=listing.category, moq=listing.moq, moq_unit=listing.moq_unit,
        unit_price=listing.unit_price, currency=listing.currency, incoterms=list(listing.incoterms),
        origin_region=listing.origin_region, certifications=list(listing.certifications),
    )
