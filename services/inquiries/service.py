"""inquiries use cases: command -> domain -> one atomic store write (state + outbox) -> wake the relay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from services.inquiries import access, domain
from services.inquiries.domain import BuyerRequest, Correspondence, Inquiry, KnownSupplier, ListedProduct, PastInquiry
from services.inquiries.readers import ProductOffered, SupplierChanged
from shared.contracts.actors import Actor, Role
from shared.contracts.envelope import Envelope, Event
from shared.errors import NotFound
from shared.messaging.outbox import Outbox
from shared.messaging.relay import Relay

SOURCE = "/tijara/inquiries"


class InquiryRecords(Protocol):
    """What the use cases need of the store: services.inquiries.store.InquiryStore (tests: an in-memory fake)."""

    inquiries: Any  # the aggregate collection the relay is woken for

    async def get(self, inquiry_id: str) -> Inquiry | None: ...
    async def get_many(self, inquiry_ids: list[str]) -> list[Inquiry]: ...
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
        self.outbox = Outbox(SOURCE, relay, store.inquiries)

    async def receive(self, request: BuyerRequest, received_at: datetime | None = None) -> Inquiry:
        """From a buyer, without a token: the event names the buyer's company, never the contact. `received_at`:
        when it came, for an inquiry brought in from before the supplier joined (`bring_in`)."""
        inquiry_id = f"inq-{uuid.uuid4().hex[:12]}"
        product = await self.store.product(request.product_id) if request.product_id else None
        supplier = await self.store.supplier(request.supplier_id) if request.supplier_id else None
        buyer = Actor(subject="buyer", role=Role.BUYER, organisation=request.buyer_company)
        return await self._save(*domain.receive_inquiry(inquiry_id, request, product, supplier,
                                                        received_at or datetime.now(UTC)), buyer)

    async def bring_in(self, past: PastInquiry, actor: Actor) -> Inquiry:
        """A past inquiry with its own times: received, then answered if it was (two events, as they happened)."""
        domain.check_past(past, datetime.now(UTC))
        inquiry = await self.receive(past.request, past.received_at)
        if past.response and past.responded_at:
            inquiry = await self._save(*domain.respond(inquiry, past.response, past.responded_at), actor)
        return inquiry

    async def respond(self, inquiry_id: str, message: str, actor: Actor) -> Inquiry:
        inquiry = await self.get(inquiry_id)
        access.addressed_to(actor, inquiry.supplier_id, staff_too=False)
        return await self._save(*domain.respond(inquiry, message, datetime.now(UTC)), actor)

    async def close(self, inquiry_id: str, reason: str | None, actor: Actor) -> Inquiry:
        inquiry = await self.get(inquiry_id)
        access.addressed_to(actor, inquiry.supplier_id)
        return await self._save(*domain.close(inquiry, reason, datetime.now(UTC)), actor)

    async def read(self, inquiry_id: str, actor: Actor) -> Inquiry:
        inquiry = await self.get(inquiry_id)
        access.addressed_to(actor, inquiry.supplier_id)
        return inquiry

    async def correspondence(self, inquiry_id: str, actor: Actor) -> Correspondence:
        inquiry = await self.get(inquiry_id)
        access.may_correspond(actor, inquiry.supplier_id)
        if inquiry.contact_erased_at is not None:  # nobody to write to any more
            raise NotFound(f"inquiry {inquiry_id}'s buyer contact was erased", inquiry_id=inquiry_id)
        return Correspondence.of(inquiry)

    async def correspondences(self, inquiry_ids: list[str]) -> list[Correspondence]:
        """Many at once, for the notifier's sending batches (the route lets only the notifier in): those not found
        or erased are left out."""
        found = await self.store.get_many(list(dict.fromkeys(inquiry_ids)))
        return [Correspondence.of(i) for i in found if i.contact_erased_at is None]

    async def get(self, inquiry_id: str) -> Inquiry:
        inquiry = await self.store.get(inquiry_id)
        if inquiry is None:
            raise NotFound(f"no inquiry {inquiry_id!r}", inquiry_id=inquiry_id)
        return inquiry

    async def of_supplier(self, supplier_id: str, actor: Actor) -> list[Inquiry]:
        access.addressed_to(actor, supplier_id)
        return await self.store.of_supplier(supplier_id)

    async def on_product_event(self, event: ProductOffered) -> None:
        await self.store.apply_product_event(event)

    async def on_supplier_event(self, event: SupplierChanged) -> None:
        await self.store.apply_supplier_event(event)

    async def _save(self, inquiry: Inquiry, events: list[Event], actor: Actor) -> Inquiry:
        await self.outbox.save(inquiry.inquiry_id, events, actor, lambda out: self.store.save(inquiry, out))
        return inquiry
