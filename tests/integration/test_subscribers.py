"""Internal subscribers on the real Kafka: the example subscriber and `tijara tail`."""

from __future__ import annotations

import uuid

from rich.console import Console

from cli.tail import follow
from examples.subscriber import build
from shared.contracts.envelope import Envelope
from shared.messaging.topics import ensure_topics, marketplace_topics
from shared.settings import ServiceSettings
from tests.factories import product_delisted, product_listed
from tests.integration.helpers import eventually, publish


def _prefixed(envelope: Envelope, prefix: str) -> tuple[str, bytes, bytes, dict]:
    return prefix + envelope.topic, envelope.key, envelope.value(), envelope.headers()


async def test_example_subscriber_keeps_the_newest_state_per_product(infrastructure, unique) -> None:
    settings = ServiceSettings(kafka_bootstrap_servers=infrastructure.kafka, kafka_topic_prefix=f"ex{unique}.")
    await ensure_topics(infrastructure.kafka, marketplace_topics(3, settings.kafka_topic_prefix))
    listed = Envelope(product_listed("prd-1", "sup-1"), "/tijara/catalogue")
    gone = Envelope(product_delisted("prd-1", "sup-1"), "/tijara/catalogue")
    other = Envelope(product_listed("prd-2", "sup-1"), "/tijara/catalogue")
    prefix = settings.kafka_topic_prefix
    await publish(infrastructure.kafka, raw=[_prefixed(e, prefix) for e in (listed, gone, listed, other)]
                  + [(prefix + "catalogue.products", b"x", b"not json", {"ce_type": "?"})])
    app, watch = build(settings, group=f"it.{unique}.example")
    await app.broker.start()
    try:
        async def caught_up() -> None:
            assert watch.sequences == {"prd-1": 2, "prd-2": 1}
            assert set(watch.listed) == {"prd-2"}  # the replayed v1 of prd-1 did not resurrect it

        await eventually(caught_up)
    finally:
        await app.broker.stop()


async def test_tail_prints_matching_events_pretty(infrastructure, unique) -> None:
    settings = ServiceSettings(kafka_bootstrap_servers=infrastructure.kafka, kafka_topic_prefix=f"tail{unique}.")
    await ensure_topics(infrastructure.kafka, marketplace_topics(1, settings.kafka_topic_prefix))
    product_id = f"prd-{uuid.uuid4().hex[:6]}"
    events = [Envelope(product_listed(product_id, "sup-9"), "/tijara/catalogue"),
              Envelope(product_delisted(product_id, "sup-9"), "/tijara/catalogue")]
    await publish(infrastructure.kafka, raw=[_prefixed(e, settings.kafka_topic_prefix) for e in events])
    console = Console(record=True, width=140)
    shown = await follow("catalogue.products", settings, console, from_beginning=True,
                         types=["ma.tijara.product.delisted.v1"], idle_timeout=3)
    text = console.export_text()
    assert shown == 1
    assert "ma.tijara.product.delisted.v1" in text and product_id in text and '"reason": "out of season"' in text
    assert "ce_source" in text and "/tijara/catalogue" in text and "ma.tijara.product.listed.v1" not in text
