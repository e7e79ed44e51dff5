"""catalogue use cases: command -> domain -> one atomic store write (state + outbox) -> wake the relay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.catalogue import domain
from services.catalogue.domain import Product
from services.catalogue.store import CatalogueStore
from shared.errors import NotFound
from shared.events import Envelope, Event, ProductListing, SupplierEvent
from shared.messaging import OutboxRelay
from shared.telemetry import current_traceparent

SOURCE = "/tijara/catalogue"


class Catalogue:
    def __init__(self, store: CatalogueStore, relay: OutboxRelay) -> None:
        self.store = store
        self.relay = relay

    async def list_product(self, supplier_id: str, listing: ProductListing) -> Product:
        product_id = f"prd-{uuid.uuid4().hex[:12]}"
        standing = await self.store.standing(supplier_id)
        product, events = domain.list_product(product_id, supplier_id, standing, listing, datetime.now(UTC))
        return await self._save(product, events)

    async def delist(self, product_id: str, reason: str) -> Product:
        product, events = domain.delist(await self.get(product_id), reason, datetime.now(UTC))
        return await self._save(product, events)

    async def get(self, product_id: str) -> Product:
        product = await self.store.get_product(product_id)
        if product is None:
            raise NotFound(f"no product {product_id!r}", product_id=product_id)
        return product

    async def on_supplier_event(self, event: SupplierEvent) -> None:
        await self.store.apply_supplier_event(event)

    async def _save(self, product: Product, events: list[Event]) -> Product:
        traceparent = current_traceparent()
        await self.store.save_product(product, [Envelope(e, SOURCE, traceparent=traceparent) for e in events])
        self.relay.wake(self.store.products, product.product_id)
        return product
