"""Messaging reliability: the outbox relay (publish what a write left pending), and the consumer side
(decode, ordered per aggregate, retry with backoff, dead-letter what can't be handled, keep going).

The consumer's policy, in one place (`ConsumerPolicy`; docs/architecture.md links here):
- a record is read in batches of `batch_size`; the batch's offsets are committed only after every record of it was
  handled or dead-lettered (a crash or an error escaping the batch rewinds to its first record);
- within a batch, the records of one aggregate (same topic, partition, key) in log order, aggregates concurrently;
- a handler's failure is transient until proven otherwise: it is tried `attempts` times in all, waiting
  `backoff_seconds * 2 ** (n - 1)` after the n-th failure, at most `backoff_max_seconds`;
- a poison record (undecodable, unknown or schema-invalid type, a tombstone, or a handler raising PoisonEvent) is
  dead-lettered at once, and a record still failing after its last attempt is dead-lettered then: to
  `<topic>.dlq` with the reason in `dlq_*` headers, in a form under `dead_letter_max_bytes` (shared.dead_letters),
  and the consumer goes on with the next record;
- the figures come from the service's settings (CONSUMER_MAX_ATTEMPTS, CONSUMER_BACKOFF_SECONDS,
  CONSUMER_BACKOFF_MAX_SECONDS, CONSUMER_BATCH_SIZE): `ConsumerPolicy.of(settings)`; one subscription may override
  any of them, e.g. `ConsumerPolicy.of(settings, attempts=10)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol

from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker
from pydantic import BaseModel
from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from shared import telemetry
from shared.dead_letters import DeadLetters
from shared.envelope import EVENT_TYPES, Envelope, PoisonEvent, read_record
from shared.kafka_security import servers
from shared.mongo import OUTBOX_SINCE, PENDING_OUTBOX, pending_outbox_index

log = logging.getLogger(__name__)

PIPELINE_SLICE = 100  # aggregates started per event-loop turn within a batch
Handler = Callable[[Envelope], Awaitable[None]]
RecordHandler = Callable[[Envelope, ConsumerRecord], Awaitable[None]]  # when the raw headers matter (signatures)
DeadLetterHook = Callable[[ConsumerRecord, str, str], Awaitable[None]]  # (record, kind, detail), after dead-lettering


@dataclass(frozen=True)
class ConsumerPolicy:
    """Retries, backoff, dead letters and batching of one subscription (the module docstring says how they act)."""

    attempts: int = 5  # tries of a handler in all, the first included
    backoff_seconds: float = 0.2  # the wait after the first failure; doubled after each next one
    backoff_max_seconds: float = 30.0  # the longest wait between two tries
    batch_size: int = 500  # records per batch
    dead_letter_max_bytes: int = 1_000_000  # a dead letter larger than this goes truncated (shared.dead_letters)

    @classmethod
    def of(cls, settings: Any, **overrides: Any) -> ConsumerPolicy:
        """The policy the service's settings (shared.settings.ServiceSettings) give, with `overrides` for one
        subscription."""
        return replace(cls(settings.consumer_max_attempts, settings.consumer_backoff_seconds,
                           settings.consumer_backoff_max_seconds, settings.consumer_batch_size), **overrides)

    def delay(self, failures: int) -> float:
        """How long to wait after the `failures`-th failed try."""
        return min(self.backoff_seconds * 2 ** (failures - 1), self.backoff_max_seconds)

    def subscriber_options(self) -> dict[str, Any]:
        """FastStream subscriber options every Tijara consumer uses: batches, from the start of the log for a new
        group, and the offset committed only after the batch is handled (a failure rewinds to the batch's first
        record)."""
        from faststream import AckPolicy

        return {
            "batch": True, "max_records": self.batch_size, "batch_timeout_ms": 100,
            "auto_offset_reset": "earliest", "ack_policy": AckPolicy.NACK_ON_ERROR,
            "decoder": _raw_body,
        }


class Relay(Protocol):
    """What a use case needs of the outbox relay: a nudge after its write (OutboxRelay; an in-memory fake in tests)."""

    def wake(self, collection: Any, aggregate_id: Any) -> None: ...


def make_broker(bootstrap: str, client_id: str, security: Any = None) -> KafkaBroker:
    """Producer side: acks=all and idempotence, so a retried send is neither lost nor written twice.
    `security`: a faststream.security object (SASL/SCRAM in docker-compose), None for PLAINTEXT."""
    return KafkaBroker(
        servers(bootstrap), client_id=client_id, acks="all", enable_idempotence=True, linger_ms=5,
        request_timeout_ms=30_000, logger=logging.getLogger(f"faststream.{client_id}"), security=security,
        middlewares=[telemetry.kafka_middleware()],
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
                telemetry.OUTBOX_RELAY_FAILURES.inc()
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
        telemetry.OUTBOX_DEPTH.set(max(depth, 0))
        telemetry.OUTBOX_AGE.set(age)
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
            telemetry.EVENTS_PUBLISHED.labels(entry["topic"]).inc()

    @staticmethod
    def _pull_sent(doc: dict) -> list[UpdateOne]:
        """Pull the sent entries; then, if the outbox is empty, drop the marker (ordered after the pull). A write
        racing in between pushes an entry and sets the marker again with `$min`, so none is ever left unmarked."""
        return [UpdateOne({"_id": doc["_id"]}, {"$pullAll": {"outbox": doc["outbox"]}}),
                UpdateOne({"_id": doc["_id"], "outbox": {"$size": 0}}, {"$unset": {OUTBOX_SINCE: ""}})]

    async def _send(self, entry: dict) -> asyncio.Future:
        with telemetry.within(entry["headers"].get("traceparent")):  # the writer's trace goes on through Kafka
            return await self._broker.publish(
                entry["value"].encode(), topic=self._topic_prefix + entry["topic"], key=entry["key"].encode(),
                headers=dict(entry["headers"]), no_confirm=True,
            )


class EventConsumer:
    """Handles batches of one consumer group. Per batch: events of one aggregate (same key) in order, different
    aggregates concurrently; transient failures retried with exponential backoff; poison and exhausted messages
    dead-lettered with the reason, as `policy` says (ConsumerPolicy). The batch is committed by FastStream only after this returns, so after every
    write its handlers issued was acknowledged (those that go through shared.coalescer reach the store as one bulk
    per collection; each handler still awaits, and retries, its own).

    `readers`: the consumer's own reader model per event type (see shared.envelope); a type of the contract it has
    no reader or handler for is skipped. Without readers, events are validated by the producers' strict models.

    Why this is ours and not FastStream's: FastStream (0.7) hands a batch subscriber the whole batch and acks or
    nacks it as one; it has no per-key ordering with concurrency across keys inside a batch, no bounded retry with
    backoff per message, and no dead-letter topic (its `AckPolicy.NACK_ON_ERROR` redelivers the whole batch forever
    on a poison message). What FastStream does do, it does: subscriptions, batching, the commit after the handler,
    the producer, the AsyncAPI document.

    `pass_record`: handlers take (envelope, record), for inboxes that check raw headers (e.g. a signature).
    `on_dead_letter`: called after a record was dead-lettered, e.g. to answer its sender.
    `read`: reads a record (e.g. a shared.envelope.ReadOnce shared with another reader of the same records).
    """

    def __init__(self, broker: KafkaBroker, group: str, handlers: dict[str, Handler] | dict[str, RecordHandler],
                 policy: ConsumerPolicy | None = None, concurrency: int = 1000, *,
                 readers: Mapping[str, type[BaseModel]] | None = None, pass_record: bool = False,
                 on_dead_letter: DeadLetterHook | None = None, read: Callable[[ConsumerRecord], Any] | None = None):
        self.readers = EVENT_TYPES if readers is None else readers
        self.read = read or partial(read_record, readers=self.readers)  # e.g. a shared.envelope.ReadOnce
        self.broker = broker
        # aggregates handled at once: a whole batch's, so their writes reach the store together, one bulk per
        # collection (shared.coalescer)
        self.concurrency = concurrency
        self.group = group
        self.handlers = handlers  # by event type
        self.policy = policy or ConsumerPolicy()
        self.pass_record = pass_record
        self.on_dead_letter = on_dead_letter
        self.dead_letters = DeadLetters(broker, group, self.policy.dead_letter_max_bytes)
        self._outcomes: Counter[tuple[str, str]] = Counter()  # (type, outcome) -> events, counted per batch

    async def consume(self, records: Sequence[ConsumerRecord]) -> None:
        """One batch. Traced per batch, as OpenTelemetry's messaging conventions describe batch processing: the
        span FastStream opens for the batch ("<topic> process") gets a link to each message's producer context,
        and each handler runs in its message's producer context (no span of its own), so the writes and events it
        causes stay in the trace that caused them. Outcomes are counted per batch."""
        telemetry.link_producers(records)
        try:
            with telemetry.HANDLE_SECONDS.labels(self.group).time():
                await self._consume_by_aggregate(records)
        finally:
            self._count_outcomes()

    async def _consume_by_aggregate(self, records: Sequence[ConsumerRecord]) -> None:
        by_key: dict[tuple, list[ConsumerRecord]] = defaultdict(list)
        for record in records:
            by_key[(record.topic, record.partition, record.key)].append(record)
        slots = asyncio.Semaphore(self.concurrency) if len(by_key) > self.concurrency else None
        handling: list[asyncio.Task] = []
        try:
            for n, group in enumerate(by_key.values(), 1):
                handling.append(asyncio.ensure_future(self._consume_in_order(group, slots)))
                if n % PIPELINE_SLICE == 0:  # these aggregates' writes go out while the next are decoded
                    await asyncio.sleep(0)
            await asyncio.gather(*handling)
        except BaseException:
            for task in handling:
                task.cancel()
            raise

    def _count(self, event_type: str, outcome: str) -> None:
        self._outcomes[(event_type, outcome)] += 1

    def _count_outcomes(self) -> None:
        outcomes, self._outcomes = self._outcomes, Counter()
        for (event_type, outcome), n in outcomes.items():
            telemetry.EVENTS_CONSUMED.labels(self.group, event_type, outcome).inc(n)

    async def _consume_in_order(self, records: list[ConsumerRecord], slots: asyncio.Semaphore | None) -> None:
        async with slots or contextlib.nullcontext():
            for record in records:
                if record.value is None:  # a tombstone: no marketplace stream deletes by key, so it is a mistake
                    await self.dead_letter(record, "tombstone", "null value (tombstone) on an event stream", 1)
                    continue
                await self.consume_one(record)

    async def consume_one(self, record: ConsumerRecord) -> None:
        try:
            envelope = self.read(record)
        except PoisonEvent as poison:
            return await self.dead_letter(record, poison.kind, poison.detail, attempts=1)
        handler = envelope and self.handlers.get(envelope.type)
        if envelope is None or handler is None:
            ce_type = next((v for k, v in record.headers or () if k == "ce_type"), b"?")
            self._count(ce_type.decode(errors="replace") if isinstance(ce_type, bytes) else ce_type, "ignored")
            return None
        with telemetry.within(envelope.traceparent):
            await self._handle_with_retry(record, envelope, handler)

    async def _handle_with_retry(self, record: ConsumerRecord, envelope: Envelope, handler: Handler) -> None:
        for attempt in range(1, self.policy.attempts + 1):
            try:
                await (handler(envelope, record) if self.pass_record else handler(envelope))
                self._count(envelope.type, "applied")
                return
            except PoisonEvent as poison:
                return await self.dead_letter(record, poison.kind, poison.detail, attempt)
            except Exception as error:  # transient until proven otherwise: retry, then dead-letter
                if attempt == self.policy.attempts:
                    detail = f"{type(error).__name__}: {error}"
                    return await self.dead_letter(record, "retries-exhausted", detail, attempt)
                delay = self.policy.delay(attempt)
                self._count(envelope.type, "retried")  # a failed attempt
                log.warning("%s failed on %s (attempt %d), retrying in %.1fs: %s",
                            self.group, envelope.type, attempt, delay, error)
                await asyncio.sleep(delay)

    async def dead_letter(self, record: ConsumerRecord, kind: str, detail: str, attempts: int) -> None:
        """To `<topic>.dlq` in a form that fits, or skipped with a pointer: never holds the partition (see
        shared.dead_letters)."""
        written = await self.dead_letters.send(record, kind, detail, attempts)
        ce_type = next((v.decode(errors="replace") for k, v in (record.headers or ()) if k == "ce_type"), "?")
        telemetry.EVENTS_CONSUMED.labels(self.group, ce_type, "dead-lettered" if written else "skipped").inc()
        if written:  # a skip is logged by DeadLetters, with the record's digest
            log.error("dead-lettered %s[%d]@%d for %s: %s: %s", record.topic, record.partition, record.offset,
                      self.group, kind, detail)
        if self.on_dead_letter is not None:
            await self.on_dead_letter(record, kind, detail)


async def _raw_body(message: Any) -> Any:
    """Leave decoding to `shared.envelope.read`, so a poison message reaches the dead-letter path instead of
    failing inside the framework and being redelivered forever."""
    return message.body
