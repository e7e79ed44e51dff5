"""catalogue handles `onboarding.suppliers` to know which suppliers may list, and delists the products of a
supplier that is suspended or whose verification expired."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from services.catalogue.service import Catalogue
from shared.events import EVENT_TYPES, Envelope, SupplierEvent, Topic
from shared.messaging import EventConsumer, consumer_options
from shared.settings import ServiceSettings


def register(broker: KafkaBroker, catalogue: Catalogue, settings: ServiceSettings) -> EventConsumer:
    async def apply_supplier(envelope: Envelope) -> None:
        await catalogue.on_supplier_event(envelope.data)

    consumer = EventConsumer(
        broker, settings.consumer_group,
        {t: apply_supplier for t, model in EVENT_TYPES.items() if issubclass(model, SupplierEvent)},
        settings.consumer_max_attempts, settings.consumer_backoff_seconds,
    )

    @broker.subscriber(settings.topic(Topic.SUPPLIERS), group_id=settings.consumer_group,
                       **consumer_options(settings.consumer_batch_size))
    async def on_supplier_events(message: KafkaMessage) -> None:
        await consumer.consume(message.raw_message)

    return consumer
