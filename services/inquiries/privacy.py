"""The personal data inquiries holds: the buyer's contact (e-mail, name) with each inquiry, and the free text (the
buyer's message, the supplier's answer, a closing reason) that may name people. Erased on request
(`POST /privacy/erasure`), exported (`/privacy/export`), erased `buyer_contact_retention` after the inquiry closed,
and every read of a buyer's contact recorded (`contact_reads`), listed for operators by inquiry or person.

An erased inquiry keeps its business facts — supplier, product, company, country, quantity, price, times — so the
response figures and the page stay right; the contact becomes a placeholder (the stored model still validates) and
the texts `[erased]`. A versioned write without events: none of it was ever on an event."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.inquiries.domain import ERASED_TEXT, Inquiry, InquiryStatus
from services.inquiries.store import InquiryStore
from shared.contracts.actors import Actor, Role
from shared.errors import ConcurrentUpdate
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
SERVICE = "inquiries"
ERASED_EMAIL = "erased@erased.example"  # a valid address that reaches nobody (RFC 2606)


def record_of(inquiry_id: str) -> str:
    return f"inquiry {inquiry_id}"


def erased_parts(inquiry: Inquiry) -> list[str]:
    parts = ["buyer's contact (e-mail, name)", "buyer's message"]
    return parts + (["supplier's answer"] if inquiry.response else []) + (
        ["closing reason"] if inquiry.close_reason else [])


def without_person(inquiry: Inquiry, now: datetime) -> Inquiry:
    """The inquiry with its business facts only."""
    request = inquiry.request.model_copy(update={"contact_email": ERASED_EMAIL, "contact_name": None,
                                                 "message": ERASED_TEXT})
    return inquiry.model_copy(update={
        "version": inquiry.version + 1, "request": request, "contact_erased_at": now, "close_reason": None,
        "response": ERASED_TEXT if inquiry.response else None})


class BuyerPersonalData(Holder):
    def __init__(self, store: InquiryStore, secret: str, buyer_contact_retention: timedelta) -> None:
        super().__init__(SERVICE, store.inquiries.database, secret)
        self.store = store
        self.buyer_contact_retention = buyer_contact_retention

    def note_read(self, actor: Actor, request: Request, inquiries: list[Inquiry]) -> None:
        """The caller was answered these inquiries with their buyers' contacts: one insert for all of them."""
        self.note_contacts(actor, request, [(i.inquiry_id, i.request.contact_email) for i in inquiries
                                            if i.contact_erased_at is None])

    def note_contacts(self, actor: Actor, request: Request, contacts: list[tuple[str, str]]) -> None:
        """(inquiry id, buyer's e-mail) of each contact the caller was answered."""
        self.reads.note(actor, purpose(request), [(record_of(i), self.key(email)) for i, email in contacts])

    async def holding(self, email: str) -> list[Inquiry]:
        cursor = self.store.inquiries.find({"request.contact_email": same_address(email)}, {"outbox": 0})
        return [Inquiry.model_validate(d) async for d in cursor if d.get("contact_erased_at") is None]

    async def erase(self, email: str, records: list[str] = ()) -> ErasureReport:
        async def erase_buyer() -> tuple[list[str], list[str]]:
            records, erased = [], []
            for inquiry in await self.holding(email):
                done = await self.erase_inquiry(inquiry.inquiry_id)
                if done is not None:
                    records.append(record_of(inquiry.inquiry_id))
                    erased += [f"{record_of(inquiry.inquiry_id)}: {part}" for part in erased_parts(done)]
            return records, erased

        return await self.erase_once(email, erase_buyer)

    async def erase_inquiry(self, inquiry_id: str, attempts: int = 3) -> Inquiry | None:
        """The inquiry as it was when erased (what went), or None if there was nothing left to erase."""
        for _ in range(attempts):
            inquiry = await self.store.get(inquiry_id)
            if inquiry is None or inquiry.contact_erased_at is not None:
                return None
            try:
                await self.store.save(without_person(inquiry, datetime.now(UTC)), [])
                return inquiry
            except ConcurrentUpdate:
                continue  # answered or closed meanwhile: erase from the newer version
        raise ConcurrentUpdate(f"inquiry {inquiry_id} kept changing while being erased; ask again")

    async def export(self, email: str, records: list[str] = ()) -> PersonalExport:
        records = []
        for inquiry in await self.holding(email):
            asked = inquiry.request
            reads = await self.reads.of(record=record_of(inquiry.inquiry_id))
            records.append({
                "record": record_of(inquiry.inquiry_id), "inquiry_id": inquiry.inquiry_id,
                "supplier_id": inquiry.supplier_id, "product_id": asked.product_id, "status": inquiry.status.value,
                "buyer_company": asked.buyer_company, "buyer_country": asked.buyer_country,
                "contact_email": asked.contact_email, "contact_name": asked.contact_name,
                "language": asked.language.value, "quantity": asked.quantity, "unit": asked.unit,
                "message": asked.message, "response": inquiry.response,
                "received_at": inquiry.received_at.isoformat(),
                "responded_at": inquiry.responded_at and inquiry.responded_at.isoformat(),
                "closed_at": inquiry.closed_at and inquiry.closed_at.isoformat(),
                "contact_reads": [r.model_dump(mode="json") for r in reads]})
        return PersonalExport(service=SERVICE, records=records)

    async def apply_retention(self, dry_run: bool = False, now: datetime | None = None) -> RetentionRun:
        """A buyer's contact and texts go `buyer_contact_retention` after the inquiry closed."""
        cutoff = (now or datetime.now(UTC)) - self.buyer_contact_retention
        cursor = self.store.inquiries.find({"status": InquiryStatus.CLOSED.value}, {"outbox": 0})
        closed = [Inquiry.model_validate(d) async for d in cursor if d.get("contact_erased_at") is None]
        due = [i for i in closed if i.closed_at is not None and i.closed_at <= cutoff]
        erased = []
        if not dry_run:
            for inquiry in due:
                if await self.erase_inquiry(inquiry.inquiry_id) is not None:
                    erased.append(record_of(inquiry.inquiry_id))
            if erased:
                RETENTION_ERASED.labels(SERVICE, "buyer's contact").inc(len(erased))
                log.info("retention: erased the buyer's contact of %d closed inquiry(ies)", len(erased))
        return RetentionRun(service=SERVICE, dry_run=dry_run, due=[record_of(i.inquiry_id) for i in due],
                            erased=erased, what="buyer's contact (e-mail, name) and texts")


def personal_data(request: Request) -> BuyerPersonalData:
    return request.app.state.personal_data


Data = Annotated[BuyerPersonalData, Depends(personal_data)]
operator_reads = APIRouter(prefix="/privacy", tags=["personal data"])


@operator_reads.get("/reads", responses=responses(401, 403, 503))
async def reads(data: Data, _: Annotated[Actor, Depends(require(Role.OPERATOR))], inquiry_id: str | None = None,
                email: str | None = None) -> list[ContactRead]:
    """Who read a buyer's contact: by `inquiry_id`, or by the buyer's `email` (newest first)."""
    return await data.reads_of(inquiry_id and record_of(inquiry_id), email)
