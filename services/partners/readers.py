"""The partners service's own reading of onboarding's answers (`partners.outcomes`) and of onboarding's public
supplier events (`onboarding.suppliers`: a supplier's status, for the suppliers partners brought): an outcome, a
rejection reason or a status added by a newer onboarding reads as "unknown" instead of dead-lettering. Partner input
stays strict on purpose: it is ingress, checked against the producer's model like an HTTP body."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict

from shared.contracts.envelope import Tolerant
from shared.contracts.partner_commands import PartnerCommandOutcome
from shared.contracts.partners import ReceiptOutcome, RejectionReason
from shared.contracts.registry import EVENT_TYPES
from shared.contracts.suppliers import SupplierEvent, SupplierStatus, VerificationLevel


class OutcomeReceived(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    command_id: str
    partner: str
    outcome: Tolerant[ReceiptOutcome]
    reason: Tolerant[RejectionReason] | None = None
    message: str | None = None
    supplier_id: str | None = None


class ProfileSeen(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    trade_name: str
    country: str = "MA"


class SupplierSeen(BaseModel):
    """What a partner may learn of a supplier: its public state (no contact, no documents)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    supplier_id: str
    sequence: int
    occurred_at: AwareDatetime
    status: Tolerant[SupplierStatus]
    verification_level: Tolerant[VerificationLevel]
    profile: ProfileSeen
    submitted_by: str | None = None


OUTCOMES: dict[str, type[BaseModel]] = {PartnerCommandOutcome.TYPE: OutcomeReceived}
SUPPLIERS: dict[str, type[BaseModel]] = {t: SupplierSeen for t, model in EVENT_TYPES.items()
                                         if issubclass(model, SupplierEvent)}
READ: dict[str, type[BaseModel]] = {**OUTCOMES, **SUPPLIERS}  # this service's readers (the consumer matrix's)
READERS: dict[str, type[BaseModel]] = {**EVENT_TYPES, **READ}
