"""The personal data partners holds: the contact e-mail a partner registered with (`partners.contact_email`: a person
at Clementia, AMDIE, SGS… who is told about the integration). Erased on request (`POST /privacy/erasure`: the
partner stays registered, without a contact; messages about its integration then have nobody to go to) and
exported (`/privacy/export`). It is kept while the partner is registered: retention finds nothing due here. Every
read of it (`GET /partners/{partner_id}/contact`, by an operator or the notifier) is recorded (`contact_reads`) and
listed for operators by partner or person (`GET /privacy/reads`), as onboarding and inquiries record theirs.

Partner input carrying an SME's contact (a supplier application) is not kept: the partners service records the
input's ids and outcome only, and the command leaves its outbox once published to `partners.commands` (a restricted
topic kept four weeks; shared.contracts.personal_fields)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.partners.domain import Partner
from services.partners.store import PartnerStore
from shared.contracts.actors import Actor, Role
from shared.web.http_errors import responses
from shared.web.identity import require
from shared.web.privacy import (
    ContactRead,
    ErasureReport,
    Holder,
    PersonalExport,
    RetentionRun,
    same_address,
)

SERVICE = "partners"


def record_of(partner_id: str) -> str:
    return f"partner {partner_id}"


class PartnerPersonalData(Holder):
    def __init__(self, store: PartnerStore, secret: str) -> None:
        super().__init__(SERVICE, store.partners.database, secret)
        self.store = store

    def note_read(self, actor: Actor, request: Request, partner: Partner) -> None:
        """The caller was answered this partner's contact (nothing is noted for a partner without one)."""
        self.note_contact_read(actor, request, record_of(partner.partner_id), partner.contact_email)

    async def holding(self, email: str) -> list[dict]:
        return await self.store.partners.find({"contact_email": same_address(email)}, {"keys": 0}).to_list()

    async def erase(self, email: str, records: list[str] = ()) -> ErasureReport:
        async def erase_contact() -> tuple[list[str], list[str]]:
            ids = [p["_id"] for p in await self.holding(email)]
            if ids:
                await self.store.partners.update_many(
                    {"_id": {"$in": ids}}, {"$set": {"contact_email": None, "contact_erased_at": datetime.now(UTC)}})
            erased = [record_of(i) for i in ids]
            return erased, [f"{r}: contact e-mail" for r in erased]

        return await self.erase_once(email, erase_contact)

    async def export(self, email: str, records: list[str] = ()) -> PersonalExport:
        return PersonalExport(service=SERVICE, records=[
            {"record": record_of(p["_id"]), "partner_id": p["_id"], "name": p.get("name"),
             "contact_email": p["contact_email"], "language": p.get("language"),
             "contact_reads": [r.model_dump(mode="json") for r in await self.reads.of(record=record_of(p["_id"]))]}
            for p in await self.holding(email)])

    async def apply_retention(self, dry_run: bool = False) -> RetentionRun:
        """A partner's contact is kept while the partner is registered: nothing is ever due."""
        return RetentionRun(service=SERVICE, dry_run=dry_run, due=[], erased=[])


def personal_data(request: Request) -> PartnerPersonalData:
    return request.app.state.personal_data


Data = Annotated[PartnerPersonalData, Depends(personal_data)]
operator_reads = APIRouter(prefix="/privacy", tags=["personal data"])


@operator_reads.get("/reads", responses=responses(401, 403, 503))
async def reads(data: Data, _: Annotated[Actor, Depends(require(Role.OPERATOR))], partner_id: str | None = None,
                email: str | None = None) -> list[ContactRead]:
    """Who read a partner's contact: by `partner_id`, or by the contact's `email` (newest first)."""
    return await data.reads_of(partner_id and record_of(partner_id), email)
