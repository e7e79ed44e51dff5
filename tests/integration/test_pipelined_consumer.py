"""Pipelined batches (shared.inflight) on the real broker: a second member joining the group mid-stream takes
partitions over from where the first one's handled work was committed, before the rebalance: nothing is handled
twice or lost, and each supplier's events are handled in order across batches and members."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from shared.envelope import Envelope
from shared.messaging import EventConsumer, consumer_options, drain, make_broker
from shared.topics import ensure_topics, retained
from tests import factories
from tests.integration.helpers import eventually

SUPPLIERS, EVENTS_EACH = 200, 3


def member(bootstrap: str, topic: str, group: str, handled: list[tuple[str, str, int]], name: str) -> KafkaBroker:
    broker = make_broker(bootstrap, f"it-{name}")

    async def apply(envelope: Envelope) -> None:
        await asyncio.sleep(0.1)  # a slow write: the rebalance finds batches in flight
        handled.append((name, envelope.subject, envelope.data.sequence))

    types = {factories.supplier_submitted("x").TYPE, factories.supplier_verified("x").TYPE,
             factories.supplier_suspended("x").TYPE}
    consumer = EventConsumer(broker, group, dict.fromkeys(types, apply), 3, 0.05)

    # heartbeats every 100 ms: the first member hears of the rebalance while its batches are in flight
    @broker.subscriber(topic, group_id=group, heartbeat_interval_ms=100, **consumer_options(consumer, 50))
    async def on_events(message: KafkaMessage) -> None:
        await consumer.take(message)

    return broker


async def test_a_member_joining_mid_stream_takes_over_after_the_handled_work_is_committed(infrastructure, unique):
    topic, group = f"it-{unique}.onboarding.suppliers", f"it.{unique}.pipelined"
    await ensure_topics(infrastructure.kafka, [retained(topic, 3, -1)])
    events = [Envelope(make(f"sup-{unique}-{n}", sequence), "/test")
              for sequence, make in enumerate((factories.supplier_submitted, factories.supplier_verified,
                                               factories.supplier_suspended), 1) for n in range(SUPPLIERS)]
    handled: list[tuple[str, str, int]] = []
    first = member(infrastructure.kafka, topic, group, handled, "first")
    second = member(infrastructure.kafka, topic, group, handled, "second")
    producer = AIOKafkaProducer(bootstrap_servers=infrastructure.kafka, acks="all", enable_idempotence=True)
    await producer.start()
    await first.start()
    try:
        for n, e in enumerate(events):
            await producer.send(topic, e.value(), key=e.key, headers=[(k, v.encode()) for k, v in e.headers().items()])
            if n == len(events) // 3:
                await producer.flush()
                await eventually(lambda: _some(handled), timeout=30, interval=0.01)
                await second.start()  # the group rebalances while the first member has batches in flight
        await producer.flush()

        async def all_handled_and_committed() -> None:
            assert len({(s, q) for _, s, q in handled}) == len(events)
            assert await _committed(infrastructure.kafka, group) == len(events)

        await eventually(all_handled_and_committed, timeout=60)
    finally:
        await producer.stop()
        for broker in (first, second):
            await drain(broker)
            await broker.stop()
    assert len(handled) == len(events), "an event was handled twice across the rebalance"
    assert {name for name, *_ in handled} == {"first", "second"}
    for supplier in {s for _, s, _ in handled}:
        assert [q for _, s, q in handled if s == supplier] == [1, 2, 3], supplier


async def _some(handled: list) -> None:
    assert handled


async def _committed(bootstrap: str, group: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return sum(meta.offset for meta in (await admin.list_consumer_group_offsets(group)).values()
                   if meta.offset > 0)
    finally:
        await admin.close()
