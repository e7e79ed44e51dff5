"""Dead letters always leave the partition free: the form that fits, then bounded retries, then a pointer."""

from __future__ import annotations

import hashlib

from aiokafka import ConsumerRecord
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError
from prometheus_client import REGISTRY

from shared.messaging.dead_letters import DeadLetters


class RefusingBroker:
    """Accepts a publish only if value and headers stay under `limit` bytes (as a producer's max_request_size)."""

    def __init__(self, limit: int, error: Exception | None = None) -> None:
        self.limit, self.error, self.sent, self.refused = limit, error, [], 0

    async def publish(self, value: bytes, *, topic: str, key: bytes | None, headers: dict[str, str]) -> None:
        if len(value) + sum(len(k) + len(v) for k, v in headers.items()) > self.limit:
            self.refused += 1
            raise self.error or MessageSizeTooLargeError()
        self.sent.append((topic, key, value, headers))


def _record(value: bytes | None, topic: str = "unit.dl.inquiries") -> ConsumerRecord:
    return ConsumerRecord(topic=topic, partition=2, offset=41, timestamp=0, timestamp_type=0, key=b"inq-1",
                          value=value, checksum=None, serialized_key_size=5,
                          serialized_value_size=len(value or b""), headers=[("ce_id", b"e-1")])


async def test_a_small_dead_letter_keeps_the_whole_record():
    broker = RefusingBroker(limit=10_000)
    assert await DeadLetters(broker, "g").send(_record(b'{"a": 1}'), "schema-invalid", "bad", 1)
    [(topic, key, value, headers)] = broker.sent
    assert (topic, key, value) == ("unit.dl.inquiries.dlq", b"inq-1", b'{"a": 1}')
    assert headers["ce_id"] == "e-1" and headers["dlq_original_offset"] == "41" and "dlq_truncated" not in headers


async def test_an_oversized_record_is_dead_lettered_truncated_with_its_size_and_digest():
    value = b"x" * 1_040_000
    broker = RefusingBroker(limit=1_048_576)
    assert await DeadLetters(broker, "g").send(_record(value), "undecodable", "not JSON", 1)
    [(_, _, kept, headers)] = broker.sent
    assert len(kept) == 64 * 1024 and headers["dlq_truncated"] == "true"
    assert headers["dlq_original_size"] == "1040000"
    assert headers["dlq_original_sha256"] == hashlib.sha256(value).hexdigest()


async def test_when_the_broker_refuses_even_the_truncated_form_the_headers_alone_go():
    broker = RefusingBroker(limit=2_000)  # a broker limit lower than ours
    assert await DeadLetters(broker, "g", max_bytes=10**7).send(_record(b"y" * 100_000), "undecodable", "x", 1)
    assert broker.refused == 2 and broker.sent[0][2] == b"" and broker.sent[0][3]["dlq_original_size"] == "100000"


async def test_a_dead_letter_that_can_never_be_written_is_skipped_after_bounded_tries():
    before = REGISTRY.get_sample_value("tijara_dead_letters_total",
                                       {"topic": "unit.dl.skipped", "error_type": "unwritable:tombstone"}) or 0
    broker = RefusingBroker(limit=0, error=KafkaConnectionError())
    letters = DeadLetters(broker, "g", attempts=3, backoff_seconds=0.001)
    assert not await letters.send(_record(None, topic="unit.dl.skipped"), "tombstone", "null value", 1)
    assert broker.refused == 3 and not broker.sent
    assert REGISTRY.get_sample_value("tijara_dead_letters_total",
                                     {"topic": "unit.dl.skipped", "error_type": "unwritable:tombstone"}) == before + 1
