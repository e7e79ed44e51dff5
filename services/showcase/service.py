"""showcase use cases: apply events to the read model; assemble the country page and a supplier's page."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol

from services.showcase import domain
from services.showcase.page import CountryPage, Filters, SupplierPage
from shared.envelope import Envelope, Reader
from shared.errors import NotFound


class ShowcaseRecords(Protocol):
    """What the use cases need of the read model: services.showcase.store.ShowcaseStore (tests: in memory)."""

    async def apply(self, event: Reader) -> bool: ...
    async def verified_suppliers(self, country: str) -> list[domain.SupplierView]: ...
    async def supplier_legal_name(self, supplier_id: str) -> str | None: ...
    async def listed_products(self, country: str, supplier_ids: list[str]) -> list[domain.ProductView]: ...
    async def response_figures(self, supplier_ids: list[str], since: datetime) -> dict[str, domain.ResponseFigures]: ...
    async def demand_by_country(self, supplier_ids: list[str], since: datetime) -> dict[str, int]: ...


class Showcase:
    """`cache_seconds`: how long one computed view of a country serves page requests. The read model is eventually
    consistent anyway, and on FerretDB reading a country's listings costs a few hundred milliseconds, so concurrent
    and back-to-back requests share one computation (single flight) instead of each scanning the read model."""

    def __init__(self, store: ShowcaseRecords, cache_seconds: float = 0.0) -> None:
        self.store = store
        self.cache_seconds = cache_seconds
        self._views: dict[str, tuple[float, asyncio.Future]] = {}

    async def apply(self, envelope: Envelope) -> None:
        await self.store.apply(envelope.data)

    async def _shown(self, country: str, now: datetime | None) -> tuple[domain.Shown, dict[str, int]]:
        if now is not None or self.cache_seconds <= 0:
            return await self._compute(country, now or datetime.now(UTC))
        started, view = self._views.get(country, (0.0, None))
        if view is None or time.monotonic() - started > self.cache_seconds or (view.done() and view.exception()):
            view = asyncio.ensure_future(self._compute(country, datetime.now(UTC)))
            self._views[country] = (time.monotonic(), view)
        return await asyncio.shield(view)

    async def _compute(self, country: str, now: datetime) -> tuple[domain.Shown, dict[str, int]]:
        suppliers = await self.store.verified_suppliers(country)
        ids = [s.supplier_id for s in suppliers]
        since = now - domain.WINDOW
        products, figures, demand = await asyncio.gather(
            self.store.listed_products(country, ids), self.store.response_figures(ids, since),
            self.store.demand_by_country(ids, since),
        )
        return domain.shown(suppliers, products, figures), demand

    async def country_page(self, code: str, filters: Filters = Filters(), now: datetime | None = None) -> CountryPage:
        domain.country_name(code)
        country = code.upper()
        view, demand = await self._shown(country, now)
        return domain.build_page(country, view, demand, filters)

    async def supplier_page(self, code: str, supplier_id: str, now: datetime | None = None) -> SupplierPage:
        domain.country_name(code)
        country = code.upper()
        view, _ = await self._shown(country, now)
        legal_name = await self.store.supplier_legal_name(supplier_id)
        if legal_name is None:
            raise NotFound(f"no supplier {supplier_id!r}", supplier_id=supplier_id)
        return domain.build_supplier_page(country, supplier_id, view, legal_name)
