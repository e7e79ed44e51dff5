"""catalogue handles `onboarding.suppliers` to know which suppliers may list, and delists the products of a
supplier that is suspended or whose verification expired."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pymongo.asynchronous.collection import AsyncCollection

from services.catalogue.readers import READERS
from services.catalogue.service import Catalogue
from shared.contracts.envelope import Envelope, Topic
from shared.messaging.consumer import ConsumerPolicy, EventConsumer
from shared.settings import ServiceSettings
from shared.storage.mongo import handle_once


def register(broker: KafkaBroker, catalogue: Catalogue, settings: ServiceSettings,
             handled: AsyncCollection) -> EventConsumer:
    async def apply_supplier(envelope: Envelope) -> None:
        # Delisting is a side effect (new events through the outbox): once per event id, recorded in `handled`.
        await catalogue.on_supplier_event(envelope.data, once=lambda delist: handle_once(
            handled, envelope.id, delist, type=envelope.type, subject=envelope.subject))

    policy = ConsumerPolicy.of(settings)
    consumer = EventConsumer(broker, settings.consumer_group, {t: apply_supplier for t in READERS}, policy,
                             readers=READERS)

    @broker.subscriber(settings.topic(Topic.SUPPLIERS), group_id=settings.consumer_group,
                       **policy.subscriber_options())
    async def on_supplier_events(message: KafkaMessage) -> None:
        await consumer.consume(message.raw_message)

    return consumer
