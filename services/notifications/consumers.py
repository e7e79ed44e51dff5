"""notifications handles `inquiries.inquiries` (received, answered: messages; all: which inquiries are open, for the
reminder), `onboarding.suppliers` (a change of standing: messages; all: the supplier's card and partner) and
`catalogue.products` (product names). Its own consumer group; a message is recorded under a key derived from the
event, so a redelivery or a replay records nothing new."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from services.notifications.readers import READERS, InquiryNoticed, ProductNamed, SupplierNoticed
from services.notifications.service import Notifications
from shared.contracts.envelope import Envelope, Topic
from shared.messaging.consumer import ConsumerPolicy, EventConsumer
from shared.settings import ServiceSettings


def register(broker: KafkaBroker, notifications: Notifications, settings: ServiceSettings) -> EventConsumer:
    async def on_product(envelope: Envelope) -> None:
        await notifications.on_product(envelope)

    by_reader = {InquiryNoticed: notifications.on_inquiry, SupplierNoticed: notifications.on_supplier,
                 ProductNamed: on_product}
    handlers = {t: next(h for r, h in by_reader.items() if issubclass(reader, r)) for t, reader in READERS.items()}
    policy = ConsumerPolicy.of(settings)
    consumer = EventConsumer(broker, settings.consumer_group, handlers, policy, readers=READERS)

    @broker.subscriber(settings.topic(Topic.INQUIRIES), settings.topic(Topic.SUPPLIERS), settings.topic(Topic.PRODUCTS),
                       group_id=settings.consumer_group, **policy.subscriber_options())
    async def on_marketplace_events(message: KafkaMessage) -> None:
        await consumer.consume(message.raw_message)

    return consumer
