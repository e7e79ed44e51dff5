"""onboarding use cases: command -> domain -> one atomic store write (state + outbox) -> wake the relay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.onboarding import domain
from services.onboarding.domain import Supplier
from services.onboarding.store import SupplierStore
from shared.errors import NotFound
from shared.events import Envelope, Event, SupplierProfile
from shared.messaging import OutboxRelay
from shared.telemetry import current_traceparent

SOURCE = "/tijara/onboarding"


class Onboarding:
    def __init__(self, store: SupplierStore, relay: OutboxRelay) -> None:
        self.store = store
        self.relay = relay

    async def submit_application(self, profile: SupplierProfile, submitted_by: str | None) -> Supplier:
        supplier_id = f"sup-{uuid.uuid4().hex[:12]}"
        supplier, events = domain.submit_application(supplier_id, profile, submitted_by, datetime.now(UTC))
        return await self._save(supplier, events)

    async def verify(self, supplier_id: str) -> Supplier:
        supplier, events = domain.verify(await self.get(supplier_id), datetime.now(UTC))
        return await self._save(supplier, events)

    async def reject(self, supplier_id: str, reason: str) -> Supplier:
        supplier, events = domain.reject(await self.get(supplier_id), reason, datetime.now(UTC))
        return await self._save(supplier, events)

    async def get(self, supplier_id: str) -> Supplier:
        supplier = await self.store.get(supplier_id)
        if supplier is None:
            raise NotFound(f"no supplier {supplier_id!r}", supplier_id=supplier_id)
        return supplier

    async def _save(self, supplier: Supplier, events: list[Event]) -> Supplier:
        traceparent = current_traceparent()
        await self.store.save(supplier, [Envelope(e, SOURCE, traceparent=traceparent) for e in events])
        self.relay.wake(self.store.suppliers, supplier.supplier_id)
        return supplier
