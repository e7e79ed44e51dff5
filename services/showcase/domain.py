"""The country page: which suppliers and products show, their figures, ranking, filters. Pure: no I/O.

Rule: a product shows only while it is listed AND its supplier is verified, whatever order the events came in.
Inquiry figures (model/figures.py: the last 30 days) count inquiries to the suppliers the page shows.
Filtering and paging happen here, on the verified suppliers' listed products of one country: a few thousand
at most for a country page; the store's indexes allow pushing filters into the query if that ever grows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from babel import Locale
from pydantic import BaseModel

from services.showcase.feed.readers import ProfileShown, StoredListing
from services.showcase.model.figures import ResponseFigures, by_buyer_region, north_america_share
from services.showcase.model.taxonomy import known, sector_label, visible
from services.showcase.pages.countries import Country
from services.showcase.pages.shapes import (
    CategoryCount,
    CountryPage,
    Demand,
    DemandRow,
    Filters,
    Headline,
    ProductCard,
    ProductGrid,
    ProductPage,
    SupplierCard,
    SupplierPage,
    SupplierPaging,
)
from shared.contracts.envelope import Tolerant
from shared.contracts.suppliers import SupplierStatus, VerificationLevel
from shared.errors import NotFound

FEATURED = 8
LEVEL_RANK = {VerificationLevel.INSPECTED: 3, VerificationLevel.ENDORSED: 2, VerificationLevel.DOCUMENTS: 1,
              VerificationLevel.NONE: 0}
BADGES = {VerificationLevel.INSPECTED: "Verified · on-site inspected", VerificationLevel.ENDORSED:
          "Verified · agency endorsed", VerificationLevel.DOCUMENTS: "Verified · documents checked",
          VerificationLevel.NONE: "Verified"}


class SupplierView(BaseModel):
    supplier_id: str
    status: Tolerant[SupplierStatus]
    verification_level: Tolerant[VerificationLevel]
    profile: ProfileShown


class ProductView(BaseModel):
    product_id: str
    supplier_id: str
    listed: bool
    listing: StoredListing | None = None


def verified(supplier: SupplierView | None) -> bool:
    """The rule the page keeps: a supplier shows only while verified..."""
    return supplier is not None and supplier.status is SupplierStatus.VERIFIED


def listed(product: ProductView) -> bool:
    """...and a product only while it is listed, with its listing, by a supplier that shows."""
    return product.listed and product.listing is not None


def country_name(code: str) -> str:
    """The country's English name (CLDR); the page's JSON speaks English, its HTML the visitor's language."""
    return Locale("en").territories.get(code.upper(), code.upper())


def configured(countries: Mapping[str, Country], code: str) -> Country:
    country = countries.get(code.upper())
    if country is None:
        raise NotFound(f"no country page for {code!r}; pages exist for {', '.join(sorted(countries))}", country=code)
    return country


def supplier_card(s: SupplierView, products: int, f: ResponseFigures) -> SupplierCard:
    p = s.profile
    return SupplierCard(
        supplier_id=s.supplier_id, trade_name=p.trade_name, region=visible(p.region), city=p.city,
        sectors=known(p.sectors),
        export_markets=list(p.export_markets), verification_level=s.verification_level,
        badge=BADGES.get(s.verification_level, "Verified"), products=products, inquiries_30d=f.inquiries,
        response_rate=f.rate, typical_response_hours=f.typical_hours,
    )


def rank_of(card: SupplierCard) -> tuple:
    """Verification level first, then responsiveness, then activity (inquiries and products)."""
    return (-LEVEL_RANK.get(card.verification_level, 0), -(card.response_rate or 0.0),
            -(card.inquiries_30d + card.products), card.trade_name, card.supplier_id)


def product_card(p: ProductView, supplier: SupplierView) -> ProductCard:
    listing = p.listing
    return ProductCard(
        product_id=p.product_id, supplier_id=p.supplier_id, supplier_name=supplier.profile.trade_name,
        verification_level=supplier.verification_level, title=listing.title, category=listing.category,
        category_label=sector_label(listing.category), hs_code=listing.hs_code, moq=listing.moq,
        moq_unit=listing.moq_unit, from_price=listing.from_price, currency=listing.currency,
        price_tiers=list(listing.price_tiers), lead_time_days=listing.lead_time_days,
        incoterms=known(listing.incoterms), port_of_loading=listing.port_of_loading,
        origin_region=visible(listing.origin_region), certifications=known(listing.certifications),
        samples_available=listing.samples.available, image_url=listing.image_urls[0] if listing.image_urls else None,
    )


def matches(card: ProductCard, f: Filters, found: set[str] | None = None) -> bool:
    return ((found is None or card.product_id in found)
            and (f.category is None or card.category == f.category)
            and (f.region is None or card.origin_region == f.region)
            and (f.certification is None or f.certification in card.certifications)
            and (f.max_moq is None or card.moq <= f.max_moq)
            and (f.incoterm is None or f.incoterm in card.incoterms))


def unfiltered(f: Filters, found: set[str] | None) -> bool:
    return found is None and all(v is None for v in (f.category, f.region, f.certification, f.max_moq, f.incoterm))


class Shown(BaseModel):
    """The verified suppliers (ranked) and their listed products: what any page of a country may show."""

    suppliers: list[SupplierCard]
    products: list[ProductCard]
    categories: dict[str, int] = {}  # listed products per category


def title_order(card: ProductCard) -> tuple:
    return card.title.en, card.product_id


def build_page(country: Country, view: Shown, demand: Mapping[str, int], filters: Filters,
               found: set[str] | None = None) -> CountryPage:
    """`found`: the products a text search found (None: no search)."""
    matching = view.products if unfiltered(filters, found) else [c for c in view.products
                                                                  if matches(c, filters, found)]
    pages = max(1, math.ceil(len(matching) / filters.per_page))
    page = min(filters.page, pages)
    start = (page - 1) * filters.per_page
    supplier_pages = max(1, math.ceil(len(view.suppliers) / filters.suppliers_per_page))
    supplier_page = min(filters.suppliers_page, supplier_pages)
    first = (supplier_page - 1) * filters.suppliers_per_page
    categories = view.categories
    return CountryPage(
        country=country.code, name=country_name(country.code),
        headline=Headline(
            verified_suppliers=len(view.suppliers), products=len(view.products), categories=len(categories),
            inquiries_30d=sum(demand.values()), north_america_share=north_america_share(demand)),
        categories=[CategoryCount(category=c, label=sector_label(c), products=n)
                    for c, n in sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))],
        suppliers=view.suppliers[first:first + filters.suppliers_per_page],
        supplier_paging=SupplierPaging(total=len(view.suppliers), page=supplier_page, pages=supplier_pages,
                                       per_page=filters.suppliers_per_page),
        products=ProductGrid(filters=filters.model_copy(update={"page": page, "suppliers_page": supplier_page}),
                             total=len(matching), page=page,
                             pages=pages, items=matching[start:start + filters.per_page]),
        demand=Demand(by_country=_rows(demand), by_region=_rows(by_buyer_region(demand))),
        partners=list(country.partners),
    )


def _rows(counts: Mapping[str, int]) -> list[DemandRow]:
    return [DemandRow(name=k, inquiries=v) for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def build_supplier_page(country: Country, supplier_id: str, view: Shown, legal_name: str) -> SupplierPage:
    card = _verified(country, supplier_id, view)
    return SupplierPage(country=country.code, name=country_name(country.code), supplier=card, legal_name=legal_name,
                        products=[p for p in view.products if p.supplier_id == supplier_id])


def _verified(country: Country, supplier_id: str, view: Shown) -> SupplierCard:
    card = next((c for c in view.suppliers if c.supplier_id == supplier_id), None)
    if card is None:
        raise NotFound(f"no verified supplier {supplier_id!r} on the {country_name(country.code)} page",
                       supplier_id=supplier_id)
    return card


def build_product_page(country: Country, product: ProductView, view: Shown) -> ProductPage:
    card = next((c for c in view.products if c.product_id == product.product_id), None)
    if card is None or product.listing is None:
        raise NotFound(f"no listed product {product.product_id!r} on the {country_name(country.code)} page",
                       product_id=product.product_id)
    listing = product.listing
    return ProductPage(country=country.code, name=country_name(country.code), product=card,
                       description=listing.description, image_urls=list(listing.image_urls),
                       supply_ability=listing.supply_ability, samples_price=listing.samples.price,
                       supplier=_verified(country, card.supplier_id, view))
