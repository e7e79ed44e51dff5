"""Wire contract of the `onboarding.suppliers` stream: the events onboarding publishes about a supplier, keyed by
supplier id. Every supplier event carries the supplier's whole public state (event-carried state transfer), so a
projection keeps the newest by sequence. The rules that produce them live in services/onboarding."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.envelope import Event, Id, Text, Topic
from shared.contracts.personal_fields import PERSONAL
from shared.contracts.vocabulary import ExportAgency, InspectionBody, Region, Sector


class SupplierStatus(StrEnum):
    """submitted -> documents-verified -> endorsed -> inspected -> verified; rejected at any step before verified;
    verified <-> suspended; verified -> expired (re-inspection renews). Values were added in place: additive."""
    # The docstring is the schema's description (kept word for word: the schemas stay identical); the transitions
    # themselves are onboarding's rules (services/onboarding/domain.py).

    SUBMITTED = "submitted"
    DOCUMENTS_VERIFIED = "documents-verified"
    ENDORSED = "endorsed"
    INSPECTED = "inspected"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    EXPIRED = "expired"


class VerificationLevel(StrEnum):
    NONE = "none"
    DOCUMENTS = "documents"
    ENDORSED = "endorsed"
    INSPECTED = "inspected"


class SupplierContact(BaseModel):
    # The SME's contact person: personal data, marked so for the gate (shared.contracts.personal_fields).
    model_config = ConfigDict(frozen=True)
    name: Text = Field(json_schema_extra=PERSONAL)
    email: Annotated[str, Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] = Field(
        json_schema_extra=PERSONAL)
    phone: Annotated[str, Field(max_length=30, pattern=r"^\+?[0-9 ()-]{6,30}$")] | None = Field(
        None, json_schema_extra=PERSONAL)


class SupplierProfile(BaseModel):
    """The public face of a supplier, as the country page shows it. rc_number, rc_city and contact were added as
    optional fields (old v1 events stay valid); onboarding's application form requires them."""
    # ice became optional and company_id was added when Tunisia joined (both additive for the gate): which
    # identifier a country requires, and its form, is onboarding's rule (services/onboarding/nations.py).

    model_config = ConfigDict(frozen=True)
    legal_name: Text
    trade_name: Text
    ice: Annotated[str, Field(pattern=r"^\d{15}$")] | None = Field(
        None, description="Morocco's Identifiant Commun de l'Entreprise; set for every Moroccan supplier")
    company_id: Annotated[str, Field(pattern=r"^[0-9A-Z]{1,20}$")] | None = Field(
        None, description="The national company identifier outside Morocco, compact (Tunisia: the matricule fiscal, "
                          "e.g. 1234567MAM000)")
    rc_number: Annotated[str, Field(pattern=r"^[0-9]{1,10}$")] | None = None
    rc_city: Text | None = Field(None, description="Court (tribunal de commerce) city of the RC registration")
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "MA"
    region: Region
    city: Text
    sectors: list[Sector] = Field(min_length=1)
    contact: SupplierContact | None = None
    export_markets: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = []


class SupplierEvent(Event):
    """Every supplier event carries the supplier's whole public state: status, level and profile."""

    TOPIC: ClassVar[Topic] = Topic.SUPPLIERS
    SUBJECT: ClassVar[str] = "supplier_id"
    WITHHELD: ClassVar[tuple[str, ...]] = ("profile.contact",)  # in the schema, never filled: onboarding's _facts
    supplier_id: Id
    status: SupplierStatus
    verification_level: VerificationLevel
    profile: SupplierProfile
    valid_until: AwareDatetime | None = Field(None, description="End of the current verification, once verified.")


class SupplierApplicationSubmitted(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.application-submitted.v1"
    submitted_by: str | None = Field(None, description="Onboarding partner that applied on the SME's behalf.")


class SupplierDocumentsVerified(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.documents-verified.v1"
    reviewer: Text


class SupplierEndorsed(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.endorsed.v1"
    agency: ExportAgency


class SupplierInspected(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.inspected.v1"
    body: InspectionBody
    report_id: Text
    inspected_on: AwareDatetime
    report_valid_until: AwareDatetime


class SupplierVerified(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.verified.v1"
    verified_at: AwareDatetime
    valid_until: AwareDatetime


class SupplierRejected(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.rejected.v1"
    reason: Text
    rejected_from: SupplierStatus | None = Field(None, description="The state the supplier was rejected in.")


class SupplierSuspended(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.suspended.v1"
    reason: Text


class SupplierReinstated(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.reinstated.v1"


class SupplierVerificationExpired(SupplierEvent):
    TYPE: ClassVar[str] = "ma.tijara.supplier.verification-expired.v1"
    expired_at: AwareDatetime
