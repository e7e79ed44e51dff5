"""onboarding over HTTP: applications, each verification step, suspension, and the expiry run for operators.

Every step is its own POST on the supplier; an illegal one answers 409 with `current_state`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from services.onboarding.application import SupplierApplication
from services.onboarding.domain import Supplier
from services.onboarding.service import Onboarding
from shared.vocabulary import DocumentKind, ExportAgency, InspectionBody

router = APIRouter(prefix="/suppliers", tags=["suppliers"])
operations = APIRouter(prefix="/operations", tags=["operations"])


def onboarding(request: Request) -> Onboarding:
    return request.app.state.onboarding


Service = Annotated[Onboarding, Depends(onboarding)]
Reason = Annotated[str, Field(min_length=1, max_length=200)]


class Application(SupplierApplication):
    """The application form; complete profile (RC number and city, contact) required."""

    submitted_by: str | None = Field(None, max_length=100, description="Onboarding partner applying for the SME")


class DocumentDecision(BaseModel):
    accepted: bool
    note: str | None = Field(None, max_length=200)


class DocumentsVerification(BaseModel):
    reviewer: Annotated[str, Field(min_length=1, max_length=100)]


class Endorsement(BaseModel):
    agency: ExportAgency


class InspectionReport(BaseModel):
    body: InspectionBody
    report_id: Annotated[str, Field(min_length=1, max_length=100)]
    passed: bool
    inspected_on: date
    reason: Reason | None = Field(None, description="Why the inspection failed")


class Decision(BaseModel):
    decision: Literal["verified", "rejected"]
    reason: Reason | None = Field(None, description="Required when rejecting")


class WithReason(BaseModel):
    reason: Reason


@router.post("", status_code=201)
async def submit_application(application: Application, service: Service) -> Supplier:
    filed = SupplierApplication(profile=application.profile, documents=application.documents)
    return await service.submit_application(filed, application.submitted_by)


@router.get("/{supplier_id}")
async def get_supplier(supplier_id: str, service: Service) -> Supplier:
    return await service.get(supplier_id)


@router.post("/{supplier_id}/documents/{kind}/review")
async def review_document(supplier_id: str, kind: DocumentKind, decision: DocumentDecision,
                          service: Service) -> Supplier:
    return await service.review_document(supplier_id, kind, decision.accepted, decision.note)


@router.post("/{supplier_id}/documents-verification")
async def verify_documents(supplier_id: str, body: DocumentsVerification, service: Service) -> Supplier:
    return await service.verify_documents(supplier_id, body.reviewer)


@router.post("/{supplier_id}/endorsement")
async def endorse(supplier_id: str, body: Endorsement, service: Service) -> Supplier:
    return await service.endorse(supplier_id, body.agency)


@router.post("/{supplier_id}/inspection")
async def record_inspection(supplier_id: str, report: InspectionReport, service: Service) -> Supplier:
    return await service.record_inspection(supplier_id, report.body, report.report_id, report.passed,
                                           report.inspected_on, report.reason)


@router.post("/{supplier_id}/verification")
async def record_decision(supplier_id: str, decision: Decision, service: Service) -> Supplier:
    if decision.decision == "verified":
        return await service.verify(supplier_id)
    return await service.reject(supplier_id, decision.reason or "not stated")


@router.post("/{supplier_id}/rejection")
async def reject(supplier_id: str, body: WithReason, service: Service) -> Supplier:
    return await service.reject(supplier_id, body.reason)


@router.post("/{supplier_id}/suspension")
async def suspend(supplier_id: str, body: WithReason, service: Service) -> Supplier:
    return await service.suspend(supplier_id, body.reason)


@router.post("/{supplier_id}/reinstatement")
async def reinstate(supplier_id: str, service: Service) -> Supplier:
    return await service.reinstate(supplier_id)


@operations.post("/verification-expiry")
async def expire_verifications(service: Service, now: datetime | None = None) -> dict:
    """Run the expiry now (it also runs periodically); `now` lets an operator look ahead, e.g. in a drill."""
    moment = now if now is None or now.tzinfo else now.replace(tzinfo=UTC)
    return {"expired": await service.expire_verifications(moment)}
