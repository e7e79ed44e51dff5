"""showcase's read model, fed by events only: `suppliers`, `products`, `inquiries`. Every write is
`apply_if_newer` of the fields `projection.route` gives, so a repeated or older event changes nothing.
Figures come from `$match` + `$group` with `$sum` only (what FerretDB supports; no $lookup)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.showcase.domain import ProductView, ResponseFigures, SupplierView
from services.showcase.projection import route
from shared.envelope import Reader
from shared.mongo import apply_if_newer


class ShowcaseStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.suppliers = db["suppliers"]
        self.products = db["products"]
        self.inquiries = db["inquiries"]
        self._collections = {c.name: c for c in (self.suppliers, self.products, self.inquiries)}

    async def ensure_indexes(self) -> None:
        await self.suppliers.create_index([("country", ASCENDING), ("status", ASCENDING)], name="by_country_status")
        await self.products.create_index([("country", ASCENDING), ("listed", ASCENDING)], name="by_country_listed")
        await self.products.create_index([("supplier_id", ASCENDING)], name="by_supplier")
        await self.inquiries.create_index([("supplier_id", ASCENDING), ("received_at", ASCENDING)],
                                          name="by_supplier_received")

    async def apply(self, event: Reader) -> bool:
        routed = route(event)
        if routed is None:
            return False
        collection, _id, fields = routed
        return await apply_if_newer(self._collections[collection], _id, event.sequence, fields)

    async def verified_suppliers(self, country: str) -> list[SupplierView]:
        cursor = self.suppliers.find({"country": country, "status": "verified"})
        return [SupplierView.model_validate(d) async for d in cursor]

    async def supplier_legal_name(self, supplier_id: str) -> str | None:
        doc = await self.suppliers.find_one({"_id": supplier_id}, {"profile.legal_name": 1})
        return doc["profile"]["legal_name"] if doc else None

    async def listed_products(self, country: str, supplier_ids: list[str]) -> list[ProductView]:
        cursor = self.products.find({"country": country, "listed": True, "supplier_id": {"$in": supplier_ids}})
        return [ProductView.model_validate(d) async for d in cursor]

    async def response_figures(self, supplier_ids: list[str], since: datetime) -> dict[str, ResponseFigures]:
        """One `$group` per measure: FerretDB 1.24 computes only the first accumulator of a `$group` correctly
        (the others come back 0), so each sum gets its own small pipeline over the same `$match`."""
        measures = {"inquiries": 1, "answered": "$answered", "answered_in_24h": "$answered_in_24h",
                    "response_seconds": "$response_seconds"}
        totals = await asyncio.gather(*(self._sum_by(supplier_ids, since, "$supplier_id", expression)
                                        for expression in measures.values()))
        sums: dict[str, dict[str, float]] = {}
        for measure, by_supplier in zip(measures, totals, strict=True):
            for supplier_id, value in by_supplier.items():
                sums.setdefault(supplier_id, {})[measure] = value
        return {supplier_id: ResponseFigures.model_validate(row) for supplier_id, row in sums.items()}

    async def _sum_by(self, supplier_ids: list[str], since: datetime, key: str, expression: object) -> dict:
        pipeline = [{"$match": {"supplier_id": {"$in": supplier_ids}, "received_at": {"$gte": since}}},
                    {"$group": {"_id": key, "total": {"$sum": expression}}}]
        cursor = await self.inquiries.aggregate(pipeline)
        return {row["_id"]: row["total"] async for row in cursor}

    async def demand_by_country(self, supplier_ids: list[str], since: datetime) -> dict[str, int]:
        return await self._sum_by(supplier_ids, since, "$buyer_country", 1)
