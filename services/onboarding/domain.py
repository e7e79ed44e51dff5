"""Suppliers and their verification: rules and state transitions. Pure: no I/O.

    submitted -> documents-verified -> [endorsed] -> [inspected] -> verified -> suspended -> (reinstated) verified
         any step before verified -> rejected (with a reason)          verified -> expired -> inspected -> verified

Verification may be granted after the documents, after an agency endorsement or after a third-party inspection;
the level reached (documents < endorsed < inspected) travels in every event and ranks suppliers on the page.
A failed inspection is a rejection with the inspector's reason. An inspection report is valid one year: a
verification based on one ends with the report; otherwise it lasts a year from the decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict

from services.onboarding.application import Document, DocumentReview, SupplierApplication, required_documents
from services.onboarding.nations import nation
from shared.contracts.envelope import Event
from shared.contracts.suppliers import (
    SupplierApplicationSubmitted,
    SupplierDocumentsVerified,
    SupplierEndorsed,
    SupplierInspected,
    SupplierProfile,
    SupplierReinstated,
    SupplierRejected,
    SupplierStatus,
    SupplierSuspended,
    SupplierVerificationExpired,
    SupplierVerified,
    VerificationLevel,
)
from shared.contracts.vocabulary import DocumentKind, ExportAgency, InspectionBody
from shared.errors import Conflict

VERIFICATION_VALIDITY = timedelta(days=365)  # an inspection report is a snapshot valid for a year
S = SupplierStatus
REJECTABLE = (S.SUBMITTED, S.DOCUMENTS_VERIFIED, S.ENDORSED, S.INSPECTED, S.EXPIRED)
AWAITING_ENDORSEMENT = (S.DOCUMENTS_VERIFIED,)  # an export agency's step
AWAITING_INSPECTION = (S.DOCUMENTS_VERIFIED, S.ENDORSED, S.EXPIRED)  # an inspection body's (expired: renewal)


class IllegalTransition(Conflict):
    def __init__(self, supplier: Supplier, attempted: str, allowed_from: Iterable[SupplierStatus]) -> None:
        allowed = [s.value for s in allowed_from]
        super().__init__(
            f"supplier {supplier.supplier_id} is {supplier.status.value}; it cannot be {attempted} "
            f"(only from {', '.join(allowed)})",
            supplier_id=supplier.supplier_id, current_state=supplier.status.value, allowed_from=allowed,
        )


class Inspection(BaseModel):
    model_config = ConfigDict(frozen=True)
    body: InspectionBody
    report_id: str
    inspected_on: AwareDatetime
    valid_until: AwareDatetime


class Supplier(BaseModel):
    model_config = ConfigDict(frozen=True)

    supplier_id: str
    version: int
    status: SupplierStatus
    verification_level: VerificationLevel = VerificationLevel.NONE
    profile: SupplierProfile
    documents: list[Document] = []
    submitted_by: str | None = None
    documents_reviewer: str | None = None
    endorsed_by: str | None = None
    inspection: Inspection | None = None
    verified_at: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    rejection_reason: str | None = None
    rejected_at: AwareDatetime | None = None  # when the applicant was rejected: its contact's retention runs from it
    suspension_reason: str | None = None
    contact_erased_at: AwareDatetime | None = None  # the contact person was erased (a request, or retention)

    def _next(self, **changes: object) -> Supplier:
        return self.model_copy(update={"version": self.version + 1, **changes})

    def _facts(self, now: datetime) -> dict:
        # the contact person (name, e-mail, phone) stays in onboarding: supplier events go to every internal team
        return {"supplier_id": self.supplier_id, "sequence": self.version, "occurred_at": now,
                "status": self.status, "verification_level": self.verification_level,
                "profile": self.without_contact().profile,
                "valid_until": self.valid_until}

    def without_contact(self) -> Supplier:
        """The record without its contact person (name, e-mail, phone): personal data, for fewer eyes than the rest."""
        return self.model_copy(update={"profile": self.profile.model_copy(update={"contact": None})})

    def _require(self, attempted: str, *allowed: SupplierStatus) -> None:
        if self.status not in allowed:
            raise IllegalTransition(self, attempted, allowed)


def submit_application(
    supplier_id: str, application: SupplierApplication, submitted_by: str | None, now: datetime
) -> tuple[Supplier, list[Event]]:
    supplier = Supplier(supplier_id=supplier_id, version=1, status=S.SUBMITTED, profile=application.profile,
                        documents=[Document(**d.model_dump()) for d in application.documents],
                        submitted_by=submitted_by)
    return supplier, [SupplierApplicationSubmitted(**supplier._facts(now), submitted_by=submitted_by)]


def review_document(supplier: Supplier, kind: DocumentKind, accepted: bool, note: str | None) -> Supplier:
    """One document's review, before the documents are declared verified. Internal: no event."""
    supplier._require("have its documents reviewed", S.SUBMITTED)
    if not any(d.kind is kind for d in supplier.documents):
        raise Conflict(f"supplier {supplier.supplier_id} submitted no {kind.value}", document=kind.value)
    review = DocumentReview.ACCEPTED if accepted else DocumentReview.REFUSED
    documents = [d.model_copy(update={"review": review, "note": note}) if d.kind is kind else d
                 for d in supplier.documents]
    return supplier._next(documents=documents)


def verify_documents(supplier: Supplier, reviewer: str, now: datetime,
                     published_as: str | None = None) -> tuple[Supplier, list[Event]]:
    """All required documents present and none refused; the pending ones are accepted with this decision.
    `published_as`: how the event names the reviewer (a pseudonym: events go to every internal team)."""
    supplier._require("documents-verified", S.SUBMITTED)
    by_kind = {d.kind: d for d in supplier.documents}
    missing = [k.value for k in required_documents(supplier.profile) if k not in by_kind]
    refused = [d.kind.value for d in supplier.documents if d.review is DocumentReview.REFUSED]
    if missing or refused:
        raise Conflict(f"supplier {supplier.supplier_id}'s documents cannot be verified: "
                       + "; ".join(filter(None, [missing and f"missing {', '.join(missing)}",
                                                 refused and f"refused {', '.join(refused)}"])),
                       current_state=supplier.status.value, missing_documents=missing, refused_documents=refused)
    documents = [d.model_copy(update={"review": DocumentReview.ACCEPTED}) for d in supplier.documents]
    checked = supplier._next(status=S.DOCUMENTS_VERIFIED, verification_level=VerificationLevel.DOCUMENTS,
                             documents=documents, documents_reviewer=reviewer)
    return checked, [SupplierDocumentsVerified(**checked._facts(now), reviewer=published_as or reviewer)]


def endorse(supplier: Supplier, agency: ExportAgency, now: datetime) -> tuple[Supplier, list[Event]]:
    """Only an agency of the supplier's own country endorses it (CEPEX a Tunisian exporter, AMDIE a Moroccan one)."""
    supplier._require("endorsed", *AWAITING_ENDORSEMENT)
    country = nation(supplier.profile.country)
    if agency not in country.agencies:
        raise Conflict(f"{agency.value} does not endorse suppliers from {country.name}; "
                       f"{' or '.join(sorted(a.value for a in country.agencies))} does",
                       current_state=supplier.status.value, agency=agency.value)
    endorsed = supplier._next(status=S.ENDORSED, verification_level=VerificationLevel.ENDORSED,
                              endorsed_by=agency.value)
    return endorsed, [SupplierEndorsed(**endorsed._facts(now), agency=agency)]


def record_inspection(
    supplier: Supplier, body: InspectionBody, report_id: str, passed: bool, inspected_on: datetime,
    reason: str | None, now: datetime,
) -> tuple[Supplier, list[Event]]:
    """A passed inspection (report valid a year) raises the level; a failed one rejects with the reason.
    An expired supplier is renewed through a new inspection."""
    supplier._require("inspected", *AWAITING_INSPECTION)
    if inspected_on > now:
        raise Conflict(f"inspection date {inspected_on.date()} is in the future", current_state=supplier.status.value)
    if not passed:
        return reject(supplier, reason or f"{body.value} inspection {report_id} failed", now)
    report_valid_until = inspected_on + VERIFICATION_VALIDITY
    if report_valid_until <= now:
        raise Conflict(f"inspection report {report_id} of {inspected_on.date()} has already expired",
                       current_state=supplier.status.value)
    inspection = Inspection(body=body, report_id=report_id, inspected_on=inspected_on, valid_until=report_valid_until)
    inspected = supplier._next(status=S.INSPECTED, verification_level=VerificationLevel.INSPECTED,
                               inspection=inspection)
    return inspected, [SupplierInspected(**inspected._facts(now), body=body, report_id=report_id,
                                         inspected_on=inspected_on, report_valid_until=report_valid_until)]


def verify(supplier: Supplier, now: datetime) -> tuple[Supplier, list[Event]]:
    supplier._require("verified", S.DOCUMENTS_VERIFIED, S.ENDORSED, S.INSPECTED)
    inspected = supplier.status is S.INSPECTED and supplier.inspection is not None
    valid_until = supplier.inspection.valid_until if inspected else now + VERIFICATION_VALIDITY
    verified = supplier._next(status=S.VERIFIED, verified_at=now, valid_until=valid_until)
    return verified, [SupplierVerified(**verified._facts(now), verified_at=now)]


def reject(supplier: Supplier, reason: str, now: datetime) -> tuple[Supplier, list[Event]]:
    supplier._require("rejected", *REJECTABLE)
    rejected = supplier._next(status=S.REJECTED, rejection_reason=reason, rejected_at=now)
    return rejected, [SupplierRejected(**rejected._facts(now), reason=reason, rejected_from=supplier.status)]


def suspend(supplier: Supplier, reason: str, now: datetime) -> tuple[Supplier, list[Event]]:
    supplier._require("suspended", S.VERIFIED)
    suspended = supplier._next(status=S.SUSPENDED, suspension_reason=reason)
    return suspended, [SupplierSuspended(**suspended._facts(now), reason=reason)]


def reinstate(supplier: Supplier, now: datetime) -> tuple[Supplier, list[Event]]:
    """Back to verified; if the verification ran out while suspended, back as expired (re-inspection renews)."""
    supplier._require("reinstated", S.SUSPENDED)
    still_valid = supplier.valid_until is not None and supplier.valid_until > now
    reinstated = supplier._next(status=S.VERIFIED if still_valid else S.EXPIRED, suspension_reason=None)
    return reinstated, [SupplierReinstated(**reinstated._facts(now))]


def is_due_for_expiry(supplier: Supplier, now: datetime) -> bool:
    return supplier.status is S.VERIFIED and supplier.valid_until is not None and supplier.valid_until <= now


def expire(supplier: Supplier, now: datetime) -> tuple[Supplier, list[Event]]:
    if not is_due_for_expiry(supplier, now):
        raise Conflict(f"supplier {supplier.supplier_id}'s verification runs until {supplier.valid_until}",
                       current_state=supplier.status.value)
    expired = supplier._next(status=S.EXPIRED)
    return expired, [SupplierVerificationExpired(**expired._facts(now), expired_at=now)]
