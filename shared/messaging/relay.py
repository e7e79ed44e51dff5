"""The outbox relay: publishes what a write left pending in an aggregate's outbox (`acks=all`, idempotent
producer) and removes what was sent; woken after each write, polling through a sparse marker index for recovery,
the writer's `traceparent` kept so the trace goes on through Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from faststream.kafka import KafkaBroker
from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from shared.messaging.kafka_security import servers
from shared.storage.mongo import OUTBOX_SINCE, PENDING_OUTBOX, pending_outbox_index
from shared.telemetry.metrics import EVENTS_PUBLISHED, OUTBOX_AGE, OUTBOX_DEPTH, OUTBOX_RELAY_FAILURES
from shared.telemetry.tracing import kafka_middleware, within

log = logging.getLogger(__name__)


class Relay(Protocol):
    """What a use case needs of the outbox relay: a nudge after its write (OutboxRelay; an in-memory fake in tests)."""

    def wake(self, collection: Any, aggregate_id: Any) -> None: ...


def make_broker(bootstrap: str, client_id: str, security: Any = None) -> KafkaBroker:
    """Producer side: acks=all and idempotence, so a retried send is neither lost nor written twice.
    `security`: a faststream.security object (SASL/SCRAM in docker-compose), None for PLAINTEXT."""
    return KafkaBroker(
        servers(bootstrap), client_id=client_id, acks="all", enable_idempotence=True, linger_ms=5,
        request_timeout_ms=30_000, logger=logging.getLogger(f"faststream.{client_id}"), security=security,
        middlewares=[kafka_middleware()],
    )


class OutboxRelay:
    """Publishes the events that service writes left in their aggregates' `outbox` arrays, then pulls them.

    Woken right after each write for low latency (it reads those aggregates by `_id`); also scans on a timer to
    recover what a crash left behind (it reads the aggregates marked `outbox_since`, through a sparse index).
    So the cost per event does not grow with the collection. Publishing before pulling makes delivery
    at-least-once; consumers de-duplicate by sequence or event id.
    """

    def __init__(self, broker: KafkaBroker, collections: Sequence[AsyncCollection], poll_seconds: float = 2.0,
                 topic_prefix: str = "", round_size: int = 500):
        self._broker = broker
        self._topic_prefix = topic_prefix
        self._collections = {c.name: c for c in collections}
        self._poll_seconds = poll_seconds
        self._round_size = round_size  # aggregates per round: bounds memory and the time before the first pull
        self._pending: dict[str, set[Any]] = defaultdict(set)
        self._wakeup = asyncio.Event()
        self._stopping = False

    @classmethod
    def of(cls, broker: KafkaBroker, settings: Any, collections: Sequence[AsyncCollection]) -> OutboxRelay:
        """The relay of a service's aggregate `collections`, as its settings (shared.settings.ServiceSettings) say:
        OUTBOX_POLL_SECONDS, KAFKA_TOPIC_PREFIX."""
        return cls(broker, collections, settings.outbox_poll_seconds, settings.kafka_topic_prefix)

    def wake(self, collection: AsyncCollection, aggregate_id: Any) -> None:
        self._pending[collection.name].add(aggregate_id)
        self._wakeup.set()

    async def run(self) -> None:
        """Until `stop()`: publish what writes woke us for; and every poll interval, even under a steady stream of
        wake-ups, scan the pending aggregates (crash recovery) and refresh the outbox gauges. A scan that takes long
        (a large backlog, or a store without the marker's index) spaces the next one out to ten times its duration,
        so woken events never wait behind scans for more than a tenth of the time."""
        for coll in self._collections.values():
            await pending_outbox_index(coll)
        next_scan = 0.0
        loop = asyncio.get_running_loop()
        while not self._stopping:
            try:
                async with asyncio.timeout(max(0.0, next_scan - loop.time())):
                    await self._wakeup.wait()
            except TimeoutError:
                pass
            self._wakeup.clear()
            try:
                if self._pending:
                    await self.publish_woken()
                if loop.time() >= next_scan or self._stopping:
                    started = loop.time()
                    await self.publish_all()
                    next_scan = loop.time() + max(self._poll_seconds, 10 * (loop.time() - started))
            except Exception:
                log.exception("outbox relay pass failed; retrying on the next tick")
                OUTBOX_RELAY_FAILURES.inc()
                with contextlib.suppress(Exception):  # a broker outage shows as a growing depth and age
                    await self.measure()
                next_scan = loop.time() + self._poll_seconds
                await asyncio.sleep(self._poll_seconds)

    def stop(self) -> None:
        """Finish the current pass (flushing what writes just woke us for), then return from `run`."""
        self._stopping = True
        self._wakeup.set()

    async def publish_woken(self) -> int:
        pending, self._pending = self._pending, defaultdict(set)

        async def rounds() -> AsyncIterator[tuple[AsyncCollection, list[dict]]]:
            for name, ids in pending.items():
                coll, ids = self._collections[name], list(ids)
                for start in range(0, len(ids), self._round_size):
                    query = {"_id": {"$in": ids[start:start + self._round_size]}, "outbox": {"$ne": []}}
                    yield coll, await self._read(coll, query)

        return await self._publish_rounds(rounds())

    async def publish_all(self) -> int:
        """Recovery scan: everything still pending, e.g. left by a process that died after its write; measures the
        outbox on the way."""
        depth, oldest = 0, None

        async def rounds() -> AsyncIterator[tuple[AsyncCollection, list[dict]]]:
            nonlocal depth, oldest
            for coll in self._collections.values():
                async for docs in self._rounds(coll.find(PENDING_OUTBOX, {"outbox": 1, OUTBOX_SINCE: 1})):
                    depth += sum(len(doc["outbox"]) for doc in docs)
                    first = min(doc[OUTBOX_SINCE] for doc in docs)
                    oldest = first if oldest is None else min(oldest, first)
                    yield coll, docs

        sent = await self._publish_rounds(rounds())
        self._gauge(depth - sent, oldest if depth > sent else None)
        return sent

    async def measure(self) -> tuple[int, float]:
        """Set the gauges: events waiting in the outboxes, and the age in seconds of the oldest one."""
        depth, oldest = 0, None
        for coll in self._collections.values():
            async for doc in coll.find(PENDING_OUTBOX, {"outbox.id": 1, OUTBOX_SINCE: 1}):
                depth += len(doc["outbox"])
                oldest = doc[OUTBOX_SINCE] if oldest is None else min(oldest, doc[OUTBOX_SINCE])
        return self._gauge(depth, oldest)

    @staticmethod
    def _gauge(depth: int, oldest: datetime | None) -> tuple[int, float]:
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        OUTBOX_DEPTH.set(max(depth, 0))
        OUTBOX_AGE.set(age)
        return depth, age

    @staticmethod
    async def _read(coll: AsyncCollection, query: dict) -> list[dict]:
        return await coll.find(query, {"outbox": 1}).to_list()

    async def _rounds(self, cursor: Any) -> Any:
        """The cursor's documents, a round at a time."""
        docs: list[dict] = []
        async for doc in cursor:
            docs.append(doc)
            if len(docs) == self._round_size:
                yield docs
                docs = []
        if docs:
            yield docs

    async def _publish_rounds(self, rounds: AsyncIterator[tuple[AsyncCollection, list[dict]]]) -> int:
        """Each round published, then cleared while the next round is read and published, so the store's work
        overlaps the producer's. One clear at a time, and none left running on return (the next pass must not read
        what is being cleared)."""
        sent, clearing = 0, None
        try:
            async with contextlib.aclosing(rounds):
                async for coll, docs in rounds:
                    entries = await self._send_round(docs)
                    if clearing:
                        await clearing
                    clearing = asyncio.create_task(self._clear(coll, docs, entries))
                    sent += len(entries)
        finally:
            if clearing:
                await clearing
        return sent

    async def _publish(self, coll: AsyncCollection, docs: list[dict]) -> int:
        """One round, not overlapped: publish, then clear."""
        entries = await self._send_round(docs)
        await self._clear(coll, docs, entries)
        return len(entries)

    async def _send_round(self, docs: list[dict]) -> list[dict]:
        """Publish every entry as read; returns when the broker acknowledged all of them (acks=all)."""
        entries = [entry for doc in docs for entry in doc["outbox"]]
        await asyncio.gather(*[await self._send(e) for e in entries])
        return entries

    async def _clear(self, coll: AsyncCollection, docs: list[dict], entries: list[dict]) -> None:
        """Clear each outbox that still holds exactly the entries published, marker included: one update per
        aggregate, one bulk per round. An aggregate that received new events meanwhile does not match; for those,
        pull only what was sent (the new entries stay for the next pass, and keep the marker). A marked aggregate
        with an empty outbox (a crash between a pull and the marker's removal) is cleared of its marker here too."""
        if not docs:
            return
        clear = {"$set": {"outbox": []}, "$unset": {OUTBOX_SINCE: ""}}
        cleared = await coll.bulk_write(
            [UpdateOne({"_id": doc["_id"], "outbox": doc["outbox"]}, clear) for doc in docs], ordered=False)
        if cleared.matched_count < len(docs):
            await coll.bulk_write([update for doc in docs for update in self._pull_sent(doc)], ordered=True)
        for entry in entries:
            EVENTS_PUBLISHED.labels(entry["topic"]).inc()

    @staticmethod
    def _pull_sent(doc: dict) -> list[UpdateOne]:
        """Pull the sent entries; then, if the outbox is empty, drop the marker (ordered after the pull). A write
        racing in between pushes an entry and sets the marker again with `$min`, so none is ever left unmarked."""
        return [UpdateOne({"_id": doc["_id"]}, {"$pullAll": {"outbox": doc["outbox"]}}),
                UpdateOne({"_id": doc["_id"], "outbox": {"$size": 0}}, {"$unset": {OUTBOX_SINCE: ""}})]

    async def _send(self, entry: dict) -> asyncio.Future:
        with within(entry["headers"].get("traceparent")):  # the writer's trace goes on through Kafka
            return await self._broker.publish(
                entry["value"].encode(), topic=self._topic_prefix + entry["topic"], key=entry["key"].encode(),
                headers=dict(entry["headers"]), no_confirm=True,
            )

