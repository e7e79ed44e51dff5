"""showcase's read model, fed by events only: `suppliers`, `products`, `inquiries`. Every write is
`apply_if_newer`, so a repeated or older event changes nothing."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.showcase.domain import ProductView, SupplierView
from shared.events import InquiryReceived, ProductEvent, ProductListed, SupplierEvent
from shared.mongo import apply_if_newer


class ShowcaseStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.suppliers = db["suppliers"]
        self.products = db["products"]
        self.inquiries = db["inquiries"]

    async def ensure_indexes(self) -> None:
        await self.suppliers.create_index([("country", ASCENDING), ("status", ASCENDING)], name="by_country_status")
        await self.products.create_index([("country", ASCENDING), ("listed", ASCENDING)], name="by_country_listed")
        await self.inquiries.create_index([("supplier_id", ASCENDING)], name="by_supplier")

    async def apply_supplier(self, e: SupplierEvent) -> bool:
        fields = {"supplier_id": e.supplier_id, "status": e.status.value, "country": e.profile.country,
                  "verification_level": e.verification_level.value, "profile": e.profile.model_dump(mode="json")}
        return await apply_if_newer(self.suppliers, e.supplier_id, e.sequence, fields)

    async def apply_product(self, e: ProductEvent) -> bool:
        fields = {"product_id": e.product_id, "supplier_id": e.supplier_id, "country": e.country,
                  "listed": isinstance(e, ProductListed)}
        if isinstance(e, ProductListed):
            fields["listing"] = e.listing.model_dump(mode="json")
        return await apply_if_newer(self.products, e.product_id, e.sequence, fields)

    async def apply_inquiry(self, e: InquiryReceived) -> bool:
        fields = {"inquiry_id": e.inquiry_id, "supplier_id": e.supplier_id, "product_id": e.product_id,
                  "buyer_country": e.buyer_country, "received_at": e.received_at}
        return await apply_if_newer(self.inquiries, e.inquiry_id, e.sequence, fields)

    async def verified_suppliers(self, country: str) -> list[SupplierView]:
        cursor = self.suppliers.find({"country": country, "status": "verified"})
        return [SupplierView.model_validate(d) async for d in cursor]

    async def listed_products(self, country: str, supplier_ids: list[str]) -> list[ProductView]:
        cursor = self.products.find({"country": country, "listed": True, "supplier_id": {"$in": supplier_ids}})
        return [ProductView.model_validate(d) async for d in cursor]

    async def inquiries_by_supplier(self, supplier_ids: list[str]) -> dict[str, int]:
        pipeline = [{"$match": {"supplier_id": {"$in": supplier_ids}}},
                    {"$group": {"_id": "$supplier_id", "count": {"$sum": 1}}}]
        cursor = await self.inquiries.aggregate(pipeline)
        return {row["_id"]: row["count"] async for row in cursor}
