"""Wire contract between the partners service and onboarding: admitted partner input as commands, and outcomes.

The partners service authenticates a partner's event (HTTP key and signature, or a signed Kafka record), checks its
scope and schema, and publishes one command on `partners.commands`, keyed by the supplier (by the application for an
application, whose supplier does not exist yet), so one supplier's commands stay in order. Onboarding applies it and
answers one outcome on `partners.outcomes`, keyed by command id; the partners service turns that into the partner's
receipt. `command_id` is derived from (partner, partner's event id), so a resent event is the same command.

These are readers' contracts too: unknown fields are ignored (a newer producer never dead-letters an older reader).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar

from pydantic import ConfigDict, Field

from shared.contracts.actors import Actor
from shared.contracts.envelope import Id, Text
from shared.contracts.partners import (
    PartnerDocument,
    PartnerMessage,
    PartnerTopic,
    Provenance,
    ReceiptOutcome,
    RejectionReason,
)
from shared.contracts.suppliers import SupplierProfile


class PartnerCommand(PartnerMessage):
    """What a registered partner asks onboarding to do, after the partners service admitted it."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    TOPIC: ClassVar[PartnerTopic] = PartnerTopic.COMMANDS
    command_id: Id = Field(description="Derived from the partner and its event id: the same event is the same "
                                       "command. Onboarding applies a command once.")
    partner: Id = Field(description="The registered partner that sent it (from its key or signature).")
    provenance: Provenance
    actor: Actor = Field(description="The partner system in its role (partner, agency, inspection) and the "
                                     "organisation it is registered as: travels on the supplier's events.")


class SubmitSupplierApplication(PartnerCommand):
    """An onboarding partner (Clementia) applies on an SME's behalf."""

    TYPE: ClassVar[str] = "ma.tijara.partner.command.submit-application.v1"
    SUBJECT: ClassVar[str] = "application_id"
    application_id: Id
    profile: SupplierProfile
    documents: list[PartnerDocument] = Field([], max_length=20)


class EndorseSupplier(PartnerCommand):
    """An export agency endorses a supplier; `agency` is the organisation the partner is registered as."""

    TYPE: ClassVar[str] = "ma.tijara.partner.command.endorse-supplier.v1"
    SUBJECT: ClassVar[str] = "supplier_id"
    supplier_id: Id
    endorsement_id: Id
    agency: Text = Field(description="AMDIE, Maroc PME or ASMEX: from the registry, never from the partner's input.")


class RecordInspection(PartnerCommand):
    """An inspection body files a report; `body` is the organisation the partner is registered as."""

    TYPE: ClassVar[str] = "ma.tijara.partner.command.record-inspection.v1"
    SUBJECT: ClassVar[str] = "supplier_id"
    supplier_id: Id
    report_id: Id
    body: Text = Field(description="SGS, TÜV Rheinland, Intertek or Bureau Veritas: from the registry.")
    passed: bool
    inspected_on: date
    reason: Text | None = None


class PartnerCommandOutcome(PartnerMessage):
    """Onboarding's answer to one command: accepted (with the supplier concerned) or rejected with a reason."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    TYPE: ClassVar[str] = "ma.tijara.partner.command-outcome.v1"
    TOPIC: ClassVar[PartnerTopic] = PartnerTopic.OUTCOMES
    SUBJECT: ClassVar[str] = "command_id"
    command_id: Id
    partner: Id
    outcome: ReceiptOutcome
    reason: RejectionReason | None = None
    message: Annotated[str, Field(max_length=2000)] | None = None
    supplier_id: Id | None = None
