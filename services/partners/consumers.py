"""The partners service's Kafka side: the partner inbox (`partners.applications|endorsements|inspections`),
onboarding's outcomes (`partners.outcomes`) and its public supplier events (`onboarding.suppliers`: the status of
the suppliers partners brought, never onboarding's database), on one subscriber and one EventConsumer (batching, per-key order,
retries and dead letters are shared/messaging's; nothing here overrides them).

A partner record is authenticated before anything else, on its raw bytes: `tijara_signature` must verify with an
active key of the partner `ce_source` names (services/partners/intake.py). One that cannot be authenticated is
dead-lettered to `<topic>.dlq` (`unknown-partner`, `bad-signature`, or `tombstone` for a null value) and answered
to nobody: no receipt, no command, nothing stored. Only then is it decoded and checked (`undecodable`,
`unknown-type`, `schema-invalid`, `type-not-allowed` for a type outside the partner's scopes or on the wrong topic,
`provenance-not-allowed`): a refusal is dead-lettered AND answered with a receipt to the authenticated partner,
whose message quotes nothing but what that partner itself sent. An admitted record becomes a command.

Partner records are not decoded by the EventConsumer (`read` leaves them raw, under one type, INPUT): decoding is
the inbox's, after the signature. That also keeps the consumer's metrics labelled by a fixed name, not by whatever
`ce_type` an unauthenticated sender wrote.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from services.partners import intake
from services.partners.domain import PARTNER_EVENT_TYPES, Partner
from services.partners.readers import READERS, SUPPLIERS
from services.partners.receipts import PartnerReads
from services.partners.service import PartnerIngress
from shared.contracts.envelope import Envelope, Topic
from shared.contracts.partner_commands import PartnerCommandOutcome
from shared.contracts.partners import PartnerEvent, PartnerTopic, Provenance, RejectionReason
from shared.contracts.registry import EVENT_TYPES
from shared.messaging.consumer import ConsumerPolicy, EventConsumer
from shared.messaging.decoding import PoisonEvent, decode_record
from shared.settings import ServiceSettings

INPUT_TOPICS = (PartnerTopic.APPLICATIONS, PartnerTopic.ENDORSEMENTS, PartnerTopic.INSPECTIONS)
INPUT = "partner-input"  # the EventConsumer's name for a partner record it leaves undecoded
DECODING = {"undecodable": RejectionReason.UNDECODABLE, "unknown-type": RejectionReason.UNKNOWN_TYPE,
            "schema-invalid": RejectionReason.SCHEMA_INVALID}


class PartnerInbox:
    def __init__(self, ingress: PartnerIngress, settings: ServiceSettings) -> None:
        self.ingress = ingress
        self.settings = settings
        self.inputs = {settings.topic(t) for t in INPUT_TOPICS}

    def read(self, record: ConsumerRecord) -> Envelope | None:
        """Partner input stays raw until its sender is authenticated; the rest is read as usual."""
        if record.topic not in self.inputs:
            return decode_record(record, READERS)
        headers = _headers(record)
        return Envelope(data=None, source=headers.get("ce_source", "")[:200], ce_type=INPUT,
                        traceparent=headers.get("traceparent"))

    async def on_partner_record(self, _: Envelope, record: ConsumerRecord) -> None:
        headers = _headers(record)
        partner = await self._partner_named(headers)
        try:
            key_id = intake.authenticate_record(partner, headers, record.value or b"")
        except intake.Unauthenticated as failed:
            raise PoisonEvent(failed.reason.value, failed.message) from None  # dead-lettered; no receipt
        event_id = headers.get("ce_id") or f"{record.topic}/{record.partition}/{record.offset}"
        try:
            data = self._admissible(partner, record)
        except intake.Refused as refused:  # answered first, so a failing dead letter is retried, not unanswered
            await self.ingress.refuse(partner.partner_id, event_id[:200], headers.get("ce_type") or "?", refused)
            raise PoisonEvent(refused.reason.value, refused.message) from None
        received = datetime.fromtimestamp(record.timestamp / 1000, UTC)
        provenance = Provenance(partner=partner.partner_id, key_id=key_id, channel="kafka", received_at=received)
        await self.ingress.admit(partner, event_id, data, provenance)

    async def _partner_named(self, headers: dict[str, str]) -> Partner | None:
        partner_id = intake.partner_id_from(headers.get("ce_source", ""))
        return await self.ingress.partners.get(partner_id) if partner_id else None

    def _admissible(self, partner: Partner, record: ConsumerRecord) -> PartnerEvent:
        """The authenticated record's event, if it is one this partner may send here."""
        try:
            envelope = decode_record(record, EVENT_TYPES)
        except PoisonEvent as poison:
            raise intake.Refused(DECODING.get(poison.kind, RejectionReason.UNDECODABLE), poison.detail) from None
        data = envelope.data if envelope else None
        if not isinstance(data, PartnerEvent) or data.TYPE not in PARTNER_EVENT_TYPES:
            raise intake.Refused(RejectionReason.TYPE_NOT_ALLOWED, f"{envelope.type if envelope else '?'} is not "
                                 "partner input")
        intake.check_topic(data, record.topic.removeprefix(self.settings.kafka_topic_prefix))
        intake.check_scope(partner, data.TYPE)
        intake.check_provenance_absent(data)
        return data

    async def on_outcome(self, envelope: Envelope) -> None:
        await self.ingress.answer(envelope.data)


def _headers(record: ConsumerRecord) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in (record.headers or ())}


def register(broker: KafkaBroker, ingress: PartnerIngress, reads: PartnerReads,
             settings: ServiceSettings) -> EventConsumer:
    inbox = PartnerInbox(ingress, settings)
    handlers = {INPUT: inbox.on_partner_record, PartnerCommandOutcome.TYPE: _without_record(inbox.on_outcome)}
    handlers |= {t: _without_record(lambda envelope: reads.saw_supplier(envelope.data)) for t in SUPPLIERS}
    policy = ConsumerPolicy.of(settings)
    consumer = EventConsumer(broker, settings.consumer_group, handlers, policy, pass_record=True, read=inbox.read)

    @broker.subscriber(
        *(settings.topic(t) for t in (*INPUT_TOPICS, PartnerTopic.OUTCOMES, Topic.SUPPLIERS)),
        group_id=settings.consumer_group,
        title="partner-input", description="Partner events (supplier applications, endorsements, inspection "
        "reports), each authenticated by its signature first (else dead-lettered, unanswered), then admitted as a "
        "command on partners.commands or refused with a receipt and a dead letter; onboarding's outcomes on "
        "partners.outcomes, answered as receipts; and onboarding's supplier events, for the suppliers partners "
        "brought (their status and what a partner may send next).",
        **policy.subscriber_options(),
    )
    async def on_partner_records(message: KafkaMessage) -> None:
        await consumer.consume(message.raw_message)

    return consumer


def _without_record(handler):
    async def handle(envelope: Envelope, _: ConsumerRecord) -> None:
        await handler(envelope)
    return handle
