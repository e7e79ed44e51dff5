"""The partners service's own reading of onboarding's answers (`partners.outcomes`): an outcome or a rejection reason
added by a newer onboarding reads as "unknown" instead of dead-lettering. Partner input stays strict on purpose: it
is ingress, checked against the producer's model like an HTTP body."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from shared.envelope import EVENT_TYPES, Tolerant
from shared.partner_commands import PartnerCommandOutcome
from shared.partners import ReceiptOutcome, RejectionReason


class OutcomeReceived(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    command_id: str
    partner: str
    outcome: Tolerant[ReceiptOutcome]
    reason: Tolerant[RejectionReason] | None = None
    message: str | None = None
    supplier_id: str | None = None


OUTCOMES: dict[str, type[BaseModel]] = {PartnerCommandOutcome.TYPE: OutcomeReceived}
READERS: dict[str, type[BaseModel]] = {**EVENT_TYPES, **OUTCOMES}
