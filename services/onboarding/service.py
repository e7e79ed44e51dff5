"""onboarding use cases: command -> domain -> one atomic store write (state + outbox) -> wake the relay.

The partner-facing ones (application, endorsement, inspection) also serve partner commands: `answering` puts the
command's accepted outcome and its id in the same write as the change, so the change, its answer and the record
that it was applied land together (see consumers.py).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime, time
from typing import Any, Protocol

from services.onboarding import access, contacts, domain
from services.onboarding.application import SupplierApplication
from services.onboarding.contacts import ContactPreferences, Preferences, SupplierContactCard
from services.onboarding.domain import Supplier
from shared.contracts.actors import Actor, pseudonym, system
from shared.contracts.envelope import Envelope, Event
from shared.contracts.partner_commands import PartnerCommand, PartnerCommandOutcome
from shared.contracts.partners import ReceiptOutcome
from shared.contracts.suppliers import SupplierProfile
from shared.contracts.vocabulary import DocumentKind, ExportAgency, InspectionBody
from shared.errors import ConcurrentUpdate, Conflict, MarketplaceError, NotFound
from shared.messaging.outbox import Outbox
from shared.messaging.relay import Relay

SOURCE = "/tijara/onboarding"
SYSTEM = system("onboarding")
log = logging.getLogger(__name__)


def _known(vocabulary: type, value: str):
    """A partner's plain string as one of the marketplace's names, or a clear 400 listing the known ones."""
    try:
        return vocabulary(value)
    except ValueError:
        known = ", ".join(v.value for v in vocabulary)
        raise MarketplaceError(f"unknown {vocabulary.__name__} {value!r}; known: {known}", value=value) from None


def _moment(when: date | datetime) -> datetime:
    """An inspection date as an aware instant (a plain date means midnight UTC)."""
    if isinstance(when, datetime):
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return datetime.combine(when, time(0), tzinfo=UTC)


class SupplierRecords(Protocol):
    """What the use cases need of the store: services.onboarding.store.SupplierStore (tests: an in-memory fake)."""

    suppliers: Any  # the aggregate collection the relay is woken for

    async def get(self, supplier_id: str) -> Supplier | None: ...
    async def partner_commands(self, supplier_id: str) -> list[str]: ...
    async def get_many(self, supplier_ids: list[str]) -> list[Supplier]: ...
    async def preferences_of(self, supplier_id: str) -> Preferences | None: ...
    async def preferences_of_many(self, supplier_ids: list[str]) -> dict[str, Preferences]: ...
    async def save_preferences(self, supplier_id: str, preferences: Preferences) -> None: ...
    async def due_for_expiry(self, now: datetime) -> list[Supplier]: ...
    async def save(self, supplier: Supplier, envelopes: list[Envelope],
                   partner_commands: list[str] | None = None) -> None: ...


class Onboarding:
    def __init__(self, store: SupplierRecords, relay: Relay) -> None:
        self.store = store
        self.relay = relay
        self.outbox = Outbox(SOURCE, relay, store.suppliers)

    async def submit_application(self, application: SupplierApplication | SupplierProfile,
                                 submitted_by: str | None = None, *, supplier_id: str | None = None,
                                 actor: Actor | None = None, answering: PartnerCommand | None = None) -> Supplier:
        """From the SME itself (submitted_by None) or from an onboarding partner on its behalf."""
        if isinstance(application, SupplierProfile):
            application = SupplierApplication(profile=application)
        if supplier_id and await self.store.get(supplier_id):  # an SME account applies once for its supplier id
            raise Conflict(f"supplier {supplier_id} has already applied", supplier_id=supplier_id)
        supplier_id = supplier_id or f"sup-{uuid.uuid4().hex[:12]}"
        supplier, events = domain.submit_application(supplier_id, application, submitted_by, datetime.now(UTC))
        return await self._save(supplier, events, actor, answering)

    async def review_document(self, supplier_id: str, kind: DocumentKind, accepted: bool,
                              note: str | None = None, *, actor: Actor | None = None) -> Supplier:
        supplier = domain.review_document(await self.get(supplier_id), kind, accepted, note)
        return await self._save(supplier, [], actor)

    async def verify_documents(self, supplier_id: str, reviewer: str, *, actor: Actor | None = None) -> Supplier:
        """The reviewer is kept as named here; the event names them by pseudonym (shared.contracts.actors)."""
        return await self._save(*domain.verify_documents(await self.get(supplier_id), reviewer, datetime.now(UTC),
                                                         published_as=pseudonym(reviewer)), actor)

    async def endorse(self, supplier_id: str, agency: str, *, actor: Actor | None = None,
                      answering: PartnerCommand | None = None) -> Supplier:
        supplier = await self.get(supplier_id)
        return await self._save(*domain.endorse(supplier, _known(ExportAgency, agency), datetime.now(UTC)), actor,
                                answering)

    async def record_inspection(self, supplier_id: str, body: str, report_id: str, passed: bool,
                                inspected_on: date | datetime, reason: str | None = None, *,
                                actor: Actor | None = None, answering: PartnerCommand | None = None) -> Supplier:
        supplier = await self.get(supplier_id)
        return await self._save(*domain.record_inspection(
            supplier, _known(InspectionBody, body), report_id, passed, _moment(inspected_on), reason,
            datetime.now(UTC)), actor, answering)

    async def verify(self, supplier_id: str, *, actor: Actor | None = None) -> Supplier:
        return await self._save(*domain.verify(await self.get(supplier_id), datetime.now(UTC)), actor)

    async def reject(self, supplier_id: str, reason: str, *, actor: Actor | None = None) -> Supplier:
        return await self._save(*domain.reject(await self.get(supplier_id), reason, datetime.now(UTC)), actor)

    async def suspend(self, supplier_id: str, reason: str, *, actor: Actor | None = None) -> Supplier:
        return await self._save(*domain.suspend(await self.get(supplier_id), reason, datetime.now(UTC)), actor)

    async def reinstate(self, supplier_id: str, *, actor: Actor | None = None) -> Supplier:
        return await self._save(*domain.reinstate(await self.get(supplier_id), datetime.now(UTC)), actor)

    async def expire_verifications(self, now: datetime | None = None, *, actor: Actor = SYSTEM) -> list[str]:
        """Every verified supplier whose verification ran out becomes expired (one write each). Safe to run
        concurrently with itself: a supplier changed meanwhile is skipped and caught by the next run."""
        now = now or datetime.now(UTC)
        expired = []
        for supplier in await self.store.due_for_expiry(now):
            try:
                await self._save(*domain.expire(supplier, now), actor)
            except ConcurrentUpdate:
                log.info("supplier %s changed while expiring; next run decides", supplier.supplier_id)
                continue
            expired.append(supplier.supplier_id)
        if expired:
            log.info("verification expired for %d suppliers", len(expired))
        return expired

    async def contact(self, supplier: Supplier) -> SupplierContactCard:
        """Whom to write to about `supplier` (the caller was checked: access.may_read_contact)."""
        return contacts.contact_card(supplier, await self.store.preferences_of(supplier.supplier_id))

    async def contacts(self, supplier_ids: list[str], actor: Actor) -> list[tuple[Supplier, SupplierContactCard]]:
        """Many suppliers' contacts at once, for the notifier's sending batches (two reads, however many): a supplier
        unknown is left out; one whose contact was erased answers without it, as `contact` does."""
        asked = list(dict.fromkeys(supplier_ids))
        found = await self.store.get_many(asked)
        for supplier in found:
            access.may_read_contact(actor, supplier)
        chosen = await self.store.preferences_of_many([s.supplier_id for s in found])
        return [(s, contacts.contact_card(s, chosen.get(s.supplier_id))) for s in found]

    async def choose(self, supplier: Supplier, preferences: Preferences) -> ContactPreferences:
        """The SME's language and digest, replacing its earlier choice; no event (not public state)."""
        await self.store.save_preferences(supplier.supplier_id, preferences)
        return contacts.chosen(supplier, preferences)

    async def get(self, supplier_id: str) -> Supplier:
        supplier = await self.store.get(supplier_id)
        if supplier is None:
            raise NotFound(f"no supplier {supplier_id!r}", supplier_id=supplier_id)
        return supplier

    async def _save(self, supplier: Supplier, events: list[Event], actor: Actor | None,
                    answering: PartnerCommand | None = None) -> Supplier:
        """`actor` travels on every event of the change (None only for callers that predate it)."""
        applied, answers = None, []
        if answering is not None:
            answers = [PartnerCommandOutcome(command_id=answering.command_id, partner=answering.partner,
                                             outcome=ReceiptOutcome.ACCEPTED, supplier_id=supplier.supplier_id,
                                             occurred_at=datetime.now(UTC))]
            applied = [*await self.store.partner_commands(supplier.supplier_id), answering.command_id]
        await self.outbox.save(supplier.supplier_id, events, actor,
                               lambda out: self.store.save(supplier, out, partner_commands=applied), answers=answers)
        return supplier
