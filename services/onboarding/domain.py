"""Suppliers and their verification: rules and state transitions. Pure: no I/O."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict

from shared.errors import Conflict
from shared.events import (
    Event,
    SupplierApplicationSubmitted,
    SupplierProfile,
    SupplierRejected,
    SupplierStatus,
    SupplierVerified,
    VerificationLevel,
)

VERIFICATION_VALIDITY = timedelta(days=365)  # an inspection report is a snapshot valid for a year


class IllegalTransition(Conflict):
    def __init__(self, supplier: Supplier, attempted: str) -> None:
        super().__init__(
            f"supplier {supplier.supplier_id} is {supplier.status.value}; it cannot be {attempted}",
            supplier_id=supplier.supplier_id, current_state=supplier.status.value,
        )


class Supplier(BaseModel):
    model_config = ConfigDict(frozen=True)

    supplier_id: str
    version: int
    status: SupplierStatus
    verification_level: VerificationLevel = VerificationLevel.NONE
    profile: SupplierProfile
    submitted_by: str | None = None
    verified_at: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    rejection_reason: str | None = None

    def _next(self, **changes: object) -> Supplier:
        return self.model_copy(update={"version": self.version + 1, **changes})

    def _facts(self, now: datetime) -> dict:
        return {"supplier_id": self.supplier_id, "sequence": self.version, "occurred_at": now,
                "status": self.status, "verification_level": self.verification_level, "profile": self.profile}


def submit_application(
    supplier_id: str, profile: SupplierProfile, submitted_by: str | None, now: datetime
) -> tuple[Supplier, list[Event]]:
    supplier = Supplier(supplier_id=supplier_id, version=1, status=SupplierStatus.SUBMITTED, profile=profile,
                        submitted_by=submitted_by)
    return supplier, [SupplierApplicationSubmitted(**supplier._facts(now), submitted_by=submitted_by)]


def verify(supplier: Supplier, now: datetime) -> tuple[Supplier, list[Event]]:
    """An independent inspection confirmed the supplier: verified for one year."""
    if supplier.status is not SupplierStatus.SUBMITTED:
        raise IllegalTransition(supplier, "verified")
    verified = supplier._next(status=SupplierStatus.VERIFIED, verification_level=VerificationLevel.INSPECTED,
                              verified_at=now, valid_until=now + VERIFICATION_VALIDITY)
    return verified, [SupplierVerified(**verified._facts(now), verified_at=now, valid_until=verified.valid_until)]


def reject(supplier: Supplier, reason: str, now: datetime) -> tuple[Supplier, list[Event]]:
    if supplier.status is not SupplierStatus.SUBMITTED:
        raise IllegalTransition(supplier, "rejected")
    rejected = supplier._next(status=SupplierStatus.REJECTED, rejection_reason=reason)
    return rejected, [SupplierRejected(**rejected._facts(now), reason=reason)]
