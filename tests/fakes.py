"""In-memory fakes of each service's store and of the outbox relay, for the fast use-case tests (no servers).

They keep the real stores' semantics that the use cases rely on: state goes through JSON and back (as in the
database), a save is refused when the version moved meanwhile (optimistic concurrency), state and pending events
land together (the outbox), a projection write lands only if its sequence is newer, one supplier per ICE."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo import InsertOne
from pymongo.errors import BulkWriteError

from services.catalogue.domain import ListingStatus, Product, SupplierStanding
from services.catalogue.readers import SupplierChanged as CatalogueSupplierChanged
from services.inquiries.domain import Inquiry, KnownSupplier, ListedProduct
from services.inquiries.readers import ProductOffered
from services.inquiries.readers import SupplierChanged as InquiriesSupplierChanged
from services.onboarding.contacts import Preferences
from services.onboarding.domain import Supplier
from services.onboarding.nations import nation
from services.onboarding.store import already_registered
from shared.contracts.envelope import Envelope, Reader
from shared.errors import ConcurrentUpdate
from tests.showcase_model import Projection


@dataclass
class Collection:
    """Documents by id, with the two writes every store is built on."""

    name: str
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)
    outbox: list[Envelope] = field(default_factory=list)

    def save_aggregate(self, _id: str, expected_version: int, state: dict[str, Any],
                       envelopes: list[Envelope]) -> None:
        stored = self.docs.get(_id)
        if (stored is None) != (expected_version == 0) or (stored and stored["version"] != expected_version):
            raise ConcurrentUpdate(f"{_id} changed meanwhile (expected version {expected_version})")
        self.docs[_id] = dict(state)
        self.outbox.extend(envelopes)

    def apply_if_newer(self, _id: str, sequence: int, fields: dict[str, Any]) -> bool:
        stored = self.docs.get(_id)
        if stored is not None and stored["sequence"] >= sequence:
            return False
        self.docs[_id] = {**(stored or {}), **fields, "sequence": sequence}
        return True

    def events(self) -> list[Any]:
        """The pending events' data, in the order they were written."""
        return [e.data for e in self.outbox]


class HandledEvents:
    """The collection `shared.storage.mongo.handle_once` records side-effecting events in: by _id, unique, `$set` updates;
    reached as the write coalescer reaches a collection (`bulk_write` unordered, `find` by `_id` `$in`)."""

    name, full_name = "handled", "fake.handled"

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.database = self.client = self  # what the coalescer resolves a collection through

    def __getitem__(self, _name: str) -> HandledEvents:
        return self

    async def bulk_write(self, operations: list[Any], ordered: bool = True) -> None:
        errors = []
        for index, operation in enumerate(operations):
            if isinstance(operation, InsertOne):
                if operation._doc["_id"] in self.docs:
                    errors.append({"index": index, "code": 11000, "errmsg": "E11000 duplicate key error: _id"})
                else:
                    self.docs[operation._doc["_id"]] = dict(operation._doc)
            elif operation._filter["_id"] in self.docs:  # UpdateOne with `$set`
                self.docs[operation._filter["_id"]].update(operation._doc["$set"])
        if errors:
            raise BulkWriteError({"writeErrors": errors, "writeConcernErrors": []})

    async def find(self, query: dict, projection: Any = None) -> AsyncIterator[dict]:
        for _id in query["_id"]["$in"]:
            if _id in self.docs:
                yield self.docs[_id]


class FakeRelay:
    def __init__(self) -> None:
        self.woken: list[tuple[str, str]] = []

    def wake(self, collection: Collection, aggregate_id: str) -> None:
        self.woken.append((collection.name, aggregate_id))


class FakeSupplierStore:
    def __init__(self) -> None:
        self.suppliers = Collection("suppliers")
        self.preferences: dict[str, Preferences] = {}

    async def preferences_of(self, supplier_id: str) -> Preferences | None:
        return self.preferences.get(supplier_id)

    async def preferences_of_many(self, supplier_ids: list[str]) -> dict[str, Preferences]:
        return {i: self.preferences[i] for i in supplier_ids if i in self.preferences}

    async def save_preferences(self, supplier_id: str, preferences: Preferences) -> None:
        self.preferences[supplier_id] = preferences

    async def get_many(self, supplier_ids: list[str]) -> list[Supplier]:
        return [Supplier.model_validate(self.suppliers.docs[i]) for i in supplier_ids if i in self.suppliers.docs]

    async def get(self, supplier_id: str) -> Supplier | None:
        doc = self.suppliers.docs.get(supplier_id)
        return Supplier.model_validate(doc) if doc else None

    async def due_for_expiry(self, now: datetime) -> list[Supplier]:
        return [s for s in map(Supplier.model_validate, self.suppliers.docs.values())
                if s.status == "verified" and s.valid_until and s.valid_until <= now]

    async def partner_commands(self, supplier_id: str) -> list[str]:
        return list(self.suppliers.docs.get(supplier_id, {}).get("partner_commands", []))

    async def save(self, supplier: Supplier, envelopes: list[Envelope],
                   partner_commands: list[str] | None = None) -> None:
        key = nation(supplier.profile.country).registration(supplier.profile)
        if any(d["registration"] == key and i != supplier.supplier_id for i, d in self.suppliers.docs.items()):
            raise already_registered(supplier)
        state = supplier.model_dump(mode="json") | {"registration": key} | (
            {"partner_commands": partner_commands} if partner_commands is not None else {})
        self.suppliers.save_aggregate(supplier.supplier_id, supplier.version - 1, state, envelopes)


class FakeCatalogueStore:
    def __init__(self) -> None:
        self.products = Collection("products")
        self.suppliers = Collection("suppliers")

    async def get_product(self, product_id: str) -> Product | None:
        doc = self.products.docs.get(product_id)
        return Product.model_validate(doc) if doc else None

    async def products_of(self, supplier_id: str, status: ListingStatus | None = None) -> list[Product]:
        return [Product.model_validate(d) for d in self.products.docs.values()
                if d["supplier_id"] == supplier_id and (status is None or d["status"] == status.value)]

    async def save_product(self, product: Product, envelopes: list[Envelope]) -> None:
        self.products.save_aggregate(product.product_id, product.version - 1, product.model_dump(mode="json"),
                                     envelopes)

    async def standing(self, supplier_id: str) -> SupplierStanding | None:
        doc = self.suppliers.docs.get(supplier_id)
        return SupplierStanding.model_validate(doc) if doc else None

    async def apply_supplier_event(self, event: CatalogueSupplierChanged) -> SupplierStanding | None:
        fields = {"supplier_id": event.supplier_id, "status": str(event.status), "country": event.profile.country}
        self.suppliers.apply_if_newer(event.supplier_id, event.sequence, fields)
        return await self.standing(event.supplier_id)


class FakeInquiryStore:
    def __init__(self) -> None:
        self.inquiries = Collection("inquiries")
        self.products = Collection("products")
        self.suppliers = Collection("suppliers")

    async def get(self, inquiry_id: str) -> Inquiry | None:
        doc = self.inquiries.docs.get(inquiry_id)
        return Inquiry.model_validate(doc) if doc else None

    async def get_many(self, inquiry_ids: list[str]) -> list[Inquiry]:
        return [Inquiry.model_validate(self.inquiries.docs[i]) for i in inquiry_ids if i in self.inquiries.docs]

    async def save(self, inquiry: Inquiry, envelopes: list[Envelope]) -> None:
        self.inquiries.save_aggregate(inquiry.inquiry_id, inquiry.version - 1, inquiry.model_dump(mode="json"),
                                      envelopes)

    async def of_supplier(self, supplier_id: str) -> list[Inquiry]:
        found = [Inquiry.model_validate(d) for d in self.inquiries.docs.values() if d["supplier_id"] == supplier_id]
        return sorted(found, key=lambda i: i.received_at, reverse=True)

    async def supplier(self, supplier_id: str) -> KnownSupplier | None:
        doc = self.suppliers.docs.get(supplier_id)
        return KnownSupplier.model_validate(doc) if doc else None

    async def apply_supplier_event(self, event: InquiriesSupplierChanged) -> bool:
        fields = {"supplier_id": event.supplier_id, "status": str(event.status)}
        return self.suppliers.apply_if_newer(event.supplier_id, event.sequence, fields)

    async def product(self, product_id: str) -> ListedProduct | None:
        doc = self.products.docs.get(product_id)
        return ListedProduct.model_validate(doc) if doc else None

    async def apply_product_event(self, event: ProductOffered) -> bool:
        fields = {"product_id": event.product_id, "supplier_id": event.supplier_id, "listed": event.LISTED}
        return self.products.apply_if_newer(event.product_id, event.sequence, fields)


class FakeShowcaseStore:
    """The durable read model in memory (tests/showcase_model.Projection: the store's newest-sequence-wins)."""

    def __init__(self) -> None:
        self.model = Projection()

    async def apply(self, event: Reader) -> bool:
        return self.model.apply(event)

    async def snapshot(self, since: datetime) -> dict[str, list[dict]]:
        docs = self.model.docs
        return {"suppliers": list(docs["suppliers"].values()), "products": list(docs["products"].values()),
                "inquiries": [d for d in docs["inquiries"].values() if d["received_at"] >= since]}
