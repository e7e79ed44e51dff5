"""showcase use cases: apply events to the read model; assemble the country page and a supplier's page."""

from __future__ import annotations

from datetime import UTC, datetime

from services.showcase import domain
from services.showcase.page import CountryPage, Filters, SupplierPage
from services.showcase.store import ShowcaseStore
from shared.errors import NotFound
from shared.events import Envelope


class Showcase:
    def __init__(self, store: ShowcaseStore) -> None:
        self.store = store

    async def apply(self, envelope: Envelope) -> None:
        await self.store.apply(envelope.data)

    async def _shown(self, country: str, now: datetime) -> tuple[domain.Shown, dict[str, int]]:
        suppliers = await self.store.verified_suppliers(country)
        ids = [s.supplier_id for s in suppliers]
        products = await self.store.listed_products(country, ids)
        since = now - domain.WINDOW
        figures = await self.store.response_figures(ids, since)
        demand = await self.store.demand_by_country(ids, since)
        return domain.shown(suppliers, products, figures), demand

    async def country_page(self, code: str, filters: Filters = Filters(), now: datetime | None = None) -> CountryPage:
        domain.country_name(code)
        country = code.upper()
        view, demand = await self._shown(country, now or datetime.now(UTC))
        return domain.build_page(country, view, demand, filters)

    async def supplier_page(self, code: str, supplier_id: str, now: datetime | None = None) -> SupplierPage:
        domain.country_name(code)
        country = code.upper()
        view, _ = await self._shown(country, now or datetime.now(UTC))
        legal_name = await self.store.supplier_legal_name(supplier_id)
        if legal_name is None:
            raise NotFound(f"no supplier {supplier_id!r}", supplier_id=supplier_id)
        return domain.build_supplier_page(country, supplier_id, view, legal_name)
