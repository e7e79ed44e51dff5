"""The personal data onboarding holds: each supplier's contact person (name, e-mail, phone) and the SME's contact
preferences. Erased on request (`POST /privacy/erasure`), exported (`/privacy/export`), erased when a rejected
applicant's retention runs out, and every read of a contact recorded (`contact_reads`): operators list them by
supplier or person, the SME sees who read its own contact.

An erasure is a versioned write of the supplier without its contact (no event: the contact was never on one), so a
change racing with it cannot write the contact back; the supplier keeps its business record (status, documents,
verification) and its place on the page."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.onboarding.domain import Supplier
from services.onboarding.store import SupplierStore
from shared.contracts.actors import Actor, Role
from shared.contracts.suppliers import SupplierStatus
from shared.errors import ConcurrentUpdate, NotAllowed
from shared.web.http_errors import responses
from shared.web.identity import require
from shared.web.privacy import (
    ContactRead,
    ErasureReport,
    Holder,
    PersonalExport,
    RETENTION_ERASED,
    RetentionRun,
    purpose,
    same_address,
)

log = logging.getLogger(__name__)
SERVICE = "onboarding"
CONTACT = "contact person (name, e-mail, phone)"
PREFERENCES = "contact preferences (language, digest)"


def record_of(supplier_id: str) -> str:
    return f"supplier {supplier_id}"


class SupplierPersonalData(Holder):
    def __init__(self, store: SupplierStore, secret: str, rejected_contact_retention: timedelta) -> None:
        super().__init__(SERVICE, store.suppliers.database, secret)
        self.store = store
        self.rejected_contact_retention = rejected_contact_retention

    # --- reads of a contact -----------------------------------------------------------------------------------

    def note_read(self, actor: Actor, request: Request, supplier: Supplier) -> None:
        """The caller was answered this supplier's contact (nothing is noted for an answer without it)."""
        self.note_reads(actor, request, [supplier])

    def note_reads(self, actor: Actor, request: Request, suppliers: list[Supplier]) -> None:
        """The caller was answered these suppliers' contacts: one read recorded for each with a contact."""
        self.reads.note(actor, purpose(request), [(record_of(s.supplier_id), self.key(c.email)) for s in suppliers
                                                  if (c := s.profile.contact) is not None and c.email])

    # --- erasure and export -----------------------------------------------------------------------------------

    async def holding(self, email: str) -> list[Supplier]:
        cursor = self.store.suppliers.find({"profile.contact.email": same_address(email)}, {"outbox": 0})
        return [Supplier.model_validate(d) async for d in cursor]

    async def erase(self, email: str, records: list[str] = ()) -> ErasureReport:
        async def erase_contacts() -> tuple[list[str], list[str]]:
            suppliers = await self.holding(email)
            for supplier in suppliers:
                await self.erase_contact(supplier.supplier_id)
            records = [record_of(s.supplier_id) for s in suppliers]
            return records, [f"{r}: {what}" for r in records for what in (CONTACT, PREFERENCES)]

        return await self.erase_once(email, erase_contacts)

    async def erase_contact(self, supplier_id: str, attempts: int = 3) -> None:
        """The supplier without its contact person, as a versioned write, and its preferences deleted."""
        for _ in range(attempts):
            supplier = await self.store.get(supplier_id)
            if supplier is None or supplier.profile.contact is None:
                break
            erased = supplier.without_contact().model_copy(
                update={"version": supplier.version + 1, "contact_erased_at": datetime.now(UTC)})
            try:
                await self.store.save(erased, [])
                break
            except ConcurrentUpdate:
                continue  # changed meanwhile: erase from the newer version
        await self.store.preferences.delete_one({"_id": supplier_id})

    async def export(self, email: str, records: list[str] = ()) -> PersonalExport:
        records = []
        for supplier in await self.holding(email):
            preferences = await self.store.preferences_of(supplier.supplier_id)
            reads = await self.reads.of(record=record_of(supplier.supplier_id))
            records.append({
                "record": record_of(supplier.supplier_id), "supplier_id": supplier.supplier_id,
                "company": supplier.profile.trade_name, "status": supplier.status.value,
                "contact": supplier.profile.contact.model_dump(mode="json"),
                "preferences": preferences.model_dump(mode="json") if preferences else None,
                "submitted_by": supplier.submitted_by,
                "contact_reads": [r.model_dump(mode="json") for r in reads]})
        return PersonalExport(service=SERVICE, records=records)

    # --- retention ----------------------------------------------------------------------------------------------

    async def apply_retention(self, dry_run: bool = False, now: datetime | None = None) -> RetentionRun:
        """A rejected applicant's contact goes `rejected_contact_retention` after the rejection."""
        cutoff = (now or datetime.now(UTC)) - self.rejected_contact_retention
        cursor = self.store.suppliers.find(
            {"status": SupplierStatus.REJECTED.value, "profile.contact": {"$ne": None}}, {"outbox": 0})
        rejected = [Supplier.model_validate(d) async for d in cursor]
        due = [s for s in rejected if s.rejected_at is not None and s.rejected_at <= cutoff]
        erased = []
        if not dry_run:
            for supplier in due:
                await self.erase_contact(supplier.supplier_id)
                erased.append(record_of(supplier.supplier_id))
            if erased:
                RETENTION_ERASED.labels(SERVICE, "rejected applicant's contact").inc(len(erased))
                log.info("retention: erased the contact of %d rejected applicant(s)", len(erased))
        return RetentionRun(service=SERVICE, dry_run=dry_run, due=[record_of(s.supplier_id) for s in due],
                            erased=erased, what=f"{CONTACT}, {PREFERENCES}")


def personal_data(request: Request) -> SupplierPersonalData:
    return request.app.state.personal_data


Data = Annotated[SupplierPersonalData, Depends(personal_data)]
operator_reads = APIRouter(prefix="/privacy", tags=["personal data"])
supplier_reads = APIRouter(prefix="/suppliers", tags=["personal data"])
AUTH = (401, 403, 503)


@operator_reads.get("/reads", responses=responses(*AUTH))
async def reads(data: Data, _: Annotated[Actor, Depends(require(Role.OPERATOR))], supplier_id: str | None = None,
                email: str | None = None) -> list[ContactRead]:
    """Who read a supplier's contact: by `supplier_id`, or by the contact's `email` (newest first)."""
    return await data.reads_of(supplier_id and record_of(supplier_id), email)


@supplier_reads.get("/{supplier_id}/contact-reads", responses=responses(*AUTH))
async def contact_reads(supplier_id: str, data: Data,
                        actor: Annotated[Actor, Depends(require(Role.SUPPLIER))]) -> list[ContactRead]:
    """Who read this SME's contact person, when and through which route: for the SME itself."""
    if actor.supplier_id != supplier_id:
        raise NotAllowed(f"supplier {supplier_id}'s contact reads are for that SME only", supplier_id=supplier_id)
    return await data.reads_of(record_of(supplier_id), None)
