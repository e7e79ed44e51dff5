"""Helpers for tests against the real servers: run a service app in-process, publish and read real topics."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from fastapi import FastAPI

from shared.contracts.envelope import Envelope
from shared.messaging.topics import partitions_of

T = TypeVar("T")


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its real lifespan (topics, indexes, Kafka consumers, outbox relay), called over ASGI."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


async def publish(bootstrap: str, *envelopes: Envelope, raw: list[tuple[str, bytes | None, bytes, dict]] = ()):
    """Publish as a foreign producer would: envelopes in CloudEvents binary mode, or raw (topic, key, value, headers)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    sent = []
    try:
        for e in envelopes:
            sent.append(await producer.send_and_wait(e.topic, e.value(), key=e.key,
                                                     headers=[(k, v.encode()) for k, v in e.headers().items()]))
        for topic, key, value, headers in raw:
            sent.append(await producer.send_and_wait(topic, value, key=key,
                                                     headers=[(k, v.encode()) for k, v in headers.items()]))
    finally:
        await producer.stop()
    return sent


async def committed_past(bootstrap: str, group: str, metadata) -> None:
    """Assert that `group` has committed beyond the record described by `metadata` (a RecordMetadata)."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    position = offsets.get(metadata.topic_partition)
    assert position is not None and position.offset > metadata.offset, f"{group} has not passed {metadata}"


async def read_until(bootstrap: str, topic: str, match: Callable[[ConsumerRecord], bool],
                     timeout: float = 30.0) -> ConsumerRecord:
    """Read a topic from the beginning until a record matches."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)
    await consumer.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    if match(record):
                        return record
        raise AssertionError(f"no matching record on {topic} within {timeout}s")
    finally:
        await consumer.stop()


async def read_all(bootstrap: str, topic: str) -> list[ConsumerRecord]:
    """Every record of a topic now, from the beginning to its end offsets."""
    partitions = [TopicPartition(topic, p) for p in (await partitions_of(bootstrap, [topic])).get(topic, [])]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends, found = await consumer.end_offsets(partitions), []
        while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                found += records
        return found
    finally:
        await consumer.stop()


def header(record: ConsumerRecord, name: str) -> str | None:
    return next((v.decode() for k, v in record.headers if k == name), None)


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 30.0, interval: float = 0.2) -> T:
    """Poll until `check` returns without AssertionError (bounded), then return its result."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(interval)


def reads_index(plan: dict, name: str) -> bool:
    """Whether an explain's winning plan scans the index `name` (MongoDB nests stages; the local store answers the
    same shape, COLLSCAN when it reads the collection)."""
    if plan.get("stage") == "IXSCAN":
        return plan.get("indexName") == name
    children = [plan[k] for k in ("inputStage", "queryPlan") if isinstance(plan.get(k), dict)]
    return any(reads_index(child, name) for child in children + plan.get("inputStages", []))
