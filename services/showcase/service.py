"""showcase use cases: apply events to the read model; assemble the country page."""

from __future__ import annotations

from services.showcase import domain
from services.showcase.domain import CountryPage
from services.showcase.store import ShowcaseStore
from shared.errors import NotFound
from shared.events import Envelope, InquiryReceived, ProductEvent, SupplierEvent


class Showcase:
    def __init__(self, store: ShowcaseStore) -> None:
        self.store = store

    async def apply(self, envelope: Envelope) -> None:
        event = envelope.data
        if isinstance(event, SupplierEvent):
            await self.store.apply_supplier(event)
        elif isinstance(event, ProductEvent):
            await self.store.apply_product(event)
        elif isinstance(event, InquiryReceived):
            await self.store.apply_inquiry(event)

    async def country_page(self, code: str) -> CountryPage:
        country = code.upper()
        if country not in domain.COUNTRIES:
            raise NotFound(f"no country page for {code!r}; pages exist for {', '.join(domain.COUNTRIES)}")
        suppliers = await self.store.verified_suppliers(country)
        ids = [s.supplier_id for s in suppliers]
        products = await self.store.listed_products(country, ids)
        inquiries = await self.store.inquiries_by_supplier(ids)
        return domain.build_page(country, suppliers, products, inquiries)
