"""The `partners.*` topics: partner input (applications, endorsements, inspection reports), the commands the
partners service admits for onboarding, onboarding's outcomes, and the receipts partners read. Kept four weeks."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from pydantic import Field

from tijara_events.base import Actor, Message, Part
from tijara_events.open import Open
from tijara_events.suppliers import SupplierContact, SupplierProfile
from tijara_events.vocabulary import Channel, DocumentKind, ReceiptOutcome, RejectionReason


class Provenance(Part):
    """Who sent partner input, how, and when it reached the marketplace (stamped by the marketplace)."""

    partner: str
    key_id: str | None = None
    channel: Open[Channel]
    received_at: datetime


class PartnerMessage(Message):
    occurred_at: datetime


class PartnerEvent(PartnerMessage):
    provenance: Provenance | None = None


class PartnerSupplierProfile(SupplierProfile):
    rc_number: str
    rc_city: str
    contact: SupplierContact


class PartnerDocument(Part):
    kind: Open[DocumentKind]
    reference: str
    url: str | None = None


class PartnerSupplierApplication(PartnerEvent):
    TYPE: ClassVar[str] = "ma.tijara.partner.supplier-application.v1"
    TOPIC: ClassVar[str] = "partners.applications"
    SUBJECT: ClassVar[str] = "application_id"
    application_id: str
    profile: PartnerSupplierProfile
    documents: list[PartnerDocument] = []


class PartnerEndorsement(PartnerEvent):
    TYPE: ClassVar[str] = "ma.tijara.partner.endorsement.v1"
    TOPIC: ClassVar[str] = "partners.endorsements"
    SUBJECT: ClassVar[str] = "supplier_id"
    endorsement_id: str
    supplier_id: str


class PartnerInspectionReport(PartnerEvent):
    TYPE: ClassVar[str] = "ma.tijara.partner.inspection-report.v1"
    TOPIC: ClassVar[str] = "partners.inspections"
    SUBJECT: ClassVar[str] = "supplier_id"
    report_id: str
    supplier_id: str
    passed: bool
    inspected_on: date
    reason: str | None = None


class PartnerReceipt(PartnerMessage):
    TYPE: ClassVar[str] = "ma.tijara.partner.receipt.v1"
    TOPIC: ClassVar[str] = "partners.receipts"
    SUBJECT: ClassVar[str] = "partner"
    partner: str
    event_id: str
    event_type: str
    outcome: Open[ReceiptOutcome]
    reason: Open[RejectionReason] | None = None
    message: str | None = None
    supplier_id: str | None = None


class PartnerCommand(PartnerMessage):
    TOPIC: ClassVar[str] = "partners.commands"
    command_id: str
    partner: str
    provenance: Provenance
    actor: Actor


class SubmitSupplierApplication(PartnerCommand):
    TYPE: ClassVar[str] = "ma.tijara.partner.command.submit-application.v1"
    SUBJECT: ClassVar[str] = "application_id"
    application_id: str
    profile: SupplierProfile
    documents: list[PartnerDocument] = Field(default_factory=list)


class EndorseSupplier(PartnerCommand):
    TYPE: ClassVar[str] = "ma.tijara.partner.command.endorse-supplier.v1"
    SUBJECT: ClassVar[str] = "supplier_id"
    supplier_id: str
    endorsement_id: str
    agency: str


class RecordInspection(PartnerCommand):
    TYPE: ClassVar[str] = "ma.tijara.partner.command.record-inspection.v1"
    SUBJECT: ClassVar[str] = "supplier_id"
    supplier_id: str
    report_id: str
    body: str
    passed: bool
    inspected_on: date
    reason: str | None = None


class PartnerCommandOutcome(PartnerMessage):
    TYPE: ClassVar[str] = "ma.tijara.partner.command-outcome.v1"
    TOPIC: ClassVar[str] = "partners.outcomes"
    SUBJECT: ClassVar[str] = "command_id"
    command_id: str
    partner: str
    outcome: Open[ReceiptOutcome]
    reason: Open[RejectionReason] | None = None
    message: str | None = None
    supplier_id: str | None = None
