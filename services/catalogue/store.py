"""catalogue's collections: `products` (the aggregate, with its outbox) and `suppliers` (its view of standing)."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.catalogue.domain import ListingStatus, Product, SupplierStanding
from services.catalogue.readers import SupplierChanged
from shared.contracts.envelope import Envelope
from shared.storage import coalescer
from shared.storage.mongo import apply_if_newer, save_aggregate


class CatalogueStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.products = db["products"]
        self.suppliers = db["suppliers"]

    async def ensure_indexes(self) -> None:
        await self.products.create_index([("supplier_id", ASCENDING)], name="products_by_supplier")

    async def get_product(self, product_id: str) -> Product | None:
        doc = await self.products.find_one({"_id": product_id}, {"outbox": 0})
        return Product.model_validate(doc) if doc else None

    async def products_of(self, supplier_id: str, status: ListingStatus | None = None) -> list[Product]:
        query = {"supplier_id": supplier_id} | ({"status": status.value} if status else {})
        return [Product.model_validate(d) async for d in self.products.find(query, {"outbox": 0})]

    async def save_product(self, product: Product, envelopes: list[Envelope]) -> None:
        state = product.model_dump(mode="json")
        await save_aggregate(self.products, product.product_id, product.version - 1, state, envelopes)

    async def standing(self, supplier_id: str) -> SupplierStanding | None:
        doc = await coalescer.find_by_id(self.suppliers, supplier_id)  # a batch's events: one read
        return SupplierStanding.model_validate(doc) if doc else None

    async def apply_supplier_event(self, event: SupplierChanged) -> SupplierStanding | None:
        """The supplier's standing once this event is applied: the event's own when it was newer (no read back),
        else the stored one (a redelivery, or a newer event came first)."""
        fields = {"supplier_id": event.supplier_id, "status": str(event.status), "country": event.profile.country}
        if await apply_if_newer(self.suppliers, event.supplier_id, event.sequence, fields):
            return SupplierStanding.model_validate({**fields, "sequence": event.sequence})
        return await self.standing(event.supplier_id)
