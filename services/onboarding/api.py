"""onboarding over HTTP: supplier applications and verification decisions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from services.onboarding.domain import Supplier
from services.onboarding.service import Onboarding
from shared.events import SupplierProfile

router = APIRouter(prefix="/suppliers", tags=["suppliers"])


def onboarding(request: Request) -> Onboarding:
    return request.app.state.onboarding


Service = Annotated[Onboarding, Depends(onboarding)]


class Application(BaseModel):
    profile: SupplierProfile
    submitted_by: str | None = Field(None, max_length=100, description="Onboarding partner applying for the SME")


class Decision(BaseModel):
    decision: Literal["verified", "rejected"]
    reason: str | None = Field(None, min_length=1, max_length=200, description="Required when rejecting")


@router.post("", status_code=201)
async def submit_application(application: Application, service: Service) -> Supplier:
    return await service.submit_application(application.profile, application.submitted_by)


@router.post("/{supplier_id}/verification")
async def record_decision(supplier_id: str, decision: Decision, service: Service) -> Supplier:
    if decision.decision == "verified":
        return await service.verify(supplier_id)
    return await service.reject(supplier_id, decision.reason or "not stated")


@router.get("/{supplier_id}")
async def get_supplier(supplier_id: str, service: Service) -> Supplier:
    return await service.get(supplier_id)
