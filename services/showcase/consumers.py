"""showcase handles every marketplace stream; its read model is built from them alone. Records are decoded by the
kernel's decoder (shared.messaging.decoding) through feed/readers.READERS, as the page's follower and the replay decode
them."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from services.showcase.feed.readers import READERS
from services.showcase.service import Showcase
from shared.contracts.envelope import Topic
from shared.messaging.consumer import ConsumerPolicy, EventConsumer
from shared.messaging.decoding import DecodeOnce
from shared.settings import ServiceSettings


def register(broker: KafkaBroker, showcase: Showcase, settings: ServiceSettings,
             read: DecodeOnce | None = None) -> EventConsumer:
    """`read`: a `DecodeOnce(READERS)` shared with the page's log follower (feed/tail.py), which reads the same
    records: each decoded once."""
    policy = ConsumerPolicy.of(settings)
    consumer = EventConsumer(broker, settings.consumer_group, {event_type: showcase.apply for event_type in READERS},
                             policy, readers=READERS, read=read)

    @broker.subscriber(*(settings.topic(t) for t in Topic),
                       group_id=settings.consumer_group, **policy.subscriber_options())
    async def on_marketplace_events(message: KafkaMessage) -> None:
        await consumer.consume(message.raw_message)

    return consumer
