"""`onboarding.suppliers`, keyed by supplier id. Every supplier event carries the supplier's whole public state."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from tijara_events.base import Event, Part
from tijara_events.open import Open
from tijara_events.vocabulary import ExportAgency, InspectionBody, Region, Sector, SupplierStatus, VerificationLevel

TOPIC = "onboarding.suppliers"


class SupplierContact(Part):
    name: str
    email: str
    phone: str | None = None


class SupplierProfile(Part):
    legal_name: str
    trade_name: str
    ice: str | None = None
    company_id: str | None = None
    rc_number: str | None = None
    rc_city: str | None = None
    country: str = "MA"
    region: Open[Region]
    city: str
    sectors: list[Open[Sector]]
    contact: SupplierContact | None = None  # always null on the marketplace's topics (no personal data)
    export_markets: list[str] = []


class SupplierEvent(Event):
    TOPIC: ClassVar[str] = TOPIC
    SUBJECT: ClassVar[str] = "supplier_id"
    supplier_id: str
    status: Open[SupplierStatus]
    verification_level: Open[VerificationLevel]
    profile: SupplierProfile
    valid_until: datetime | None = None


class SupplierApplicationSubmitted(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.application-submitted.v1"
    submitted_by: str | None = None


class SupplierDocumentsVerified(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.documents-verified.v1"
    reviewer: str  # the identity provider's id of a staff member: pseudonymous personal data


class SupplierEndorsed(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.endorsed.v1"
    agency: Open[ExportAgency]


class SupplierInspected(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.inspected.v1"
    body: Open[InspectionBody]
    report_id: str
    inspected_on: datetime
    report_valid_until: datetime


class SupplierVerified(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.verified.v1"
    verified_at: datetime
    valid_until: datetime


class SupplierRejected(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.rejected.v1"
    reason: str
    rejected_from: Open[SupplierStatus] | None = None


class SupplierSuspended(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.suspended.v1"
    reason: str


class SupplierReinstated(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.reinstated.v1"


class SupplierVerificationExpired(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.verification-expired.v1"
    expired_at: datetime
