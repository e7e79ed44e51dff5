"""The consuming side of messaging reliability: decode, ordered per aggregate, retry with backoff, dead-letter what can't be handled, keep going).

The consumer's policy, in one place (`ConsumerPolicy`; docs/architecture.md links here):
- a record is read in batches of `batch_size`; the batch's offsets are committed only after every record of it was
  handled or dead-lettered (a crash or an error escaping the batch rewinds to its first record);
- within a batch, the records of one aggregate (same topic, partition, key) in log order, aggregates concurrently;
- a handler's failure is transient until proven otherwise: it is tried `attempts` times in all, waiting
  `backoff_seconds * 2 ** (n - 1)` after the n-th failure, at most `backoff_max_seconds`;
- a poison record (undecodable, unknown or schema-invalid type, a tombstone, or a handler raising PoisonEvent) is
  dead-lettered at once, and a record still failing after its last attempt is dead-lettered then: to
  `<topic>.dlq` with the reason in `dlq_*` headers, in a form under `dead_letter_max_bytes` (shared.messaging.dead_letters),
  and the consumer goes on with the next record;
- the figures come from the service's settings (CONSUMER_MAX_ATTEMPTS, CONSUMER_BACKOFF_SECONDS,
  CONSUMER_BACKOFF_MAX_SECONDS, CONSUMER_BATCH_SIZE, CONSUMER_SESSION_TIMEOUT_MS): `ConsumerPolicy.of(settings)`; one subscription may override
  any of them, e.g. `ConsumerPolicy.of(settings, attempts=10)`."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from aiokafka import ConsumerRecord
from faststream._internal.utils.path import match_path
from faststream.kafka import KafkaBroker
from pydantic import BaseModel

from shared.contracts.envelope import Envelope
from shared.contracts.registry import EVENT_TYPES
from shared.messaging.dead_letters import DeadLetters
from shared.messaging.decoding import PoisonEvent, decode_record
from shared.telemetry.metrics import EVENTS_CONSUMED, HANDLE_SECONDS
from shared.telemetry.tracing import link_producers, within

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
    dead_letter_max_bytes: int = 1_000_000  # a dead letter larger than this goes truncated (shared.messaging.dead_letters)
    # a member silent this long (a killed process) leaves the group and its partitions go to the others, or to its
    # restarted self: which waits that long to be given them; heartbeats every third of it (Kafka's advice)
    session_timeout_ms: int = 10_000

    @classmethod
    def of(cls, settings: Any, **overrides: Any) -> ConsumerPolicy:
        """The policy the service's settings (shared.settings.ServiceSettings) give, with `overrides` for one
        subscription."""
        return replace(cls(settings.consumer_max_attempts, settings.consumer_backoff_seconds,
                           settings.consumer_backoff_max_seconds, settings.consumer_batch_size,
                           session_timeout_ms=settings.consumer_session_timeout_ms), **overrides)

    def delay(self, failures: int) -> float:
        """How long to wait after the `failures`-th failed try."""
        return min(self.backoff_seconds * 2 ** (failures - 1), self.backoff_max_seconds)

    def subscriber_options(self) -> dict[str, Any]:
        """FastStream subscriber options every Tijara consumer uses: batches, from the start of the log for a new
        group, the offset committed only after the batch is handled (a failure rewinds to the batch's first
        record), and the group's session timeout and heartbeat."""
        from faststream import AckPolicy

        return {
            "batch": True, "max_records": self.batch_size, "batch_timeout_ms": 100,
            "auto_offset_reset": "earliest", "ack_policy": AckPolicy.NACK_ON_ERROR,
            "decoder": _raw_body, "parser": _batch_of_records,
            "session_timeout_ms": self.session_timeout_ms, "heartbeat_interval_ms": self.session_timeout_ms // 3,
        }


class EventConsumer:
    """Handles batches of one consumer group. Per batch: events of one aggregate (same key) in order, different
    aggregates concurrently; transient failures retried with exponential backoff; poison and exhausted messages
    dead-lettered with the reason, as `policy` says (ConsumerPolicy). The batch is committed by FastStream only after this returns, so after every
    write its handlers issued was acknowledged (those that go through shared.storage.coalescer reach the store as one bulk
    per collection; each handler still awaits, and retries, its own).

    `readers`: the consumer's own reader model per event type (see shared.contracts.envelope.Reader); a type of the contract it has
    no reader or handler for is skipped. Without readers, events are validated by the producers' strict models.

    Why this is ours and not FastStream's: FastStream (0.7) hands a batch subscriber the whole batch and acks or
    nacks it as one; it has no per-key ordering with concurrency across keys inside a batch, no bounded retry with
    backoff per message, and no dead-letter topic (its `AckPolicy.NACK_ON_ERROR` redelivers the whole batch forever
    on a poison message). What FastStream does do, it does: subscriptions, batching, the commit after the handler,
    the producer, the AsyncAPI document.

    `pass_record`: handlers take (envelope, record), for inboxes that check raw headers (e.g. a signature).
    `on_dead_letter`: called after a record was dead-lettered, e.g. to answer its sender.
    `read`: decodes a record (default: shared.messaging.decoding.decode_record with `readers`; e.g. a `DecodeOnce`
    shared with another reader of the same records).
    """

    def __init__(self, broker: KafkaBroker, group: str, handlers: dict[str, Handler] | dict[str, RecordHandler],
                 policy: ConsumerPolicy | None = None, concurrency: int = 1000, *,
                 readers: Mapping[str, type[BaseModel]] | None = None, pass_record: bool = False,
                 on_dead_letter: DeadLetterHook | None = None, read: Callable[[ConsumerRecord], Any] | None = None):
        self.readers = EVENT_TYPES if readers is None else readers
        self.read = read or partial(decode_record, readers=self.readers)
        self.broker = broker
        # aggregates handled at once: a whole batch's, so their writes reach the store together, one bulk per
        # collection (shared.storage.coalescer)
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
        link_producers(records)
        try:
            with HANDLE_SECONDS.labels(self.group).time():
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
            EVENTS_CONSUMED.labels(self.group, event_type, outcome).inc(n)

    async def _consume_in_order(self, records: list[ConsumerRecord], slots: asyncio.Semaphore | None) -> None:
        if slots is not None:
            async with slots:
                return await self._consume_in_order(records, None)
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
        handler = None if envelope is None else self.handlers.get(envelope.type)
        if handler is None:
            ce_type = next((v for k, v in record.headers or () if k == "ce_type"), b"?")
            self._count(ce_type.decode(errors="replace") if isinstance(ce_type, bytes) else ce_type, "ignored")
            return None
        with within(envelope.traceparent):
            await self._handle_with_retry(record, envelope, handler)

    async def _handle_with_retry(self, record: ConsumerRecord, envelope: Envelope, handler: Handler) -> None:
        event_type = envelope.type
        for attempt in range(1, self.policy.attempts + 1):
            try:
                await (handler(envelope, record) if self.pass_record else handler(envelope))
                self._count(event_type, "applied")
                return
            except PoisonEvent as poison:
                return await self.dead_letter(record, poison.kind, poison.detail, attempt)
            except Exception as error:  # transient until proven otherwise: retry, then dead-letter
                if attempt == self.policy.attempts:
                    detail = f"{type(error).__name__}: {error}"
                    return await self.dead_letter(record, "retries-exhausted", detail, attempt)
                delay = self.policy.delay(attempt)
                self._count(event_type, "retried")  # a failed attempt
                log.warning("%s failed on %s (attempt %d), retrying in %.1fs: %s",
                            self.group, event_type, attempt, delay, error)
                await asyncio.sleep(delay)

    async def dead_letter(self, record: ConsumerRecord, kind: str, detail: str, attempts: int) -> None:
        """To `<topic>.dlq` in a form that fits, or skipped with a pointer: never holds the partition (see
        shared.messaging.dead_letters)."""
        written = await self.dead_letters.send(record, kind, detail, attempts)
        ce_type = next((v.decode(errors="replace") for k, v in (record.headers or ()) if k == "ce_type"), "?")
        EVENTS_CONSUMED.labels(self.group, ce_type, "dead-lettered" if written else "skipped").inc()
        if written:  # a skip is logged by DeadLetters, with the record's digest
            log.error("dead-lettered %s[%d]@%d for %s: %s: %s", record.topic, record.partition, record.offset,
                      self.group, kind, detail)
        if self.on_dead_letter is not None:
            await self.on_dead_letter(record, kind, detail)


async def _batch_of_records(records: tuple[ConsumerRecord, ...], parse: Callable[[Any], Awaitable[Any]]) -> Any:
    """FastStream's message for a consumed batch, without what its own batch parser adds per record: every record's
    headers decoded into a dict, from which its telemetry middleware then extracts each record's producer context to
    link it, whether the batch span is sampled or not (~25 % of a supplier event's CPU in the service). The kernel
    reads the records themselves and links their producers only to a recording span (`link_producers`); the batch
    span is a new trace's root either way (FastStream starts one for a batch). Any other parser: FastStream's own."""
    parser = getattr(parse, "__self__", None)
    if not records or not all(hasattr(parser, a) for a in ("msg_class", "regex", "_consumer")):
        return await parse(records)
    first, last = records[0], records[-1]
    return parser.msg_class(body=[], headers={}, batch_headers=[], raw_message=records,
                            message_id=f"{first.offset}-{last.offset}-{first.timestamp}",
                            path=match_path(parser.regex, first.topic), consumer=parser._consumer)


async def _raw_body(message: Any) -> Any:
    """Leave decoding to `shared.messaging.decoding`, so a poison message reaches the dead-letter path instead of
    failing inside the framework and being redelivered forever."""
    return message.body

