"""inquiries use cases: command -> domain -> one atomic store write (state + outbox) -> wake the relay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.inquiries import domain
from services.inquiries.domain import BuyerRequest, Inquiry
from services.inquiries.store import InquiryStore
from shared.errors import NotFound
from shared.events import Envelope, ProductEvent
from shared.messaging import OutboxRelay
from shared.telemetry import current_traceparent

SOURCE = "/tijara/inquiries"


class Inquiries:
    def __init__(self, store: InquiryStore, relay: OutboxRelay) -> None:
        self.store = store
        self.relay = relay

    async def receive(self, request: BuyerRequest) -> Inquiry:
        inquiry_id = f"inq-{uuid.uuid4().hex[:12]}"
        product = await self.store.product(request.product_id)
        inquiry, events = domain.receive_inquiry(inquiry_id, request, product, datetime.now(UTC))
        traceparent = current_traceparent()
        await self.store.save(inquiry, [Envelope(e, SOURCE, traceparent=traceparent) for e in events])
        self.relay.wake(self.store.inquiries, inquiry.inquiry_id)
        return inquiry

    async def get(self, inquiry_id: str) -> Inquiry:
        inquiry = await self.store.get(inquiry_id)
        if inquiry is None:
            raise NotFound(f"no inquiry {inquiry_id!r}", inquiry_id=inquiry_id)
        return inquiry

    async def on_product_event(self, event: ProductEvent) -> None:
        await self.store.apply_product_event(event)
