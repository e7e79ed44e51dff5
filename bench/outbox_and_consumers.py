"""Throughput of the outbox relay (events/s published) and of the showcase projection consumer (events/s applied),
measured in one run on the local stack (real Kafka and FerretDB).

    TIJARA_STACK_PORT_OFFSET=100 .venv/bin/python -m deploy.local.stack up --profile test
    TIJARA_STACK_PORT_OFFSET=100 .venv/bin/python -m bench.outbox_and_consumers --events 2000

Uses its own topic prefix and database, dropped at the end. Figures depend on the machine: FerretDB on SQLite
costs a few milliseconds a write, which bounds the consumer; MongoDB is much faster.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from aiokafka import AIOKafkaConsumer, TopicPartition

from deploy.local import stack
from services.showcase.generations import FixedGeneration
from services.showcase.service import Showcase
from services.showcase.store import ShowcaseStore
from shared.envelope import EVENT_TYPES, Envelope, Topic
from shared.messaging import EventConsumer, OutboxRelay, make_broker
from shared.mongo import connect, outbox_entry
from shared.topics import ensure_topics, marketplace_topics, partitions_of
from tests import factories


async def main(events: int, profile: str) -> None:
    p = stack.profile(profile)
    run = uuid.uuid4().hex[:6]
    prefix, dbname = f"bench-{run}.", f"bench_{run}"
    await ensure_topics(p.bootstrap, marketplace_topics(3, prefix))
    client = connect(p.mongodb_url)
    db = client[dbname]
    broker = make_broker(p.bootstrap, "bench")
    await broker.start()
    try:
        # 1. relay: `events` suppliers each with one pending event, then one recovery pass publishes them all
        docs = [{"_id": f"sup-{i}", "version": 1,
                 "outbox": [outbox_entry(Envelope(factories.supplier_submitted(f"sup-{run}-{i}"), "/bench"))]}
                for i in range(events)]
        await db["suppliers"].insert_many(docs)
        relay = OutboxRelay(broker, [db["suppliers"]], topic_prefix=prefix)
        started = time.monotonic()
        sent = await relay.publish_all()
        relay_rate = sent / (time.monotonic() - started)

        # 2. showcase consumer: read those events back and apply them with the live projection code
        store = ShowcaseStore(FixedGeneration(client[dbname + "_showcase"], 0))
        await store.ensure_indexes()
        consumer = EventConsumer(broker, "bench", {t: Showcase(store).apply for t in EVENT_TYPES})
        topic = prefix + Topic.SUPPLIERS.value
        partitions = [TopicPartition(topic, n) for n in (await partitions_of(p.bootstrap, [topic]))[topic]]
        kafka = AIOKafkaConsumer(bootstrap_servers=p.bootstrap, group_id=None, enable_auto_commit=False)
        await kafka.start()
        kafka.assign(partitions)
        await kafka.seek_to_beginning(*partitions)
        applied, started = 0, time.monotonic()
        while applied < sent:
            for records in (await kafka.getmany(*partitions, timeout_ms=1000, max_records=500)).values():
                await consumer.consume(records)
                applied += len(records)
        consumer_rate = applied / (time.monotonic() - started)
        await kafka.stop()
        print(f"outbox relay:      {sent} events published in one pass: {relay_rate:,.0f} events/s")
        print(f"showcase consumer: {applied} events applied:            {consumer_rate:,.0f} events/s")
        print(f"ratio relay/consumer: {relay_rate / consumer_rate:.1f}")
    finally:
        await broker.stop()
        await client.drop_database(dbname)
        await client.drop_database(dbname + "_showcase")
        await client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--profile", default="test")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.profile))
