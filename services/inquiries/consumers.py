"""inquiries handles `catalogue.products` (which products are listed) and `onboarding.suppliers` (which suppliers
are verified, for inquiries sent to a supplier rather than a product)."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from services.inquiries.readers import READERS, ProductOffered
from services.inquiries.service import Inquiries
from shared.contracts.envelope import Envelope, Topic
from shared.messaging.consumer import ConsumerPolicy, EventConsumer
from shared.settings import ServiceSettings


def register(broker: KafkaBroker, inquiries: Inquiries, settings: ServiceSettings) -> EventConsumer:
    async def apply_product(envelope: Envelope) -> None:
        await inquiries.on_product_event(envelope.data)

    async def apply_supplier(envelope: Envelope) -> None:
        await inquiries.on_supplier_event(envelope.data)

    handlers = {t: apply_product if issubclass(r, ProductOffered) else apply_supplier for t, r in READERS.items()}
    policy = ConsumerPolicy.of(settings)
    consumer = EventConsumer(broker, settings.consumer_group, handlers, policy, readers=READERS)

    @broker.subscriber(settings.topic(Topic.PRODUCTS), settings.topic(Topic.SUPPLIERS),
                       group_id=settings.consumer_group, **policy.subscriber_options())
    async def on_catalogue_and_supplier_events(message: KafkaMessage) -> None:
        await consumer.consume(message.raw_message)

    return consumer
