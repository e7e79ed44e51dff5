"""THE event contract: topics, the CloudEvents 1.0 envelope (Kafka binary mode) and every event model.

One topic per aggregate stream, keyed by aggregate id, so one supplier's (product's, inquiry's) events stay in order.
The event type travels in the `ce_type` header and is versioned (`...v1`); the value is the JSON event data.
Every event carries `sequence`, the aggregate's version after it, so consumers can order and de-duplicate.
Events carry the aggregate's public state (event-carried state transfer): a projection keeps the newest by sequence.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.listing import ProductListing, ProductListingV1, upcast_listing_v1
from shared.vocabulary import ExportAgency, InspectionBody, Region, Sector

from shared.envelope import (  # noqa: F401  (re-exported: the contract's names in one place)
    EVENT_TYPES, SPECVERSION, UPCASTERS, CountryCode, Envelope, Event, Id, PoisonEvent, Text, Topic, dead_letter_topic,
    decode, read, summary,
)

_summary = summary


# --- suppliers ----------------------------------------------------------------------------------------------------


class SupplierStatus(StrEnum):
    """submitted -> documents-verified -> endorsed -> inspected -> verified; rejected at any step before verified;
    verified <-> suspended; verified -> expired (re-inspection renews). Values were added in place: additive."""

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
    model_config = ConfigDict(frozen=True)
    name: Text
    email: Annotated[str, Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    phone: Annotated[str, Field(max_length=30, pattern=r"^\+?[0-9 ()-]{6,30}$")] | None = None


class SupplierProfile(BaseModel):
    """The public face of a supplier, as the country page shows it. rc_number, rc_city and contact were added as
    optional fields (old v1 events stay valid); onboarding's application form requires them."""

    model_config = ConfigDict(frozen=True)
    legal_name: Text
    trade_name: Text
    ice: Annotated[str, Field(pattern=r"^\d{15}$")]
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


# --- products -----------------------------------------------------------------------------------------------------
#
# Evolution: `product.listed.v1` carried a single `unit_price`. v2 carries the full listing (quantity price tiers,
# localized title and description, lead time, supply ability, samples, port of loading). Producers emit v2 only;
# the upcaster below turns any v1 still on the log into v2 at decode time (one open-ended tier from the MOQ), so
# consumers handle v2 alone and a replay from the beginning of the log still works. `product.updated.v1` and
# `product.delisted.v1` carry the v2 listing (on delisted it is an optional, additive field).


class ProductEvent(Event):
    TOPIC: ClassVar[Topic] = Topic.PRODUCTS
    SUBJECT: ClassVar[str] = "product_id"
    product_id: Id
    supplier_id: Id
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "MA"


class ProductListedV1(ProductEvent):
    """Superseded by v2; still in the contract so old records are documented. Decoding upcasts it to v2."""

    TYPE: ClassVar[str] = "ma.tijara.product.listed.v1"
    listing: ProductListingV1


class ProductListed(ProductEvent):
    TYPE: ClassVar[str] = "ma.tijara.product.listed.v2"
    listing: ProductListing


class ProductUpdated(ProductEvent):
    TYPE: ClassVar[str] = "ma.tijara.product.updated.v1"
    listing: ProductListing


class ProductDelisted(ProductEvent):
    TYPE: ClassVar[str] = "ma.tijara.product.delisted.v1"
    reason: Text
    listing: ProductListing | None = None


def _upcast_product_listed_v1(data: dict) -> tuple[str, dict]:
    listing = data.get("listing")
    return ProductListed.TYPE, {**data, "listing": upcast_listing_v1(listing) if isinstance(listing, dict) else listing}


UPCASTERS[ProductListedV1.TYPE] = _upcast_product_listed_v1


# --- inquiries ----------------------------------------------------------------------------------------------------
#
# Responded and Closed repeat what the showcase needs of the inquiry (buyer country, received_at), so a projection
# holding only the newest event per inquiry still computes response rate and time, whatever the arrival order.

class InquiryEvent(Event):
    TOPIC: ClassVar[Topic] = Topic.INQUIRIES
    SUBJECT: ClassVar[str] = "inquiry_id"
    inquiry_id: Id
    supplier_id: Id
    product_id: Id | None = None


class InquiryReceived(InquiryEvent):
    TYPE: ClassVar[str] = "ma.tijara.inquiry.received.v1"
    buyer_company: Text
    buyer_country: CountryCode
    quantity: int = Field(gt=0)
    unit: Annotated[str, Field(min_length=1, max_length=20)]
    received_at: AwareDatetime
    target_price: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    destination: Text | None = None


class InquiryResponded(InquiryEvent):
    TYPE: ClassVar[str] = "ma.tijara.inquiry.responded.v1"
    buyer_country: CountryCode
    received_at: AwareDatetime
    responded_at: AwareDatetime


class InquiryClosed(InquiryEvent):
    TYPE: ClassVar[str] = "ma.tijara.inquiry.closed.v1"
    buyer_country: CountryCode
    received_at: AwareDatetime
    responded_at: AwareDatetime | None = None
    closed_at: AwareDatetime
    reason: Text | None = None


# === partner input (issue 5) ======================================================================================
# Events that partner systems publish into the marketplace (over Kafka on partners.* topics, or through onboarding's
# HTTP gateway, which stamps provenance and publishes them on the same topics), and the receipts onboarding answers
# with. Partner input is strict: unknown fields are refused (extra="forbid"), identifiers match ID_PATTERN, so no
# MongoDB operator ($gt, $where) or dotted key can travel through it. Kept apart from the aggregate streams: partner
# topics are not in `Topic`, so the marketplace consumers never subscribe to them.


from datetime import date  # noqa: E402  (kept in this section so the sections above stay untouched)

from shared.vocabulary import DocumentKind  # noqa: E402


ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"  # the pattern of `Id`: no '$', no whitespace, nothing a query could interpret


class PartnerTopic(StrEnum):
    APPLICATIONS = "partners.applications"
    ENDORSEMENTS = "partners.endorsements"
    INSPECTIONS = "partners.inspections"
    RECEIPTS = "partners.receipts"


class Provenance(BaseModel):
    """Who sent a partner event, how, and when it reached the marketplace. Set by the marketplace, never trusted
    from the partner: the gateway stamps it from the authenticated request; the Kafka inbox from the record."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    partner: Id
    key_id: Id | None = Field(None, description="The API key that signed the HTTP request; none over Kafka.")
    channel: Annotated[str, Field(pattern=r"^(http|kafka)$")]
    received_at: AwareDatetime


class PartnerMessage(BaseModel):
    """Data of one message on a partners.* topic; registered in EVENT_TYPES like the marketplace's own events."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    TYPE: ClassVar[str]
    TOPIC: ClassVar[PartnerTopic]
    SUBJECT: ClassVar[str]

    occurred_at: AwareDatetime = Field(description="When the fact was recorded.")

    @property
    def subject(self) -> str:
        return str(getattr(self, self.SUBJECT))

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "TYPE" in cls.__dict__:
            EVENT_TYPES[cls.TYPE] = cls  # type: ignore[assignment]


class PartnerEvent(PartnerMessage):
    """Partner input: what a partner system tells the marketplace."""

    provenance: Provenance | None = Field(None, description="Stamped by the marketplace on receipt; leave it out.")


class PartnerSupplierContact(SupplierContact):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PartnerSupplierProfile(SupplierProfile):
    """The supplier profile as a partner files it: strict, and with what an application requires."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    rc_number: Annotated[str, Field(pattern=r"^[0-9]{1,10}$")]
    rc_city: Text = Field(description="Court (tribunal de commerce) city of the RC registration")
    contact: PartnerSupplierContact


class PartnerDocument(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: DocumentKind
    reference: Annotated[str, Field(min_length=1, max_length=100, description="Number on the document")]
    url: Annotated[str, Field(max_length=500, pattern=r"^https?://\S+$")] | None = None


class PartnerSupplierApplication(PartnerEvent):
    """An onboarding partner (e.g. Clementia) applies on an SME's behalf. Keyed by the partner's application id."""

    TYPE: ClassVar[str] = "ma.tijara.partner.supplier-application.v1"
    TOPIC: ClassVar[PartnerTopic] = PartnerTopic.APPLICATIONS
    SUBJECT: ClassVar[str] = "application_id"
    application_id: Id
    profile: PartnerSupplierProfile
    documents: list[PartnerDocument] = Field([], max_length=20, description="RC extract and ICE certificate at least")


class PartnerEndorsement(PartnerEvent):
    """An export agency (AMDIE, Maroc PME, ASMEX) endorses a supplier. Keyed by supplier id."""

    TYPE: ClassVar[str] = "ma.tijara.partner.endorsement.v1"
    TOPIC: ClassVar[PartnerTopic] = PartnerTopic.ENDORSEMENTS
    SUBJECT: ClassVar[str] = "supplier_id"
    endorsement_id: Id
    supplier_id: Id


class PartnerInspectionReport(PartnerEvent):
    """An inspection body (SGS, TÜV Rheinland, Intertek, Bureau Veritas) reports on a supplier. Keyed by supplier."""

    TYPE: ClassVar[str] = "ma.tijara.partner.inspection-report.v1"
    TOPIC: ClassVar[PartnerTopic] = PartnerTopic.INSPECTIONS
    SUBJECT: ClassVar[str] = "supplier_id"
    report_id: Id
    supplier_id: Id
    passed: bool
    inspected_on: date
    reason: Text | None = Field(None, description="Why the inspection failed; required when passed is false.")


class ReceiptOutcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class RejectionReason(StrEnum):
    UNDECODABLE = "undecodable"
    UNKNOWN_TYPE = "unknown-type"
    SCHEMA_INVALID = "schema-invalid"
    UNKNOWN_PARTNER = "unknown-partner"
    TYPE_NOT_ALLOWED = "type-not-allowed"
    SUPPLIER_NOT_FOUND = "supplier-not-found"
    CONFLICT = "conflict"


class PartnerReceipt(PartnerMessage):
    """Onboarding's answer to one partner event, on partners.receipts keyed by partner id."""

    TYPE: ClassVar[str] = "ma.tijara.partner.receipt.v1"
    TOPIC: ClassVar[PartnerTopic] = PartnerTopic.RECEIPTS
    SUBJECT: ClassVar[str] = "partner"
    partner: Id
    event_id: Annotated[str, Field(min_length=1, max_length=200)] = Field(description="ce_id of the partner event.")
    event_type: Annotated[str, Field(max_length=200)]
    outcome: ReceiptOutcome
    reason: RejectionReason | None = None
    message: Annotated[str, Field(max_length=2000)] | None = None
    supplier_id: Id | None = None
