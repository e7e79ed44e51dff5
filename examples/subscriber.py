"""A runnable internal subscriber: a team watching product listings on `catalogue.products` (see docs/subscribing.md).

    make stack-up                                   # or any Kafka with the marketplace running (make run)
    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 .venv/bin/python -m examples.subscriber

It is a FastStream app with its OWN consumer group (CONSUMER_GROUP_ID, default `team-pricing.listings`): it gets
every event, independently of the services' groups; replicas sharing the group split the partitions. It decodes
with `shared.messaging.decoding.decode` (upcasting old versions, validating the schema), keeps the newest state per product by
`sequence` (events are delivered at least once and, across partitions, in no global order), and commits only after
handling (AckPolicy.NACK_ON_ERROR): a crash re-delivers the batch, and the sequence check makes that harmless.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from faststream import AckPolicy, FastStream
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from shared.contracts.envelope import Topic
from shared.contracts.products import ProductDelisted, ProductListed
from shared.contracts.registry import EVENT_TYPES
from shared.messaging.decoding import PoisonEvent, decode
from shared.messaging.kafka_security import servers
from shared.settings import ServiceSettings

log = logging.getLogger("examples.subscriber")


class ListingsWatch:
    """The subscriber's own read model: newest known state of each product, by sequence."""

    def __init__(self) -> None:
        self.listed: dict[str, dict[str, Any]] = {}
        self.sequences: dict[str, int] = {}

    def apply(self, headers: dict[str, bytes], value: bytes | None) -> str:
        try:
            envelope = decode(headers, value, EVENT_TYPES)  # every type, by the producers' models
        except PoisonEvent as poison:  # not ours to fix: log and move on (the owning service dead-letters it)
            log.warning("skipping a message I cannot read: %s", poison)
            return "skipped"
        event = envelope.data
        if not isinstance(event, ProductListed | ProductDelisted):
            return "ignored"  # a newer type we do not know yet, or one we do not care about
        if self.sequences.get(event.product_id, 0) >= event.sequence:
            return "duplicate"  # at-least-once delivery: seen already, or older than what we have
        self.sequences[event.product_id] = event.sequence
        if isinstance(event, ProductListed):
            self.listed[event.product_id] = {"title": event.listing.title, "supplier": event.supplier_id}
            log.info("listed %s: %s", event.product_id, event.listing.title)
        else:
            self.listed.pop(event.product_id, None)
            log.info("delisted %s: %s", event.product_id, event.reason)
        return "applied"


async def _raw(message: Any) -> Any:
    return message.body  # decoding is ours (shared.messaging.decoding), so a bad message cannot wedge the consumer


def build(settings: ServiceSettings | None = None, group: str | None = None) -> tuple[FastStream, ListingsWatch]:
    settings = settings or ServiceSettings(service_name="example-subscriber")
    group = group or os.environ.get("CONSUMER_GROUP_ID", "team-pricing.listings")
    broker = KafkaBroker(servers(settings.kafka_bootstrap_servers), security=settings.kafka_security(),
                         client_id="team-pricing")
    watch = ListingsWatch()

    @broker.subscriber(settings.topic(Topic.PRODUCTS), group_id=group, auto_offset_reset="earliest",
                       ack_policy=AckPolicy.NACK_ON_ERROR, decoder=_raw, batch=True, max_records=200,
                       title="listings-watch", description="Example internal subscriber of catalogue.products.")
    async def on_products(message: KafkaMessage) -> None:
        for record in message.raw_message:
            watch.apply(dict(record.headers or ()), record.value)

    return FastStream(broker), watch


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app, _ = build()
    asyncio.run(app.run())  # Ctrl-C stops it; the group's offsets are committed after each handled batch
