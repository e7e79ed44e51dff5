"""Rebuild the country page's read model from the beginning of the log, beside the live one, then swap it in.

`tijara replay showcase` runs this while the showcase keeps serving and consuming:
1. a fresh consumer (no group: nothing committed, no live consumer disturbed) reads every marketplace topic from
   the beginning and applies the events with the very projection code the live consumer uses, into the next
   generation's collections (see generations.py), until it reaches the end offsets, re-captured until caught up.
   A batch of records is folded per document (`ShowcaseStore.apply_in_order`: the result of applying them one by
   one) and written as one bulk per collection, while the next batch is read and decoded;
2. the swap: one write to the generation pointer; every showcase process follows within `REFRESH_SECONDS`;
3. a final catch-up to the end offsets taken after the swap has settled: an event the live consumer wrote into the
   old generation during the replay is applied to the new one too (applying twice is harmless: newest sequence
   wins); events after that are the live consumer's, which now writes into the new generation;
4. the old generation is dropped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from services.showcase.generations import (
    REFRESH_SECONDS,
    FixedGeneration,
    activate,
    active_generation,
    drop_generation,
)
from services.showcase.readers import READERS
from services.showcase.store import ShowcaseStore
from shared.envelope import Reader, Topic, read_all
from shared.mongo import connect
from shared.settings import ServiceSettings
from shared.topics import partitions_of

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (records read so far, records to read in total)
BATCH = 5000  # records per batch: more events of one document fold into one write
ATTEMPTS = 5


@dataclass
class ReplayReport:
    old_generation: int
    new_generation: int
    records: int = 0
    skipped: int = 0  # poison, left where the live consumer dead-lettered it
    caught_up_after_swap: int = 0
    seconds: float = 0.0


async def replay_showcase(settings: ServiceSettings, progress: Progress | None = None,
                          settle_seconds: float = 3 * REFRESH_SECONDS) -> ReplayReport:
    started = time.monotonic()
    client = connect(settings.mongodb_url, settings.mongodb_write_concern, settings.mongodb_read_concern)
    db = client[settings.database]
    kafka = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, group_id=None,
                             enable_auto_commit=False, auto_offset_reset="earliest", max_poll_records=BATCH,
                             max_partition_fetch_bytes=8 * 1024 * 1024,  # a batch's worth per fetch, not 1 MB
                             **settings.kafka_client_options())
    await kafka.start()
    try:
        old = await active_generation(db)
        new = old + 1
        shadow = FixedGeneration(db, new)
        store = ShowcaseStore(shadow)
        await drop_generation(db, new, shadow.names)  # leftovers of an interrupted replay
        await store.ensure_indexes()
        writer = BatchWriter(store)
        report = ReplayReport(old, new)

        partitions = await _partitions(settings, [settings.topic(t) for t in Topic])
        kafka.assign(partitions)
        await kafka.seek_to_beginning(*partitions)
        starts = await kafka.beginning_offsets(partitions)

        async def read_to(ends: dict[TopicPartition, int]) -> None:
            total = sum(ends[tp] - starts[tp] for tp in partitions)
            writing: asyncio.Task | None = None
            while True:
                positions = {tp: await kafka.position(tp) for tp in partitions}
                if progress:
                    progress(sum(min(positions[tp], ends[tp]) - starts[tp] for tp in partitions), total)
                if all(positions[tp] >= ends[tp] for tp in partitions):
                    break
                batches = await kafka.getmany(*partitions, timeout_ms=500, max_records=BATCH)
                records = [r for rs in batches.values() for r in rs]  # past `ends` too: applying is idempotent
                events = writer.decode(records)
                if writing:  # the previous batch's bulks, written while this one was read: in log order
                    await writing
                writing = asyncio.create_task(writer.write(events))
                report.records += len(records)
            if writing:
                await writing

        ends = await kafka.end_offsets(partitions)
        await read_to(ends)
        for _ in range(5):  # catch up with what came meanwhile; the final catch-up takes the rest
            latest = await kafka.end_offsets(partitions)
            if latest == ends:
                break
            ends = latest
            await read_to(ends)

        await activate(db, new)
        await asyncio.sleep(settle_seconds)  # every showcase process now reads and writes the new generation
        before = report.records
        await read_to(await kafka.end_offsets(partitions))
        report.caught_up_after_swap = report.records - before
        await asyncio.sleep(settle_seconds)  # let requests that began on the old generation finish
        await drop_generation(db, old, shadow.names)
        report.skipped = writer.skipped
        report.seconds = time.monotonic() - started
        return report
    finally:
        await kafka.stop()
        await client.close()


class BatchWriter:
    """Decodes a batch of records as the live consumer does and writes its events, retrying the batch (idempotent:
    newest sequence wins) when the store fails; a batch that still fails stops the replay, so the page is never
    swapped to a model missing events."""

    def __init__(self, store: ShowcaseStore) -> None:
        self.store = store
        self.skipped = 0  # poison and tombstones, left where the live consumer dead-lettered them
        self.written: dict[str, set[str]] = {}  # ids written into the new generation, created empty: others are new

    def decode(self, records: list[ConsumerRecord]) -> list[Reader]:
        events, skipped = read_all(records, READERS)
        self.skipped += skipped
        return events

    async def write(self, events: list[Reader]) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await self.store.apply_in_order(events, self.written)
            except Exception as error:
                if attempt == ATTEMPTS:
                    raise
                log.warning("replay batch failed (attempt %d), retrying: %s", attempt, error)
                await asyncio.sleep(0.2 * 2 ** (attempt - 1))


async def _partitions(settings: ServiceSettings, topics: list[str]) -> list[TopicPartition]:
    found = await partitions_of(settings.kafka_bootstrap_servers, topics, **settings.kafka_client_options())
    missing = [t for t in topics if t not in found]
    if missing:
        raise RuntimeError(f"topics {missing} do not exist; is KAFKA_TOPIC_PREFIX right?")
    return [TopicPartition(t, p) for t in topics for p in found[t]]
