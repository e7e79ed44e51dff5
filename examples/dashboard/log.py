"""Read topics from their first record to their current end, without a consumer group (nothing committed): what a
dashboard that rebuilds its figures on each run needs. aiokafka here; a confluent-kafka `Message` decodes the same
way with `tijara_events.decode_record`."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


async def read_to_end(bootstrap: str, topics: list[str], timeout: float = 60, **client_options: object) -> list:
    """Every record of `topics` now on the log (in order per partition). A topic that does not exist has none."""
    partitions = await _partitions(bootstrap, topics, **client_options)
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, **client_options)
    await consumer.start()
    try:
        consumer.assign(partitions)
        # seek first, then ask for the ends: with aiokafka 0.14 the other order left every partition unfetched
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records, left = [], {tp for tp in partitions if ends[tp] > 0}
        deadline = asyncio.get_running_loop().time() + timeout
        while left:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"not read to the end within {timeout} s: {sorted(map(str, left))}")
            for tp, batch in (await consumer.getmany(*left, timeout_ms=1000)).items():
                records += batch
                if batch and batch[-1].offset + 1 >= ends[tp]:
                    left.discard(tp)
        return records
    finally:
        await consumer.stop()


async def _partitions(bootstrap: str, topics: list[str], **client_options: object) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return [TopicPartition(d["topic"], p["partition"]) for d in described if not d["error_code"]
            for p in sorted(d["partitions"], key=lambda p: p["partition"])]
