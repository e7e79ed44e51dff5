"""Rebuild the country page's read model from the beginning of the log, beside the live one, then swap it in.

`tijara replay showcase` runs this while the showcase keeps serving and consuming:
1. a fresh consumer (no group: nothing committed, no live consumer disturbed) reads every marketplace topic from
   the beginning and applies the events with the very projection code the live consumer uses, into the next
   generation's collections (see generations.py): first up to the end offsets taken at the start, one partition at
   a time, its events folded per document in memory (`fold`: the result of applying them one by one) and inserted
   once each while the next partition is read and decoded (`load`); then what came meanwhile, in batches folded
   the same way and written as newest-sequence-wins upserts, until caught up;
2. the swap: one write to the generation pointer; every showcase process follows within `REFRESH_SECONDS`;
3. a final catch-up to the end offsets taken after the swap has settled: an event the live consumer wrote into the
   old generation during the replay is applied to the new one too (applying twice is harmless: newest sequence
   wins); events after that are the live consumer's, which now writes into the new generation;
4. the old generation is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from pymongo.asynchronous.database import AsyncDatabase

from services.showcase.feed.generations import (
    REFRESH_SECONDS,
    FixedGeneration,
    activate,
    active_generation,
    drop_generation,
)
from services.showcase.feed.readers import events_of
from services.showcase.store import Folded, ShowcaseStore, fold
from shared.contracts.envelope import Reader, Topic
from shared.messaging.topics import partitions_of
from shared.settings import ServiceSettings
from shared.storage.mongo import connect

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
    with _rare_collections():
        return await _replay(settings, progress, settle_seconds)


@contextlib.contextmanager
def _rare_collections() -> Iterator[None]:
    """The replay holds many live objects (the folded documents) while it allocates many short-lived ones (decoded
    events): the collector's default pass every 700 allocations rescans the live ones, half of the replay's CPU
    (measured). A pass every 50,000 allocations instead while it runs."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*before)


async def _replay(settings: ServiceSettings, progress: Progress | None, settle_seconds: float) -> ReplayReport:
    started = time.monotonic()
    client = connect(settings.mongodb_url, settings.mongodb_write_concern, settings.mongodb_read_concern,
                     settings.mongodb_server_selection_timeout_ms)
    kafka = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, group_id=None,
                             enable_auto_commit=False, auto_offset_reset="earliest", max_poll_records=BATCH,
                             max_partition_fetch_bytes=8 * 1024 * 1024,  # a batch's worth per fetch, not 1 MB
                             **settings.kafka_client_options())
    try:  # inside: a failed start is closed too
        await kafka.start()
        partitions = await _partitions(settings, [settings.topic(t) for t in Topic])
        report = await _rebuild(client[settings.database], _Reading(kafka, partitions, progress), settle_seconds)
        report.seconds = time.monotonic() - started
        return report
    finally:
        await kafka.stop()
        await client.close()


async def _rebuild(db: AsyncDatabase, reading: _Reading, settle_seconds: float) -> ReplayReport:
    """Steps 1 to 4 of the module's docstring."""
    old = await active_generation(db)
    new = old + 1
    shadow = FixedGeneration(db, new)
    store = ShowcaseStore(shadow)
    await drop_generation(db, new, shadow.names)  # leftovers of an interrupted replay
    await store.ensure_indexes()  # before the load: the local store fails to build one over 250,000 documents
    reading.writer, reading.report = BatchWriter(store), ReplayReport(old, new)
    await reading.load()
    for _ in range(5):  # catch up with what came meanwhile; the final catch-up takes the rest
        if not await reading.catch_up():
            break
    await activate(db, new)
    await asyncio.sleep(settle_seconds)  # every showcase process now reads and writes the new generation
    reading.report.caught_up_after_swap = await reading.catch_up()
    await asyncio.sleep(settle_seconds)  # let requests that began on the old generation finish
    await drop_generation(db, old, shadow.names)
    reading.report.skipped = reading.writer.skipped
    return reading.report


@dataclass
class _Reading:
    """The replay's reading of the log: its consumer over every partition, where it got to, what it wrote."""

    kafka: AIOKafkaConsumer
    partitions: list[TopicPartition]
    progress: Progress | None
    writer: BatchWriter = field(init=False)
    report: ReplayReport = field(init=False)
    ends: dict[TopicPartition, int] = field(default_factory=dict)
    total: int = 0  # records to read in all, as far as known

    def advanced(self, count: int) -> None:
        self.report.records += count
        if self.progress:
            self.progress(self.report.records, self.total)

    async def load(self) -> None:
        """The log from its beginning up to the end offsets taken now (see `load`)."""
        kafka, partitions = self.kafka, self.partitions
        kafka.assign(partitions)
        await kafka.seek_to_beginning(*partitions)
        starts = await kafka.beginning_offsets(partitions)
        self.ends = await kafka.end_offsets(partitions)
        self.total = sum(self.ends[tp] - starts[tp] for tp in partitions)
        await load(kafka, self.writer, _load_order(starts, self.ends), self.ends, self.advanced)

    async def catch_up(self) -> int:
        """Reads to the end offsets taken now, in batches folded and written as newest-sequence-wins upserts, each
        written while the next is read; returns how many records that was."""
        before = self.report.records
        self.ends = await self.kafka.end_offsets(self.partitions)
        writing: asyncio.Task | None = None
        while True:
            positions = {tp: await self.kafka.position(tp) for tp in self.partitions}
            if writing is None:
                self.total = self.report.records + sum(max(0, self.ends[tp] - positions[tp]) for tp in positions)
            if all(positions[tp] >= self.ends[tp] for tp in self.partitions):
                break
            batches = await self.kafka.getmany(*self.partitions, timeout_ms=500, max_records=BATCH)
            records = [r for rs in batches.values() for r in rs]  # past `ends` too: applying is idempotent
            events = self.writer.decode(records)
            if writing:  # the previous batch's bulks, written while this one was read: in log order
                await writing
            writing = asyncio.create_task(self.writer.write(events))
            self.advanced(len(records))
        if writing:
            await writing
        return self.report.records - before


async def load(kafka: AIOKafkaConsumer, writer: BatchWriter, order: list[TopicPartition],
               ends: dict[TopicPartition, int], advanced: Callable[[int], None]) -> None:
    """The log up to `ends`, partition by partition: a partition's events folded in memory per document, then
    written once each (an insert: the new generation starts empty) while the next partitions are read. Two are read
    at a time, so one's next fetch is in flight while the other's records are decoded (aiokafka fetches a partition
    again only once its records are drained). A document's events are in one partition (keyed by its id), so it is
    written once; were it not, the next write of it is the same newest-sequence-wins upsert as a catch-up's."""
    folded: asyncio.Queue[Folded | None] = asyncio.Queue(maxsize=1)  # one waits while one is written
    writing = asyncio.create_task(_write_each(writer, folded))
    pending, reading = list(order), {}
    try:
        while pending or reading:
            if len(reading) < 2 and pending:
                while len(reading) < 2 and pending:
                    reading[pending.pop(0)] = {}
                kafka.pause(*(tp for tp in order if tp not in reading))  # fetch only those read now
                kafka.resume(*reading)
            batches = await kafka.getmany(*reading, timeout_ms=500, max_records=BATCH)
            for tp, records in batches.items():
                fold(writer.decode(records), reading[tp])  # past `ends` too: applying is idempotent
                advanced(len(records))
            for tp in list(reading):
                if await kafka.position(tp) >= ends[tp]:
                    await _hand_over(folded, reading.pop(tp), writing)
        await _hand_over(folded, None, writing)
        await writing
    finally:
        writing.cancel()
        kafka.resume(*order)


async def _hand_over(folded: asyncio.Queue[Folded | None], changes: Folded | None, writing: asyncio.Task) -> None:
    """Queue `changes` for the writer, or raise its error if it stopped (a batch that failed every attempt)."""
    put = asyncio.ensure_future(folded.put(changes))
    await asyncio.wait({put, writing}, return_when=asyncio.FIRST_COMPLETED)
    if not put.done():
        put.cancel()
        writing.result()
        raise RuntimeError("the replay's writer stopped")


async def _write_each(writer: BatchWriter, folded: asyncio.Queue[Folded | None], in_flight: int = 2) -> None:
    """Two pieces in flight: one is built and encoded here while the store inserts the other (one at a time, the
    store and this process took turns). Pieces hold distinct documents, so their order does not matter."""
    writing: set[asyncio.Task] = set()
    try:
        while (changes := await folded.get()) is not None:
            for piece in _pieces(changes):
                while len(writing) >= in_flight:
                    done, writing = await asyncio.wait(writing, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        task.result()  # a piece that failed every attempt stops the replay
                writing.add(asyncio.create_task(writer.write_folded(piece)))
        for task in asyncio.as_completed(writing):
            await task
        writing = set()
    finally:
        for task in writing:
            task.cancel()


def _pieces(changes: Folded, size: int = BATCH) -> Iterator[Folded]:
    """A partition's documents in commands of `size` (the store inserts no faster in larger ones, and a retry
    then repeats one piece, not the partition)."""
    for collection, each in changes.items():
        ids = list(each)
        for start in range(0, len(ids), size):
            yield {collection: {_id: each[_id] for _id in ids[start:start + size]}}


def _load_order(starts: dict[TopicPartition, int], ends: dict[TopicPartition, int]) -> list[TopicPartition]:
    """Largest first, but the smallest at the very start: the first read and the last write overlap nothing."""
    by_size = sorted((tp for tp in ends if ends[tp] > starts[tp]), key=lambda tp: ends[tp] - starts[tp], reverse=True)
    return by_size[-1:] + by_size[:-1]


class BatchWriter:
    """Decodes a batch of records as the live consumer does (readers.events_of) and writes its events, retrying
    the batch (idempotent: newest sequence wins) when the store fails; a batch that still fails stops the replay, so
    the page is never swapped to a model missing events."""

    def __init__(self, store: ShowcaseStore) -> None:
        self.store = store
        self.skipped = 0  # poison and tombstones, left where the live consumer dead-lettered them
        self.written: dict[str, set[str]] = {}  # ids written into the new generation, created empty: others are new

    def decode(self, records: list[ConsumerRecord]) -> list[Reader]:
        events, skipped = events_of(records)
        self.skipped += skipped
        return events

    async def write(self, events: list[Reader]) -> None:
        await self.write_folded(fold(events))

    async def write_folded(self, changes: Folded) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await self.store.write_folded(changes, self.written)
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
