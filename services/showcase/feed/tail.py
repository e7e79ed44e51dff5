"""How every showcase replica keeps its in-memory model (model/live.py) current, including events another replica
of the consumer group handled: it follows the marketplace topics itself, without a group.

Start, without a gap: read the offsets the consumer group has committed (everything before them is in the store,
since the group commits after the effect), then load the store's snapshot, then read the log from those offsets.
What lies between is applied twice at most, which newest-sequence-wins makes harmless. The consumer group stays
the only writer of the store; this reader only ever changes memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import CoordinatorLoadInProgressError, GroupCoordinatorNotAvailableError

from services.showcase.feed.readers import READERS, events_of
from services.showcase.model.figures import WINDOW
from services.showcase.model.live import LiveModel
from services.showcase.store import ShowcaseStore
from shared.contracts.envelope import Topic
from shared.messaging.decoding import DecodeOnce
from shared.messaging.topics import partitions_of
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)


APPLIED_PER_TURN = 200  # events applied between two yields to the event loop: page requests keep being answered
SETTLE_AFTER = 50_000  # changes to the model caught up from the log before its objects are frozen (see _follow)


class LogFollower:
    def __init__(self, settings: ServiceSettings, store: ShowcaseStore, model: LiveModel,
                 changed: Callable[[], None], read: DecodeOnce | None = None) -> None:
        self.settings = settings
        self.store = store
        self.model = model
        self.changed = changed
        self.read = read or DecodeOnce(READERS)  # shared with the group consumer of this process: decoded once
        self.skipped = 0  # poison, tombstones, events the model refused: the group consumer dead-letters them
        self._kafka: AIOKafkaConsumer | None = None
        self._task: asyncio.Task | None = None
        self._settled_at = 0  # the model's change count when its objects were last frozen

    async def apply(self, records: list[ConsumerRecord]) -> None:
        """Records in the order fetched (each partition's in log order), straight into memory: no task, retry or
        dead letter per event as the group consumer needs for its writes, a slice of events per loop turn."""
        events, skipped = events_of(records, self.read)
        self.skipped += skipped
        for start in range(0, len(events), APPLIED_PER_TURN):
            if start:
                await asyncio.sleep(0)
            for event in events[start:start + APPLIED_PER_TURN]:
                try:
                    self.model.apply(event)
                except Exception:  # one event the page cannot take must not cost it the others
                    self.skipped += 1
                    log.exception("the page model could not take %r", event)

    async def start(self) -> None:
        s = self.settings
        started = time.monotonic()
        partitions = await self._partitions()
        committed = await self._committed()
        snapshot = await self.store.snapshot(datetime.now(UTC) - WINDOW)
        for collection, docs in snapshot.items():
            self.model.load(collection, docs)
        self.changed()
        log.info("page model loaded from the store in %.1f s (%s); following %d partitions from the group's offsets",
                 time.monotonic() - started, ", ".join(f"{len(d)} {c}" for c, d in snapshot.items()), len(partitions))
        self._kafka = AIOKafkaConsumer(bootstrap_servers=s.kafka_bootstrap_servers, group_id=None,
                                       enable_auto_commit=False, auto_offset_reset="earliest",
                                       fetch_max_wait_ms=200, max_poll_records=1000, **s.kafka_client_options())
        await self._kafka.start()
        self._kafka.assign(partitions)
        for tp in partitions:
            if tp in committed:
                self._kafka.seek(tp, committed[tp])
            else:
                await self._kafka.seek_to_beginning(tp)
        self._task = asyncio.create_task(self._follow())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._kafka:
            await self._kafka.stop()

    async def _follow(self) -> None:
        assert self._kafka is not None
        while True:
            try:
                batches = await self._kafka.getmany(timeout_ms=1000, max_records=1000)
                if not any(batches.values()):
                    self._settle()
                before = self.model.changes
                await self.apply([r for records in batches.values() for r in records])
                if self.model.changes != before:
                    self.changed()
            except asyncio.CancelledError:
                raise
            except Exception:  # keep following: the page must not freeze on one bad read
                log.exception("following the marketplace topics failed; retrying")
                await asyncio.sleep(1)

    def _settle(self) -> None:
        """Caught up with the log after many changes (a replica started on a launch-sized log): what the model holds
        lives on, so it leaves the cyclic collector's reach, like the start-up heap (`settle_heap`). Otherwise one
        full collection walks all of it: 1.7 s holding the loop at 5,000 suppliers, 50,000 products."""
        if self.model.changes - self._settled_at >= SETTLE_AFTER:
            gc.freeze()
            self._settled_at = self.model.changes
            log.info("page model settled: %d objects out of the collector's reach", gc.get_freeze_count())

    async def _partitions(self) -> list[TopicPartition]:
        s = self.settings
        topics = [s.topic(t) for t in Topic]
        found = await partitions_of(s.kafka_bootstrap_servers, topics, **s.kafka_client_options())
        return [TopicPartition(t, p) for t in topics for p in found.get(t, [])]

    async def _committed(self) -> dict[TopicPartition, int]:
        s = self.settings
        admin = AIOKafkaAdminClient(bootstrap_servers=s.kafka_bootstrap_servers, **s.kafka_client_options())
        await admin.start()
        try:
            for attempt in range(40):  # a fresh broker creates its offsets topic on the first group's request
                try:
                    offsets = await admin.list_consumer_group_offsets(s.consumer_group)
                    break
                except (GroupCoordinatorNotAvailableError, CoordinatorLoadInProgressError):
                    if attempt == 39:
                        raise
                    await asyncio.sleep(0.25)
        finally:
            await admin.close()
        return {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}
