"""inquiries' collections: `inquiries` (the aggregate, with its outbox), `products` and `suppliers` (its views
of listings and of supplier standing, from events)."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.inquiries.domain import Inquiry, KnownSupplier, ListedProduct
from services.inquiries.readers import ProductOffered, SupplierChanged
from shared.contracts.envelope import Envelope
from shared.storage.mongo import apply_if_newer, save_aggregate


class InquiryStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.inquiries = db["inquiries"]
        self.products = db["products"]
        self.suppliers = db["suppliers"]

    async def ensure_indexes(self) -> None:
        await self.inquiries.create_index([("supplier_id", ASCENDING), ("received_at", ASCENDING)],
                                          name="inquiries_by_supplier")

    async def get(self, inquiry_id: str) -> Inquiry | None:
        doc = await self.inquiries.find_one({"_id": inquiry_id}, {"outbox": 0})
        return Inquiry.model_validate(doc) if doc else None

    async def get_many(self, inquiry_ids: list[str]) -> list[Inquiry]:
        cursor = self.inquiries.find({"_id": {"$in": inquiry_ids}}, {"outbox": 0})
        return [Inquiry.model_validate(doc) async for doc in cursor]

    async def save(self, inquiry: Inquiry, envelopes: list[Envelope]) -> None:
        state = inquiry.model_dump(mode="json")
        await save_aggregate(self.inquiries, inquiry.inquiry_id, inquiry.version - 1, state, envelopes)

    async def of_supplier(self, supplier_id: str) -> list[Inquiry]:
        cursor = self.inquiries.find({"supplier_id": supplier_id}, {"outbox": 0}).sort("received_at", -1)
        return [Inquiry.model_validate(d) async for d in cursor]

    async def supplier(self, supplier_id: str) -> KnownSupplier | None:
        doc = await self.suppliers.find_one({"_id": supplier_id})
        return KnownSupplier.model_validate(doc) if doc else None

    async def apply_supplier_event(self, event: SupplierChanged) -> bool:
        fields = {"supplier_id": event.supplier_id, "status": str(event.status)}
        return await apply_if_newer(self.suppliers, event.supplier_id, event.sequence, fields)

    async def product(self, product_id: str) -> ListedProduct | None:
        doc = await self.products.find_one({"_id": product_id})
        return ListedProduct.model_validate(doc) if doc else None

    async def apply_product_event(self, event: ProductOffered) -> bool:
        fields = {"product_id": event.product_id, "supplier_id": event.supplier_id, "listed": event.LISTED}
        return await apply_if_newer(self.products, event.product_id, event.sequence, fields)
