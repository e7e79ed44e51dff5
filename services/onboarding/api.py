"""onboarding over HTTP: applications, each verification step, suspension, and the expiry run for operators.

Every step is its own POST on the supplier, open only to the role that takes it (shared.web.identity); an illegal one
answers 409 with `current_state`. Who acted comes from the token and travels on the event."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from services.onboarding import access, privacy
from services.onboarding.application import SupplierApplication
from services.onboarding.contacts import ContactPreferences, Preferences, SupplierContactCard
from services.onboarding.domain import Supplier
from services.onboarding.service import Onboarding
from shared.contracts.actors import Actor, Role
from shared.contracts.vocabulary import DocumentKind, ExportAgency, InspectionBody
from shared.errors import MarketplaceError
from shared.web.http_errors import responses
from shared.web.identity import require

AUTH = (401, 403, 503)  # 503: the identity provider's keys unreachable; 404/413/422 come with the route's shape
router = APIRouter(prefix="/suppliers", tags=["suppliers"])
operations = APIRouter(prefix="/operations", tags=["operations"])


def onboarding(request: Request) -> Onboarding:
    return request.app.state.onboarding


Service = Annotated[Onboarding, Depends(onboarding)]
Applicant = Annotated[Actor, Depends(require(Role.SUPPLIER, Role.PARTNER))]
Reader = Annotated[Actor, Depends(require(Role.SUPPLIER, Role.PARTNER, Role.STAFF, Role.AGENCY, Role.INSPECTION))]
ContactReader = Annotated[Actor, Depends(require(Role.NOTIFIER, Role.SUPPLIER, Role.PARTNER, Role.STAFF, Role.AGENCY,
                                                  Role.INSPECTION))]
Notifier = Annotated[Actor, Depends(require(Role.NOTIFIER))]
Chooser = Annotated[Actor, Depends(require(Role.SUPPLIER, Role.STAFF))]
Staff = Annotated[Actor, Depends(require(Role.STAFF))]
Agency = Annotated[Actor, Depends(require(Role.AGENCY))]
InspectionBodyActor = Annotated[Actor, Depends(require(Role.INSPECTION))]
Operator = Annotated[Actor, Depends(require(Role.OPERATOR))]
Reason = Annotated[str, Field(min_length=1, max_length=200)]


class DocumentDecision(BaseModel):
    accepted: bool
    note: str | None = Field(None, max_length=200)


class Endorsement(BaseModel):
    agency: ExportAgency | None = Field(None, description="Optional: must be the agency the token names.")


class InspectionReport(BaseModel):
    body: InspectionBody | None = Field(None, description="Optional: must be the inspection body the token names.")
    report_id: Annotated[str, Field(min_length=1, max_length=100)]
    passed: bool
    inspected_on: date
    reason: Reason | None = Field(None, description="Why the inspection failed")


MANY = 500  # suppliers asked in one request: a sending batch's (notifications asks in chunks of this many)


class ContactsAsked(BaseModel):
    supplier_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        min_length=1, max_length=MANY, description=f"1 to {MANY} supplier ids; more answers 422")


class Decision(BaseModel):
    decision: Literal["verified", "rejected"]
    reason: Reason | None = Field(None, description="Required when rejecting (400 without it)")


class WithReason(BaseModel):
    reason: Reason


@router.post("", status_code=201, responses=responses(400, 409, *AUTH))
async def submit_application(application: SupplierApplication, service: Service, actor: Applicant) -> Supplier:
    """An SME applies for its own supplier id (the token's organisation); an onboarding partner on an SME's behalf
    (recorded as `submitted_by`, from the token)."""
    if actor.role is Role.PARTNER:
        return await service.submit_application(application, actor.organisation, actor=actor)
    return await service.submit_application(application, supplier_id=actor.supplier_id, actor=actor)


@router.get("/{supplier_id}", responses=responses(404, *AUTH))
async def get_supplier(supplier_id: str, service: Service, actor: Reader, request: Request,
                       data: privacy.Data) -> Supplier:
    """The whole record; an agency or inspection body outside its step reads it without the contact (access.py).
    A read with the contact is recorded (privacy.py)."""
    supplier = access.visible(actor, await service.get(supplier_id))
    data.note_read(actor, request, supplier)
    return supplier


@router.get("/{supplier_id}/contact", responses=responses(404, *AUTH))
async def get_contact(supplier_id: str, service: Service, actor: ContactReader, request: Request,
                      data: privacy.Data) -> SupplierContactCard:
    """Whom to write to, in which language and how often: for the notifier, the SME, its onboarding partner, staff,
    and the agency or inspection body whose step the supplier awaits (services/onboarding/access.py)."""
    supplier = await service.get(supplier_id)
    access.may_read_contact(actor, supplier)
    data.note_read(actor, request, supplier)
    return await service.contact(supplier)


@router.post("/contacts", responses=responses(422, *AUTH))
async def get_contacts(asked: ContactsAsked, service: Service, actor: Notifier, request: Request,
                       data: privacy.Data) -> list[SupplierContactCard]:
    """Many suppliers' contact cards in one request, for the notifier's sending batches (the notifier alone); a
    supplier unknown is left out of the answer, one whose contact was erased answers without it (`email` null).
    Each contact answered is recorded as a read."""
    found = await service.contacts(asked.supplier_ids, actor)
    data.note_reads(actor, request, [supplier for supplier, _ in found])
    return [card for _, card in found]


@router.put("/{supplier_id}/preferences", responses=responses(404, *AUTH))
async def choose_preferences(supplier_id: str, preferences: Preferences, service: Service,
                             actor: Chooser) -> ContactPreferences:
    """The SME's language (fr, en, ar) and digest (immediate, daily) for the messages it receives; staff may set
    them for it. A field left out returns to its default."""
    supplier = await service.get(supplier_id)
    access.may_choose_for(actor, supplier)
    return await service.choose(supplier, preferences)


@router.post("/{supplier_id}/documents/{kind}/review", responses=responses(404, 409, *AUTH))
async def review_document(supplier_id: str, kind: DocumentKind, decision: DocumentDecision, service: Service,
                          actor: Staff) -> Supplier:
    return await service.review_document(supplier_id, kind, decision.accepted, decision.note, actor=actor)


@router.post("/{supplier_id}/documents-verification", responses=responses(404, 409, *AUTH))
async def verify_documents(supplier_id: str, service: Service, actor: Staff) -> Supplier:
    """The reviewer is the staff member of the token."""
    return await service.verify_documents(supplier_id, actor.subject, actor=actor)


@router.post("/{supplier_id}/endorsement", responses=responses(400, 404, 409, *AUTH))
async def endorse(supplier_id: str, service: Service, actor: Agency, body: Endorsement | None = None) -> Supplier:
    agency = access.acting_as(actor, body and body.agency and body.agency.value, "endorse")
    return await service.endorse(supplier_id, agency, actor=actor)


@router.post("/{supplier_id}/inspection", responses=responses(400, 404, 409, *AUTH))
async def record_inspection(supplier_id: str, report: InspectionReport, service: Service,
                            actor: InspectionBodyActor) -> Supplier:
    body = access.acting_as(actor, report.body and report.body.value, "file a report")
    return await service.record_inspection(supplier_id, body, report.report_id, report.passed,
                                           report.inspected_on, report.reason, actor=actor)


@router.post("/{supplier_id}/verification", responses=responses(400, 404, 409, *AUTH))
async def record_decision(supplier_id: str, decision: Decision, service: Service, actor: Staff) -> Supplier:
    if decision.decision == "verified":
        return await service.verify(supplier_id, actor=actor)
    if not decision.reason:
        raise MarketplaceError('a rejection needs its reason: send {"decision": "rejected", "reason": "..."}')
    return await service.reject(supplier_id, decision.reason, actor=actor)


@router.post("/{supplier_id}/rejection", responses=responses(404, 409, *AUTH))
async def reject(supplier_id: str, body: WithReason, service: Service, actor: Staff) -> Supplier:
    return await service.reject(supplier_id, body.reason, actor=actor)


@router.post("/{supplier_id}/suspension", responses=responses(404, 409, *AUTH))
async def suspend(supplier_id: str, body: WithReason, service: Service, actor: Staff) -> Supplier:
    return await service.suspend(supplier_id, body.reason, actor=actor)


@router.post("/{supplier_id}/reinstatement", responses=responses(404, 409, *AUTH))
async def reinstate(supplier_id: str, service: Service, actor: Staff) -> Supplier:
    return await service.reinstate(supplier_id, actor=actor)


@operations.post("/verification-expiry", responses=responses(*AUTH))
async def expire_verifications(service: Service, actor: Operator, now: datetime | None = None) -> dict:
    """Run the expiry now (it also runs periodically); `now` lets an operator look ahead, e.g. in a drill."""
    moment = now if now is None or now.tzinfo else now.replace(tzinfo=UTC)
    return {"expired": await service.expire_verifications(moment, actor=actor)}
