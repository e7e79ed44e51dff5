"""showcase's read model, fed by events only: `suppliers`, `products`, `inquiries`. Every write is
`apply_if_newer` of the fields `feed/projection.route` gives, so a repeated or older event changes nothing.
The store is the durable copy: a process loads it once at start (`snapshot`), then follows the log in memory
(feed/tail.py); no page request reads it."""

from __future__ import annotations

import asyncio
from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.showcase.feed.projection import INQUIRIES, PRODUCTS, SUPPLIERS, route
from shared.contracts.envelope import Reader
from shared.storage.mongo import apply_all_if_newer, apply_if_newer

Folded = dict[str, dict[str, list[tuple[int, dict]]]]  # collection -> document id -> its (sequence, fields) in order


def fold(events: list[Reader], into: Folded | None = None) -> Folded:
    """Events in log order gathered per collection and document, as `write_folded` takes them."""
    changes = into if into is not None else {}
    for event in events:  # per event of a replay: no empty dict or list made for setdefault to throw away
        routed = route(event)
        if routed is not None:
            collection, _id, fields = routed
            documents = changes.get(collection)
            if documents is None:
                documents = changes[collection] = {}
            each = documents.get(_id)
            if each is None:
                documents[_id] = [(event.sequence, fields)]
            else:
                each.append((event.sequence, fields))
    return changes


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
        await self.inquiries.create_index([("received_at", ASCENDING)], name="by_received")

    async def apply(self, event: Reader) -> bool:
        routed = route(event)
        if routed is None:
            return False
        collection, _id, fields = routed
        return await apply_if_newer(self._collections[collection], _id, event.sequence, fields)

    async def write_folded(self, changes: Folded, written: dict[str, set[str]] | None = None) -> None:
        """Events of many aggregates that `fold` gathered in log order, with the result of applying them one by one:
        per document (`apply_all_if_newer`), so a replay's batch is one bulk per collection whatever its events per
        aggregate. `written`: when the caller created the collections empty, the ids it has written there so far
        per collection (kept up to date here); the others are inserted."""
        writes = []
        for collection, each in changes.items():
            absent: set[str] = set()
            if written is not None:  # marked before the write: a retried batch upserts what it may have inserted
                absent = each.keys() - written.setdefault(collection, set())
                written[collection].update(absent)
            writes.append(apply_all_if_newer(self._collections[collection], each, absent))
        await asyncio.gather(*writes)

    async def snapshot(self, since: datetime) -> dict[str, list[dict]]:
        """The whole read model a process starts its in-memory page model from (inquiries of the window only)."""
        suppliers, products, inquiries = await asyncio.gather(
            self.suppliers.find({}).to_list(None), self.products.find({}).to_list(None),
            self.inquiries.find({"received_at": {"$gte": since}}).to_list(None))
        return {SUPPLIERS: suppliers, PRODUCTS: products, INQUIRIES: inquiries}
