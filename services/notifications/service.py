"""notifications use cases: events -> the messages they cause, recorded (the service's own outbox) before anything is
sent; the periodic looks (reminders, expiring verifications, digests, retention); a recipient's unsubscribe; the
operators' view. Sending is services/notifications/delivery.py's."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any, Protocol

from services.notifications import domain
from services.notifications.domain import Notice, Recipient, Status
from services.notifications.readers import (
    SUBMITTED,
    InquiryAnswered,
    InquiryArrived,
    InquiryNoticed,
    ProductNamed,
    SupplierNoticed,
)
from services.notifications.store import NotificationStore
from shared.contracts.envelope import Envelope
from shared.telemetry.tracing import current_traceparent


class Sender(Protocol):
    def wake(self) -> None: ...


class Notifications:
    def __init__(self, store: NotificationStore, sender: Sender, domain_name: str,
                 flood_limit: int = domain.FLOOD_LIMIT) -> None:
        self.store = store
        self.sender = sender
        self.domain_name = domain_name  # the right-hand side of our Message-IDs
        self.flood_limit = flood_limit

    # --- events ---------------------------------------------------------------------------------------------------

    async def on_inquiry(self, envelope: Envelope, now: datetime | None = None) -> None:
        event: InquiryNoticed = envelope.data
        now = now or datetime.now(UTC)
        facts = {"inquiry_id": event.inquiry_id, "supplier_id": event.supplier_id, "product_id": event.product_id,
                 "received_at": event.received_at, "open": isinstance(event, InquiryArrived)}
        if isinstance(event, InquiryArrived):
            facts |= {"buyer_company": event.buyer_company, "buyer_country": event.buyer_country,
                      "quantity": event.quantity, "unit": event.unit, "destination": event.destination}
        await self.store.apply_inquiry(event.inquiry_id, event.sequence, facts)
        if domain.is_stale(event.occurred_at, now):
            return
        if isinstance(event, InquiryArrived):
            await self.record(domain.on_inquiry_received(envelope.id, _plain(facts)), now)
        elif isinstance(event, InquiryAnswered):
            await self.record(domain.on_inquiry_answered(envelope.id, _plain(facts)), now)

    async def on_supplier(self, envelope: Envelope, now: datetime | None = None) -> None:
        event: SupplierNoticed = envelope.data
        now = now or datetime.now(UTC)
        card = {"supplier_id": event.supplier_id, "name": event.profile.trade_name, "status": str(event.status),
                "level": str(event.verification_level), "region": str(event.profile.region),
                "country": event.profile.country, "valid_until": event.valid_until}
        if envelope.type == SUBMITTED and event.submitted_by:
            card["partner"] = event.submitted_by
        await self.store.apply_supplier(event.supplier_id, event.sequence, card)
        if domain.is_stale(event.occurred_at, now):
            return
        known = await self.store.supplier(event.supplier_id) or {}
        facts = {"supplier_id": event.supplier_id, "valid_until": event.valid_until, "reason": event.reason}
        await self.record(domain.on_supplier_event(envelope.id, envelope.type, _plain(facts), known.get("partner")),
                          now)

    async def on_product(self, envelope: Envelope) -> None:
        event: ProductNamed = envelope.data
        if event.listing is not None:
            await self.store.apply_product(event.product_id, event.sequence, event.listing.title.model_dump())

    # --- recording ------------------------------------------------------------------------------------------------

    async def record(self, notices: list[Notice], now: datetime) -> int:
        """Each notice as a queued message (or held for its supplier's hourly digest when the hour's inquiries
        pass the limit); those recorded before are left alone. Returns how many are new."""
        new = 0
        for notice in notices:
            held = None
            if notice.kind in domain.DIGESTIBLE:
                window = domain.flood_window(_at(notice.facts.get("received_at")) or now)
                count = await self.store.count_in_window(str(notice.recipient), window)
                if domain.held_for_flood(notice.kind, count, self.flood_limit):
                    held = window + domain.FLOOD_WINDOW
            message_id = domain.message_id(notice.key, self.domain_name)
            if await self.store.record(notice, message_id, now, current_traceparent(), held):
                new += 1
        if new:
            self.sender.wake()
        return new

    # --- periodic looks -------------------------------------------------------------------------------------------

    async def remind(self, now: datetime | None = None) -> int:
        """One reminder per inquiry still open 20 hours after it arrived."""
        now = now or datetime.now(UTC)
        open_ = await self.store.open_inquiries(now - domain.REMINDER_AFTER)
        due = [i for i in open_ if domain.reminder_due(_at(i["received_at"]), now)]
        new = await self.record([domain.reminder(_plain(i)) for i in due], now)
        for inquiry in due:  # recorded (now or before): not looked at again
            await self.store.reminded(inquiry["_id"])
        return new

    async def warn_expiring(self, now: datetime | None = None) -> int:
        now = now or datetime.now(UTC)
        due = [s for s in await self.store.ending_before(now + domain.EXPIRY_WARNING)
               if domain.expiry_due(s["status"], _at(s.get("valid_until")), now)]
        new = await self.record([n for s in due for n in domain.expiry_warning(
            _plain({"supplier_id": s["_id"], "valid_until": s["valid_until"]}), s.get("partner"))], now)
        for supplier in due:  # recorded (now or before): not looked at again for this verification
            await self.store.warned(supplier["_id"], supplier["valid_until"])
        return new

    async def gather_digests(self, now: datetime | None = None) -> int:
        """The held messages whose time has come, one digest per recipient; the members then settle as digested."""
        now = now or datetime.now(UTC)
        by_recipient: dict[str, list[dict]] = defaultdict(list)
        for held in await self.store.held_until(now):
            by_recipient[held["recipient"]].append(held)
        for recipient, members in by_recipient.items():
            until = max(_at(m["held_until"]) for m in members)
            notice = domain.digest(Recipient.parse(recipient), until, members)
            await self.record([notice], min(now, datetime.now(UTC)))  # due now, even when asked about later
            for member in members:
                await self.store.settle(member["_id"], Status.DIGESTED, now, digest=notice.key)
        return len(by_recipient)

    async def purge(self, now: datetime | None = None) -> int:
        return await self.store.purge_older_than((now or datetime.now(UTC)) - domain.RETENTION)

    # --- people and operators -------------------------------------------------------------------------------------

    async def unsubscribe(self, address: str) -> None:
        await self.store.unsubscribe(address, datetime.now(UTC))

    async def retry(self, key: str) -> bool:
        requeued = await self.store.requeue(key, datetime.now(UTC))
        if requeued:
            self.sender.wake()
        return requeued


def _plain(facts: dict[str, Any]) -> dict[str, Any]:
    """Facts as stored and rendered: datetimes as ISO text (a message's facts are JSON-shaped)."""
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in facts.items() if k != "_id"}


def _at(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value.replace(tzinfo=value.tzinfo or UTC) if value else None
    return datetime.fromisoformat(value)
