"""The partners service's Kafka side: the partner inbox (`partners.applications|endorsements|inspections`) and
onboarding's outcomes (`partners.outcomes`), on one subscriber and one EventConsumer (batching, per-key order,
retries and dead letters are shared/messaging's; nothing here overrides them).

A partner record is admitted when: its CloudEvents headers and schema are valid (else `undecodable`, `tombstone`,
`unknown-type`, `schema-invalid`), `ce_source` names a registered partner, the type is its scope and on its topic,
it carries no `provenance`, and `tijara_signature` verifies with one of THAT partner's keys (so an agency cannot
send as another). A refused record is dead-lettered to `<topic>.dlq` and answered on `partners.receipts`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from services.partners import intake
from services.partners.domain import PARTNER_EVENT_TYPES
from services.partners.service import PartnerIngress
from shared.envelope import EVENT_TYPES, Envelope, PoisonEvent
from shared.messaging import EventConsumer, consumer_options
from services.partners.readers import READERS
from shared.partner_commands import PartnerCommandOutcome
from shared.partners import PartnerEvent, PartnerTopic, Provenance, RejectionReason
from shared.settings import ServiceSettings

INPUT_TOPICS = (PartnerTopic.APPLICATIONS, PartnerTopic.ENDORSEMENTS, PartnerTopic.INSPECTIONS)
REASONS = {r.value for r in RejectionReason}


class PartnerInbox:
    def __init__(self, ingress: PartnerIngress, settings: ServiceSettings) -> None:
        self.ingress = ingress
        self.settings = settings
        self.inputs = {settings.topic(t) for t in INPUT_TOPICS}

    async def on_partner_event(self, envelope: Envelope, record: ConsumerRecord) -> None:
        try:
            partner_id, provenance, data = await self._admissible(envelope, record)
        except intake.Refused as refused:
            raise PoisonEvent(refused.reason.value, refused.message) from None  # dead-lettered, then answered
        await self.ingress.admit(await self.ingress.partner(partner_id), envelope.id, data, provenance)

    async def _admissible(self, envelope: Envelope, record: ConsumerRecord) -> tuple[str, Provenance, PartnerEvent]:
        if record.topic not in self.inputs:
            raise intake.Refused(RejectionReason.TYPE_NOT_ALLOWED, f"{record.topic} is not partner input")
        data = envelope.data
        if not isinstance(data, PartnerEvent) or data.TYPE not in PARTNER_EVENT_TYPES:
            raise intake.Refused(RejectionReason.TYPE_NOT_ALLOWED, f"{envelope.type} is not partner input")
        intake.check_topic(data, record.topic.removeprefix(self.settings.kafka_topic_prefix))
        partner_id = intake.partner_id_from(envelope.source)
        partner = await self.ingress.partners.get(partner_id) if partner_id else None
        if partner is None:
            raise intake.Refused(RejectionReason.UNKNOWN_PARTNER, f"ce_source must be "
                                 f"{intake.PARTNER_SOURCE_PREFIX}<partner id> of a registered partner; "
                                 f"got {envelope.source!r}")
        intake.check_scope(partner, data.TYPE)
        intake.check_provenance_absent(data)
        key_id = intake.check_record_signature(partner, _headers(record), record.value or b"")
        received = datetime.fromtimestamp(record.timestamp / 1000, UTC)
        return partner.partner_id, Provenance(partner=partner.partner_id, key_id=key_id, channel="kafka",
                                              received_at=received), data

    async def on_dead_letter(self, record: ConsumerRecord, kind: str, detail: str) -> None:
        """Answer the sender of a refused partner record; exhausted retries wait for an operator's redrive."""
        if record.topic not in self.inputs or kind not in REASONS:
            return
        headers = _headers(record)
        partner_id = intake.partner_id_from(headers.get("ce_source", ""))
        event_id = headers.get("ce_id") or f"{record.topic}/{record.partition}/{record.offset}"
        await self.ingress.refuse(partner_id, event_id[:200], headers.get("ce_type") or "?",
                                  intake.Refused(RejectionReason(kind), detail))

    async def on_outcome(self, envelope: Envelope, record: ConsumerRecord) -> None:
        if record.topic in self.inputs:  # only onboarding answers; a partner cannot write its own outcome
            raise PoisonEvent(RejectionReason.TYPE_NOT_ALLOWED.value, f"{envelope.type} is not partner input")
        await self.ingress.answer(envelope.data)


def _headers(record: ConsumerRecord) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in (record.headers or ())}


def register(broker: KafkaBroker, ingress: PartnerIngress, settings: ServiceSettings) -> EventConsumer:
    inbox = PartnerInbox(ingress, settings)
    # every known type goes to the inbox, so a marketplace event sent on a partner topic is refused, not ignored
    handlers = {t: inbox.on_partner_event for t in EVENT_TYPES} | {PartnerCommandOutcome.TYPE: inbox.on_outcome}
    consumer = EventConsumer(broker, settings.consumer_group, handlers, settings.consumer_max_attempts,
                             settings.consumer_backoff_seconds, pass_record=True, readers=READERS,
                             on_dead_letter=inbox.on_dead_letter)

    @broker.subscriber(
        *(settings.topic(t) for t in (*INPUT_TOPICS, PartnerTopic.OUTCOMES)), group_id=settings.consumer_group,
        title="partner-input", description="Partner events (supplier applications, endorsements, inspection "
        "reports), each admitted as a command on partners.commands or refused with a receipt on partners.receipts "
        "and a dead letter; and onboarding's outcomes on partners.outcomes, answered as receipts.",
        **consumer_options(settings.consumer_batch_size),
    )
    async def on_partner_records(message: KafkaMessage) -> None:
        await consumer.consume(message.raw_message)

    return consumer
