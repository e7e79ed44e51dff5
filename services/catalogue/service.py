"""catalogue use cases: command -> domain -> one atomic store write (state + outbox) -> wake the relay."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from services.catalogue import access, domain
from services.catalogue.domain import ListingStatus, Product, SupplierStanding
from services.catalogue.listing import Listing
from services.catalogue.readers import SupplierChanged
from shared.contracts.actors import Actor, system
from shared.contracts.envelope import Envelope, Event
from shared.errors import ConcurrentUpdate, NotFound
from shared.messaging.outbox import Outbox
from shared.messaging.relay import Relay

SOURCE = "/tijara/catalogue"
SYSTEM = system("catalogue")
Once = Callable[[Callable[[], Awaitable[None]]], Awaitable[Any]]  # runs an effect, e.g. once per event id


async def _now(effect: Callable[[], Awaitable[None]]) -> None:
    """An effect run at once (no record of it: the use-case tests', and a caller that needs no idempotence)."""
    await effect()


class CatalogueRecords(Protocol):
    """What the use cases need of the store: services.catalogue.store.CatalogueStore (tests: an in-memory fake)."""

    products: Any  # the aggregate collection the relay is woken for

    async def get_product(self, product_id: str) -> Product | None: ...
    async def products_of(self, supplier_id: str, status: ListingStatus | None = None) -> list[Product]: ...
    async def save_product(self, product: Product, envelopes: list[Envelope]) -> None: ...
    async def standing(self, supplier_id: str) -> SupplierStanding | None: ...
    async def apply_supplier_event(self, event: SupplierChanged) -> SupplierStanding | None: ...


class Catalogue:
    def __init__(self, store: CatalogueRecords, relay: Relay) -> None:
        self.store = store
        self.relay = relay
        self.outbox = Outbox(SOURCE, relay, store.products)

    async def list_product(self, supplier_id: str, listing: Listing, actor: Actor) -> Product:
        access.owns(actor, supplier_id)
        product_id = f"prd-{uuid.uuid4().hex[:12]}"
        standing = await self.store.standing(supplier_id)
        product, events = domain.list_product(product_id, supplier_id, standing, listing, datetime.now(UTC))
        product = await self._save(product, events, actor)
        return await self._recheck_standing(product)

    async def _recheck_standing(self, product: Product) -> Product:
        """Closes the race with a suspension handled meanwhile: the handler writes the standing then looks for
        listed products; this writes the product then looks at the standing, so one of the two sees the other."""
        standing = await self.store.standing(product.supplier_id)
        reason = standing and domain.delisting_reason(standing)
        if reason:
            await self._delist_for_supplier(product, reason)
            return await self.get(product.product_id)
        return product

    async def update(self, product_id: str, listing: Listing, actor: Actor) -> Product:
        product = await self.get(product_id)
        access.may_change(actor, product)
        standing = await self.store.standing(product.supplier_id)
        return await self._save(*domain.update(product, standing, listing, datetime.now(UTC)), actor)

    async def delist(self, product_id: str, reason: str, actor: Actor) -> Product:
        product = await self.get(product_id)
        access.may_change(actor, product, staff_too=True)
        return await self._save(*domain.delist(product, reason, datetime.now(UTC)), actor)

    async def relist(self, product_id: str, actor: Actor) -> Product:
        product = await self.get(product_id)
        access.may_change(actor, product)
        standing = await self.store.standing(product.supplier_id)
        return await self._recheck_standing(
            await self._save(*domain.relist(product, standing, datetime.now(UTC)), actor))

    async def get(self, product_id: str) -> Product:
        product = await self.store.get_product(product_id)
        if product is None:
            raise NotFound(f"no product {product_id!r}", product_id=product_id)
        return product

    async def of_supplier(self, supplier_id: str) -> list[Product]:
        return await self.store.products_of(supplier_id)

    async def on_supplier_event(self, event: SupplierChanged, once: Once = _now) -> None:
        """Keep the supplier's standing; if it may no longer list, delist its products. Decided on the stored
        standing (newest by sequence), so a redelivered or stale suspension after a reinstatement delists nothing,
        and a redelivery finds nothing left listed. `once` runs the delisting, a side effect (new events through
        the outbox): the consumer's records it once per event id. The standing is a projection, idempotent by
        sequence, so an event that delists nothing (most: submitted, verified, updated) records nothing."""
        standing = await self.store.apply_supplier_event(event)
        reason = standing and domain.delisting_reason(standing)
        if reason:
            await once(lambda: self._delist_products_of(event.supplier_id, reason))

    async def _delist_products_of(self, supplier_id: str, reason: str) -> None:
        for product in await self.store.products_of(supplier_id, ListingStatus.LISTED):
            await self._delist_for_supplier(product, reason)

    async def _delist_for_supplier(self, product: Product, reason: str, attempts: int = 5) -> None:
        for _ in range(attempts):
            if product.status is not ListingStatus.LISTED:
                return
            try:
                await self._save(*domain.delist(product, reason, datetime.now(UTC)), SYSTEM)
                return
            except ConcurrentUpdate:  # someone updated it meanwhile: read again and retry
                product = await self.get(product.product_id)
        raise ConcurrentUpdate(f"product {product.product_id} kept changing while delisting")

    async def _save(self, product: Product, events: list[Event], actor: Actor) -> Product:
        await self.outbox.save(product.product_id, events, actor, lambda out: self.store.save_product(product, out))
        return product
