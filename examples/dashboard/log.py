"""Read topics from their first record to their current end, without a consumer group (nothing committed): what a
dashboard that rebuilds its figures on each run needs. aiokafka here; a confluent-kafka `Message` decodes the same
way with `tijara_events.decode_record`."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition


async def read_to_end(bootstrap: str, topics: list[str], **client_options: object) -> list:
    """Every record of `topics` now on the log (in order per partition). A topic that does not exist has none."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, **client_options)
    await consumer.start()
    try:
        existing = await consumer.topics()  # fetches the cluster's metadata
        partitions = [TopicPartition(t, p) for t in topics if t in existing
                      for p in sorted(consumer.partitions_for_topic(t) or ())]
        if not partitions:
            return []
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.seek_to_beginning(*partitions)
        records, left = [], {tp for tp in partitions if ends[tp] > 0}
        while left:
            for tp, batch in (await consumer.getmany(*left, timeout_ms=1000)).items():
                records += batch
                if batch and batch[-1].offset + 1 >= ends[tp]:
                    left.discard(tp)
        return records
    finally:
        await consumer.stop()
