"""Wire contract of partner input: events that partner systems publish into the marketplace (signed, over Kafka on
partners.* topics, or through the partners service's HTTP gateway), and the receipts the partners service answers
with (commands and outcomes between it and onboarding: shared/contracts/partner_commands.py). Partner input is strict:
unknown fields are refused (extra="forbid"), identifiers match ID_PATTERN, so no MongoDB operator ($gt, $where) or
dotted key can travel through it. Kept apart from the aggregate streams: partner topics are not in `Topic`, so the
marketplace consumers never subscribe to them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shared.contracts.envelope import Id, Message, Text
from shared.contracts.suppliers import SupplierContact, SupplierProfile
from shared.contracts.vocabulary import DocumentKind, Region

ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"  # the pattern of `Id`: no '$', no whitespace, nothing a query could interpret


# A partner id is also a Kafka topic suffix and a SCRAM principal: lower-case letters, digits and '-' only
PARTNER_ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"


class PartnerTopic(StrEnum):
    APPLICATIONS = "partners.applications"
    ENDORSEMENTS = "partners.endorsements"
    INSPECTIONS = "partners.inspections"
    RECEIPTS = "partners.receipts"  # the stem: each partner's receipts are on partners.receipts.<partner id>
    COMMANDS = "partners.commands"  # admitted partner input, from the partners service to onboarding
    OUTCOMES = "partners.outcomes"  # onboarding's answer to each command, from which the receipt is made


def receipts_topic(partner_id: str) -> str:
    """The partner's own receipts topic (before the deployment's KAFKA_TOPIC_PREFIX): only it may read it (ACLs)."""
    return f"{PartnerTopic.RECEIPTS.value}.{partner_id}"


class Provenance(BaseModel):
    """Who sent a partner event, how, and when it reached the marketplace. Set by the marketplace, never trusted
    from the partner: the gateway stamps it from the authenticated request; the Kafka inbox from the record."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    partner: Id
    key_id: Id | None = Field(None, description="The API key that signed the HTTP request; none over Kafka.")
    channel: Annotated[str, Field(pattern=r"^(http|kafka)$")]
    received_at: AwareDatetime


class PartnerMessage(Message):
    """Data of one message on a partners.* topic; registered in EVENT_TYPES like the marketplace's own events."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    TOPIC: ClassVar[PartnerTopic]

    occurred_at: AwareDatetime = Field(description="When the fact was recorded.")


class PartnerEvent(PartnerMessage):
    """Partner input: what a partner system tells the marketplace."""

    provenance: Provenance | None = Field(None, description="Stamped by the marketplace on receipt; leave it out.")


class PartnerSupplierContact(SupplierContact):
    model_config = ConfigDict(frozen=True, extra="forbid")


# Morocco's 12 regions: the vocabulary lists them first, Tunisia's governorates after (shared/contracts/vocabulary.py)
MOROCCAN_REGIONS = frozenset(list(Region)[:list(Region).index(Region.ARIANA)])


class PartnerSupplierProfile(SupplierProfile):
    """The supplier profile as a partner files it: strict, and with what an application requires. The partner form
    is Morocco's (the RC number and its court city are Moroccan identifiers): a Moroccan company, with its ICE, in
    one of Morocco's regions. So the gateway answers an incomplete application 400 at once, instead of 202 and a
    `schema-invalid` receipt from onboarding later."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    rc_number: Annotated[str, Field(pattern=r"^[0-9]{1,10}$")]
    rc_city: Text = Field(description="Court (tribunal de commerce) city of the RC registration")
    contact: PartnerSupplierContact

    @model_validator(mode="after")
    def _moroccan_company(self) -> PartnerSupplierProfile:
        problems = []
        if self.country != "MA":
            problems.append(f"country {self.country!r}: partner applications are for Moroccan companies (MA)")
        if self.ice is None:
            problems.append("ice is required: a Moroccan company gives its ICE (15 digits)")
        if self.region not in MOROCCAN_REGIONS:
            problems.append(f"region {self.region.value!r} is not one of Morocco's regions")
        if problems:
            raise ValueError("; ".join(problems))
        return self


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

    @model_validator(mode="after")
    def _each_document_once(self) -> PartnerSupplierApplication:
        kinds = [d.kind for d in self.documents]
        if len(kinds) != len(set(kinds)):
            raise ValueError("each kind of document may be submitted once")
        return self


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
    TOMBSTONE = "tombstone"
    BAD_SIGNATURE = "bad-signature"
    PROVENANCE_NOT_ALLOWED = "provenance-not-allowed"


class PartnerReceipt(PartnerMessage):
    """The partners service's answer to one partner event, on the partner's own partners.receipts.<partner id>."""

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
