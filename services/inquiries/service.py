"""inquiries use cases: command -> domain -> one atomic store write (state + outbox) -> wake the relay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from services.inquiries import domain
from services.inquiries.domain import BuyerRequest, Inquiry, KnownSupplier, ListedProduct
from services.inquiries.readers import ProductOffered, SupplierChanged
from shared.envelope import Envelope, Event
from shared.errors import NotFound
from shared.messaging import Relay
from shared.telemetry import current_traceparent

SOURCE = "/tijara/inquiries"


class InquiryRecords(Protocol):
    """What the use cases need of the store: services.inquiries.store.InquiryStore (tests: an in-memory fake)."""

    inquiries: Any  # the aggregate collection the relay is woken for

    async def get(self, inquiry_id: str) -> Inquiry | None: ...
    async def save(self, inquiry: Inquiry, envelopes: list[Envelope]) -> None: ...
    async def of_supplier(self, supplier_id: str) -> list[Inquiry]: ...
    async def supplier(self, supplier_id: str) -> KnownSupplier | None: ...
    async def apply_supplier_event(self, event: SupplierChanged) -> bool: ...
    async def product(self, product_id: str) -> ListedProduct | None: ...
    async def apply_product_event(self, event: ProductOffered) -> bool: ...


class Inquiries:
    def __init__(self, store: InquiryRecords, relay: Relay) -> None:
        self.store = store
        self.relay = relay

    async def receive(self, request: BuyerRequest) -> Inquiry:
        inquiry_id = f"inq-{uuid.uuid4().hex[:12]}"
        product = await self.store.product(request.product_id) if request.product_id else None
        supplier = await self.store.supplier(request.supplier_id) if request.supplier_id else None
        return await self._save(*domain.receive_inquiry(inquiry_id, request, product, supplier, datetime.now(UTC)))

    async def respond(self, inquiry_id: str, message: str) -> Inquiry:
        return await self._save(*domain.respond(await self.get(inquiry_id), message, datetime.now(UTC)))

    async def close(self, inquiry_id: str, reason: str | None) -> Inquiry:
        return await self._save(*domain.close(await self.get(inquiry_id), reason, datetime.now(UTC)))

    async def get(self, inquiry_id: str) -> Inquiry:
        inquiry = await self.store.get(inquiry_id)
        if inquiry is None:
            raise NotFound(f"no inquiry {inquiry_id!r}", inquiry_id=inquiry_id)
        return inquiry

    async def of_supplier(self, supplier_id: str) -> list[Inquiry]:
        return await self.store.of_supplier(supplier_id)

    async def on_product_event(self, event: ProductOffered) -> None:
        await self.store.apply_product_event(event)

    async def on_supplier_event(self, event: SupplierChanged) -> None:
        await self.store.apply_supplier_event(event)

    async def _save(self, inquiry: Inquiry, events: list[Event]) -> Inquiry:
        traceparent = current_traceparent()
        await self.store.save(inquiry, [Envelope(e, SOURCE, traceparent=traceparent) for e in events])
        self.relay.wake(self.store.inquiries, inquiry.inquiry_id)
        return inquiry
