"""The personal data partners holds: the contact e-mail a partner registered with (`partners.contact_email`: a person
at Clementia, AMDIE, SGS… who is told about the integration). Erased on request (`POST /privacy/erasure`: the
partner stays registered, without a contact; messages about its integration then have nobody to go to) and
exported (`/privacy/export`). It is kept while the partner is registered: retention finds nothing due here.

Partner input carrying an SME's contact (a supplier application) is not kept: the partners service records the
input's ids and outcome only, and the command leaves its outbox once published to `partners.commands` (a restricted
topic kept four weeks; shared.contracts.personal_fields)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request

from services.partners.store import PartnerStore
from shared.web.privacy import (
    ErasureReport,
    Erasures,
    PersonalExport,
    RetentionRun,
    erase_once,
    person_key,
    same_address,
)

SERVICE = "partners"


def record_of(partner_id: str) -> str:
    return f"partner {partner_id}"


class PartnerPersonalData:
    def __init__(self, store: PartnerStore, secret: str) -> None:
        self.service = SERVICE
        self.store = store
        self.secret = secret
        self.erasures = Erasures(store.partners.database)

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

        return await erase_once(SERVICE, self.erasures, person_key(email, self.secret), erase_contact)

    async def export(self, email: str, records: list[str] = ()) -> PersonalExport:
        return PersonalExport(service=SERVICE, records=[
            {"record": record_of(p["_id"]), "partner_id": p["_id"], "name": p.get("name"),
             "contact_email": p["contact_email"], "language": p.get("language")} for p in await self.holding(email)])

    async def apply_retention(self, dry_run: bool = False) -> RetentionRun:
        """A partner's contact is kept while the partner is registered: nothing is ever due."""
        return RetentionRun(service=SERVICE, dry_run=dry_run, due=[], erased=[])


def personal_data(request: Request) -> PartnerPersonalData:
    return request.app.state.personal_data
