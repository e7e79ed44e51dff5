"""Dead letters that can always be written, so that no message can hold its partition.

A dead letter is the original record (value, key, headers) plus `dlq_*` headers saying why. When that would not
fit the producer's request limit (a ~1 MiB poison plus our headers), it goes in a form that fits: the first
`keep_bytes` of the value, with `dlq_truncated`, `dlq_original_size` and `dlq_original_sha256` headers (the whole
original stays in its own topic at `dlq_original_topic/partition/offset`: marketplace streams are kept forever).
The broker can still refuse a dead letter (a limit lower than ours, an ACL on the `.dlq` topic): then the smallest
form (headers only) is tried, then retried a bounded number of times with backoff; if every try fails, the record is
*skipped with a pointer*: an ERROR log naming topic, partition, offset and digest, and
`tijara_dead_letters_total{error_type="unwritable:<kind>"}`, so the partition moves on and an alert fires.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import UTC, datetime

from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker

from shared.contracts.envelope import dead_letter_topic
from shared.telemetry.metrics import DEAD_LETTERS
from shared.telemetry.tracing import within

log = logging.getLogger(__name__)

HEADER_VALUE_MAX = 2000  # an original header longer than this is cut in the reduced forms


class DeadLetters:
    def __init__(self, broker: KafkaBroker, group: str, max_bytes: int = 1_000_000, keep_bytes: int = 64 * 1024,
                 attempts: int = 5, backoff_seconds: float = 0.2):
        self.broker = broker
        self.group = group
        self.max_bytes = max_bytes  # under the producer's max_request_size (1 MiB), with room for the batch framing
        self.keep_bytes = keep_bytes
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds

    async def send(self, record: ConsumerRecord, kind: str, detail: str, attempts: int) -> bool:
        """Write the dead letter of `record` in the first form the broker accepts; False if it was skipped."""
        headers = self._headers(record, kind, detail, attempts)
        value = record.value or b""
        forms = [(value, headers)] if _size(value, headers) <= self.max_bytes else []
        forms += [self._truncated(value, headers, keep) for keep in (self.keep_bytes, 0) if len(value) > keep]
        for attempt in range(1, self.attempts + 1):
            for form_value, form_headers in forms:
                try:
                    with within(headers.get("traceparent")):  # a redrive continues the original trace
                        await self.broker.publish(form_value, topic=dead_letter_topic(record.topic),
                                                  key=record.key, headers=form_headers)
                    DEAD_LETTERS.labels(record.topic, kind).inc()
                    return True
                except Exception as error:  # refused or unreachable: try the smaller form, then again later
                    last = error
            await asyncio.sleep(self.backoff_seconds * 2 ** (attempt - 1))
        DEAD_LETTERS.labels(record.topic, f"unwritable:{kind}").inc()
        log.error("dead letter of %s[%d]@%d (%s, %d bytes, sha256 %s) could not be written after %d tries (%s); "
                  "skipped, the record stays in its topic", record.topic, record.partition, record.offset, kind,
                  len(value), hashlib.sha256(value).hexdigest(), self.attempts, last)
        return False

    def _headers(self, record: ConsumerRecord, kind: str, detail: str, attempts: int) -> dict[str, str]:
        original = {k: v.decode(errors="replace") for k, v in (record.headers or ())}
        return original | {
            "dlq_error_type": kind,
            "dlq_error_message": detail[:2000],
            "dlq_attempts": str(attempts),
            "dlq_consumer_group": self.group,
            "dlq_original_topic": record.topic,
            "dlq_original_partition": str(record.partition),
            "dlq_original_offset": str(record.offset),
            "dlq_failed_at": datetime.now(UTC).isoformat(),
        }

    @staticmethod
    def _truncated(value: bytes, headers: dict[str, str], keep: int) -> tuple[bytes, dict[str, str]]:
        cut = {k: v if k.startswith("dlq_") else v[:HEADER_VALUE_MAX] for k, v in headers.items()}
        return value[:keep], cut | {"dlq_truncated": "true", "dlq_original_size": str(len(value)),
                                    "dlq_original_sha256": hashlib.sha256(value).hexdigest()}


def _size(value: bytes, headers: dict[str, str]) -> int:
    return len(value) + sum(len(k) + len(v.encode()) for k, v in headers.items())
