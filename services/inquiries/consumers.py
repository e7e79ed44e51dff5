"""inquiries handles `catalogue.products` to know which products are listed."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from services.inquiries.service import Inquiries
from shared.events import Envelope, ProductDelisted, ProductListed, Topic
from shared.messaging import EventConsumer, consumer_options
from shared.settings import ServiceSettings


def register(broker: KafkaBroker, inquiries: Inquiries, settings: ServiceSettings) -> EventConsumer:
    async def apply_product(envelope: Envelope) -> None:
        await inquiries.on_product_event(envelope.data)

    consumer = EventConsumer(
        broker, settings.consumer_group, {t.TYPE: apply_product for t in (ProductListed, ProductDelisted)},
        settings.consumer_max_attempts, settings.consumer_backoff_seconds,
    )

    @broker.subscriber(settings.topic(Topic.PRODUCTS), group_id=settings.consumer_group,
                       **consumer_options(settings.consumer_batch_size))
    async def on_product_events(message: KafkaMessage) -> None:
        await consumer.consume(message.raw_message)

    return consumer
