"""Read every record of every topic of one marketplace run (its KAFKA_TOPIC_PREFIX), dead-letter topics included,
from the beginning to the end offsets as they are now: what a scan for personal data in the log reads."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


async def _read(bootstrap: str, prefix: str) -> tuple[list[str], list[ConsumerRecord]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        topics = sorted(t for t in await consumer.topics() if t.startswith(prefix))
        partitions = await _partitions(bootstrap, topics)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord] = []
        waiting = {tp for tp in partitions if ends[tp] > 0}
        while waiting:
            batches = await consumer.getmany(timeout_ms=1000)
            if not batches and all(await _at_end(consumer, tp, ends) for tp in list(waiting)):
                break
            for tp, batch in batches.items():
                records += batch
                if batch and batch[-1].offset + 1 >= ends[tp]:
                    waiting.discard(tp)
        return topics, records
    finally:
        await consumer.stop()


async def _partitions(bootstrap: str, topics: list[str]) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return [TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]]


async def _at_end(consumer: AIOKafkaConsumer, tp: TopicPartition, ends: dict) -> bool:
    return await consumer.position(tp) >= ends[tp]


def records_of_run(bootstrap: str, prefix: str) -> tuple[list[str], list[ConsumerRecord]]:
    return asyncio.run(_read(bootstrap, prefix))
