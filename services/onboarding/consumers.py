"""onboarding handles partner input: supplier applications, endorsements and inspection reports on `partners.*`.

Per event: decode and validate (schema), identify the partner (`ce_source: /partners/<id>`, checked against the
registry), check it may publish this type on this topic, check the referenced supplier, apply through the use
cases, and answer with a receipt on `partners.receipts` keyed by partner id. A rejected event also goes to
`<topic>.dlq` with the reason. Transient failures are retried and, when exhausted, dead-lettered without a receipt
(an operator redrives them; the partner hears once the outcome is known). A redelivered event gets the receipt it
got the first time (outcomes are recorded by partner and event id).
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime

from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import ValidationError

from services.onboarding.application import DocumentSubmission, SupplierApplication
from services.onboarding.partner_store import PartnerStore
from services.onboarding.partners import Partner, PartnerKind
from services.onboarding.service import Onboarding
from shared.actors import Actor, Role
from shared.envelope import Envelope, PoisonEvent, decode
from shared.envelope import summary as _summary
from shared.errors import MarketplaceError, NotFound
from shared.messaging import EventConsumer, consumer_options
from shared.partners import (
    ID_PATTERN,
    PartnerEndorsement,
    PartnerEvent,
    PartnerInspectionReport,
    PartnerReceipt,
    PartnerSupplierApplication,
    PartnerTopic,
    Provenance,
    ReceiptOutcome,
    RejectionReason,
)
from shared.settings import ServiceSettings
from shared.suppliers import SupplierProfile

log = logging.getLogger(__name__)
SOURCE = "/tijara/onboarding"
PARTNER_SOURCE_PREFIX = "/partners/"
INPUT_TOPICS = (PartnerTopic.APPLICATIONS, PartnerTopic.ENDORSEMENTS, PartnerTopic.INSPECTIONS)


class Rejected(Exception):
    def __init__(self, reason: RejectionReason, message: str, supplier_id: str | None = None) -> None:
        super().__init__(message)
        self.reason, self.message, self.supplier_id = reason, message, supplier_id


class PartnerInbox(EventConsumer):
    """EventConsumer's batching, ordering per key and dead-lettering, with partner rules and receipts."""

    def __init__(self, broker: KafkaBroker, settings: ServiceSettings, onboarding: Onboarding,
                 partners: PartnerStore) -> None:
        super().__init__(broker, settings.consumer_group, {}, settings.consumer_max_attempts,
                         settings.consumer_backoff_seconds)
        self.settings = settings
        self.onboarding = onboarding
        self.partners = partners

    async def consume_one(self, record: ConsumerRecord) -> None:
        headers = {k: v.decode(errors="replace") for k, v in (record.headers or ())}
        source = headers.get("ce_source", "")
        partner_id = source.removeprefix(PARTNER_SOURCE_PREFIX) if source.startswith(PARTNER_SOURCE_PREFIX) else ""
        if len(partner_id) > 64 or not re.fullmatch(ID_PATTERN, partner_id):
            partner_id = ""  # not an id we could have registered (and receipts are keyed by valid ids only)
        event_id = headers.get("ce_id") or f"{record.topic}/{record.partition}/{record.offset}"
        event_type = headers.get("ce_type") or "?"
        input_id = f"{partner_id or '?'}:{event_id}"
        if (done := await self.partners.outcome(input_id)) is not None:
            return await self._send_receipt(PartnerReceipt.model_validate(done["receipt"]))
        try:
            envelope = self._decode(headers, record)
            partner = await self._partner(partner_id, envelope, record)
            supplier_id = await self._apply_with_retry(partner, envelope, record)
        except Rejected as rejected:
            receipt = self._receipt(partner_id, event_id, event_type, ReceiptOutcome.REJECTED, rejected.reason,
                                    rejected.message, rejected.supplier_id)
            await self.partners.record_outcome(input_id, receipt.model_dump(mode="json"))
            await self._send_receipt(receipt)
            await self.dead_letter(record, rejected.reason.value, rejected.message, attempts=1)
            return
        except _Exhausted:
            return  # dead-lettered as retries-exhausted; no receipt until an operator redrives it
        receipt = self._receipt(partner_id, event_id, event_type, ReceiptOutcome.ACCEPTED, None, None, supplier_id)
        await self.partners.record_outcome(input_id, receipt.model_dump(mode="json"))
        await self._send_receipt(receipt)

    def _decode(self, headers: dict[str, str], record: ConsumerRecord) -> Envelope:
        try:
            envelope = decode(headers, record.value)
        except PoisonEvent as poison:
            raise Rejected(RejectionReason(poison.kind), poison.detail) from None
        if not isinstance(envelope.data, PartnerEvent) or envelope.data.TOPIC not in INPUT_TOPICS:
            raise Rejected(RejectionReason.TYPE_NOT_ALLOWED, f"{envelope.type} is not partner input")
        if record.topic != self.settings.topic(envelope.data.TOPIC):
            raise Rejected(RejectionReason.TYPE_NOT_ALLOWED,
                           f"{envelope.type} belongs on {envelope.data.TOPIC.value}, not on {record.topic}")
        return envelope

    async def _partner(self, partner_id: str, envelope: Envelope, record: ConsumerRecord) -> Partner:
        partner = await self.partners.get(partner_id) if partner_id else None
        if partner is None:
            raise Rejected(RejectionReason.UNKNOWN_PARTNER,
                           f"ce_source must be {PARTNER_SOURCE_PREFIX}<partner id> of a registered partner; "
                           f"got {envelope.source!r}")
        if not partner.may_publish(envelope.type):
            raise Rejected(RejectionReason.TYPE_NOT_ALLOWED,
                           f"partner {partner.partner_id} ({partner.kind.value}) may publish only "
                           f"{', '.join(partner.scopes)}; not {envelope.type}")
        return partner

    async def _apply_with_retry(self, partner: Partner, envelope: Envelope, record: ConsumerRecord) -> str | None:
        data = envelope.data
        provenance = data.provenance
        if provenance is None or provenance.partner != partner.partner_id or (
                provenance.key_id is not None and partner.key(provenance.key_id) is None):
            received = datetime.fromtimestamp(record.timestamp / 1000, UTC)
            provenance = Provenance(partner=partner.partner_id, channel="kafka", received_at=received)
        data = data.model_copy(update={"provenance": provenance})
        for attempt in range(1, self.max_attempts + 1):
            try:
                return await self.apply(partner, data)
            except Rejected:
                raise
            except NotFound as error:
                raise Rejected(RejectionReason.SUPPLIER_NOT_FOUND, error.message,
                               getattr(data, "supplier_id", None)) from None
            except MarketplaceError as error:  # conflicts and refused transitions: the partner must act
                raise Rejected(RejectionReason.CONFLICT, error.message, getattr(data, "supplier_id", None)) from None
            except Exception as error:
                if attempt == self.max_attempts:
                    await self.dead_letter(record, "retries-exhausted", f"{type(error).__name__}: {error}", attempt)
                    raise _Exhausted from error
                log.warning("partner event %s failed (attempt %d): %s", envelope.id, attempt, error)
                await asyncio.sleep(self.backoff_seconds * 2 ** (attempt - 1))
        return None

    async def apply(self, partner: Partner, data: PartnerEvent) -> str | None:
        """The use case each partner event maps to; returns the supplier concerned."""
        service = self.onboarding
        if isinstance(data, PartnerSupplierApplication):
            try:
                application = SupplierApplication(
                    profile=SupplierProfile.model_validate(data.profile.model_dump()),
                    documents=[DocumentSubmission.model_validate(d.model_dump()) for d in data.documents])
            except ValidationError as error:
                raise Rejected(RejectionReason.SCHEMA_INVALID, _summary(error)) from None
            supplier = await service.submit_application(application, submitted_by=partner.partner_id,
                                                        actor=_actor(partner))
            return supplier.supplier_id
        if isinstance(data, PartnerEndorsement):
            await service.endorse(data.supplier_id, agency=partner.organisation or partner.name, actor=_actor(partner))
            return data.supplier_id
        if isinstance(data, PartnerInspectionReport):
            await service.record_inspection(data.supplier_id, body=partner.organisation or partner.name,
                                            report_id=data.report_id, passed=data.passed,
                                            inspected_on=data.inspected_on, reason=data.reason, actor=_actor(partner))
            return data.supplier_id
        raise Rejected(RejectionReason.TYPE_NOT_ALLOWED, f"{data.TYPE} is not partner input")

    def _receipt(self, partner_id: str, event_id: str, event_type: str, outcome: ReceiptOutcome,
                 reason: RejectionReason | None, message: str | None, supplier_id: str | None) -> PartnerReceipt:
        return PartnerReceipt(partner=partner_id or "unknown", event_id=event_id[:200], event_type=event_type[:200],
                              outcome=outcome, reason=reason, message=message and message[:2000],
                              supplier_id=supplier_id, occurred_at=datetime.now(UTC))

    async def _send_receipt(self, receipt: PartnerReceipt) -> None:
        envelope = Envelope(receipt, SOURCE)
        await self.broker.publish(envelope.value(), topic=self.settings.topic(PartnerTopic.RECEIPTS),
                                  key=envelope.key, headers=envelope.headers())


ROLE_OF_KIND = {PartnerKind.ONBOARDING_PARTNER: Role.PARTNER, PartnerKind.EXPORT_AGENCY: Role.AGENCY,
                PartnerKind.INSPECTION_BODY: Role.INSPECTION}


def _actor(partner: Partner) -> Actor:
    """A registered partner system acting through the inbox: the partner id is the subject."""
    organisation = partner.partner_id if partner.kind is PartnerKind.ONBOARDING_PARTNER else partner.organisation
    return Actor(subject=f"partner:{partner.partner_id}", role=ROLE_OF_KIND[partner.kind],
                 organisation=organisation or partner.name)


class _Exhausted(Exception):
    pass


def register(broker: KafkaBroker, onboarding: Onboarding, partners: PartnerStore,
             settings: ServiceSettings) -> PartnerInbox:
    inbox = PartnerInbox(broker, settings, onboarding, partners)

    @broker.subscriber(
        *(settings.topic(t) for t in INPUT_TOPICS), group_id=settings.consumer_group,
        title="partner-input", description="Partner events: supplier applications (onboarding partner), "
        "endorsements (export agencies), inspection reports (inspection bodies). Each is answered on "
        "partners.receipts; rejected ones also go to <topic>.dlq.",
        **consumer_options(settings.consumer_batch_size),
    )
    async def on_partner_events(message: KafkaMessage) -> None:
        await inbox.consume(message.raw_message)

    return inbox
