"""A consumer's batches pipelined: batch N+1 is fetched, decoded and routed while batch N's writes are in flight,
and offsets are committed in fetch order, each only once its batch's effects are acknowledged.

Why: handled one after the other, the store idles while the next batch is committed, fetched and decoded, and the
process idles while the store answers. FastStream's batch subscriber commits after its handler returns and has no
way to overlap two batches, so the handler (AckPolicy.MANUAL) starts its batch here and returns once the batch
before it is done and committed: two batches in flight at most.

What keeps holding:
- effects before commit (at-least-once): a batch's offsets are committed after all its handlers returned and after
  every earlier batch's commit, as explicit offsets (a bare `commit()` would cover what is fetched, not handled);
- order per aggregate: a key's records wait for that key's records of earlier batches still in flight (`chain`);
- a batch failing as a whole (e.g. its dead letters cannot be written): it and the batches after it are not
  committed; their partitions are rewound (seek) to their first record not committed, at once, even with no next
  batch coming; records fetched before the rewind are dropped on arrival (they come again, in order);
- rebalance: before partitions are revoked, everything in flight finishes and is committed (`listener`);
- shutdown: `drain` before the broker stops; new batches are then left for the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Hashable, Sequence
from typing import Any, Protocol

from aiokafka import ConsumerRebalanceListener, ConsumerRecord, TopicPartition

log = logging.getLogger(__name__)

DEPTH = 2  # batches in flight: one whose writes the store is answering, one being decoded and routed behind it


class Committer(Protocol):
    """What is needed of the consumer (aiokafka's AIOKafkaConsumer)."""

    async def commit(self, offsets: dict[TopicPartition, int]) -> None: ...
    def seek(self, partition: TopicPartition, offset: int) -> None: ...
    def assignment(self) -> set[TopicPartition]: ...


class _Batch:
    def __init__(self, records: Sequence[ConsumerRecord]) -> None:
        self.first: dict[TopicPartition, int] = {}
        self.after: dict[TopicPartition, int] = {}  # the offset to commit: the next one to read
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            self.first.setdefault(tp, record.offset)
            self.after[tp] = record.offset + 1
        self.handling: asyncio.Future | None = None
        self.settled = asyncio.get_running_loop().create_future()  # committed, or dropped by a rewind


class InFlight:
    def __init__(self, group: str, depth: int = DEPTH) -> None:
        self.group = group
        self.depth = depth
        self.consumer: Committer | None = None
        self.closing = False
        self._batches: deque[_Batch] = deque()  # started, not committed, in fetch order
        self._dropped: set[asyncio.Future] = set()  # batches rewound: still finishing, never committed
        self._last: dict[Hashable, asyncio.Task] = {}  # per aggregate key, its latest handling
        self._rewound: dict[TopicPartition, int] = {}  # the offset a partition was rewound to, until read again
        self._committer: asyncio.Task | None = None  # commits the batches done at the front, one at a time

    async def take(self, consumer: Committer, records: Sequence[ConsumerRecord],
                   handle: Callable[[Sequence[ConsumerRecord]], Awaitable[None]]) -> None:
        """Start `handle(records)`; return once fewer than `depth` batches are in flight (each committed as soon
        as it and those before it are done)."""
        if not hasattr(consumer, "assignment"):  # FastStream's in-memory test broker: no group, nothing to commit
            return await handle(records)
        self.consumer = consumer
        records = self._fresh(records)
        if not records or self.closing:  # closing: not handled, not committed, read again at the next start
            return
        batch = _Batch(records)
        batch.handling = asyncio.ensure_future(handle(records))
        batch.handling.add_done_callback(lambda done: self._on_done(batch, done))
        self._batches.append(batch)
        while len(self._batches) >= self.depth:
            await asyncio.wait([self._batches[0].settled])

    def chain(self, key: Hashable, work: Coroutine[Any, Any, None]) -> asyncio.Task:
        """`work` for the aggregate `key`, started once that key's earlier work is done (whatever its outcome)."""
        before = self._last.get(key)
        task = asyncio.ensure_future(_after(before, work))
        self._last[key] = task
        task.add_done_callback(lambda done: self._last.get(key) is done and self._last.pop(key))
        return task

    async def drain(self, timeout: float | None = None) -> None:
        """Finish and commit everything in flight (before a shutdown or a rebalance); past `timeout`, what is not
        done is cancelled and left uncommitted, to be read again."""
        try:
            async with asyncio.timeout(timeout):
                while self._batches:
                    await asyncio.wait([self._batches[-1].settled])
                if self._dropped:
                    await asyncio.wait(self._dropped)
        except TimeoutError:
            log.warning("%s: batches still in flight after %.0f s; left uncommitted", self.group, timeout)
            for handling in [*(b.handling for b in self._batches), *self._dropped]:
                handling.cancel()

    def listener(self) -> ConsumerRebalanceListener:
        return _DrainOnRevoke(self)

    def _on_done(self, batch: _Batch, done: asyncio.Future) -> None:
        if batch not in self._batches:  # rewound already
            return
        if not done.cancelled() and done.exception() is not None:
            log.error("%s: a batch failed as a whole; rewinding to its first record", self.group,
                      exc_info=done.exception())
            self._rewind(self._batches.index(batch))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.ensure_future(self._commit_done())

    async def _commit_done(self) -> None:
        """Commit the batches done at the front, in fetch order; a cancelled one is rewound, never committed."""
        while self._batches and self._batches[0].handling.done():
            oldest = self._batches[0]
            if oldest.handling.cancelled():
                self._rewind(0)
                return
            await self._commit(oldest)
            if self._batches and self._batches[0] is oldest:  # a rewind drops from the back, never a done batch
                self._batches.popleft()
                oldest.settled.set_result(None)

    async def _commit(self, batch: _Batch) -> None:
        assigned = self.consumer.assignment()
        offsets = {tp: offset for tp, offset in batch.after.items() if tp in assigned}
        try:
            await self.consumer.commit(offsets)
        except Exception as error:  # noqa: BLE001
            # reassigned (the new owner reads from the last commit) or the broker away (the next commit, which
            # names later offsets of the same partitions, covers this one): at worst read again, never lost
            log.warning("%s: commit of %s failed: %r", self.group, offsets, error)

    def _rewind(self, start: int) -> None:
        """Drop the batches from `start` on (they finish, uncommitted) and seek their partitions back to the first
        record of theirs, so they are read again in order."""
        earliest: dict[TopicPartition, int] = {}
        while len(self._batches) > start:
            dropped = self._batches.pop()
            dropped.settled.set_result(None)
            for tp, offset in dropped.first.items():
                earliest[tp] = min(offset, earliest.get(tp, offset))
            if not dropped.handling.done():
                self._dropped.add(dropped.handling)
                dropped.handling.add_done_callback(self._forget)
        assigned = self.consumer.assignment() if self.consumer else set()
        for tp, offset in earliest.items():
            if tp in assigned:
                self.consumer.seek(tp, offset)
                self._rewound[tp] = offset

    def _forget(self, dropped: asyncio.Future) -> None:
        self._dropped.discard(dropped)
        if not dropped.cancelled() and dropped.exception() is not None:  # read again; its failure was logged
            log.info("%s: a rewound batch ended with %r", self.group, dropped.exception())

    def _fresh(self, records: Sequence[ConsumerRecord]) -> Sequence[ConsumerRecord]:
        """Without the records of a rewound partition fetched before its rewind: it is read again from the offset
        rewound to, so a record past that offset before the one at it is from the earlier fetch."""
        if not self._rewound:
            return records
        fresh = []
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            rewound = self._rewound.get(tp)
            if rewound is not None and record.offset > rewound:
                continue
            self._rewound.pop(tp, None)
            fresh.append(record)
        if len(fresh) < len(records):
            log.info("%s: %d records fetched before a rewind dropped", self.group, len(records) - len(fresh))
        return fresh


async def _after(before: asyncio.Task | None, work: Coroutine[Any, Any, None]) -> None:
    if before is not None and not before.done():
        try:
            await asyncio.wait([before])
        except asyncio.CancelledError:  # done only after the key's earlier work: its order holds across a rewind
            work.close()
            await asyncio.wait([before])
            raise
    await work


class _DrainOnRevoke(ConsumerRebalanceListener):
    """aiokafka awaits this before the group rebalances: what was handled of the revoked partitions is committed
    while they are still ours."""

    def __init__(self, in_flight: InFlight) -> None:
        self.in_flight = in_flight

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.in_flight.drain()

    async def on_partitions_assigned(self, assigned: Any) -> None:
        return None
