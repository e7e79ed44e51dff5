"""How `tijara privacy erase` learns what each service erased: from the outcomes the services publish on
`privacy.erasures` (shared.contracts.privacy), not from their HTTP answers. The command places itself at the end of
the topic, sends the request (with its id) to every holder, then reads until each holder that accepted it has
published its outcome for that request id, or the wait is over. Read with the command's own tolerant reader, like
every consumer (a field added to the outcome later is ignored)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import BaseModel, ConfigDict
from rich.console import Console

from shared.contracts.privacy import ErasureOutcome, PrivacyTopic
from shared.messaging.decoding import PoisonEvent, decode_record
from shared.messaging.topics import partitions_of
from shared.settings import ServiceSettings


class KindCount(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    kind: str
    records: int


class OutcomeRead(BaseModel):
    """The command's reader of an erasure outcome: what it prints."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    request_id: str
    service: str
    records: list[str] = []
    records_by_kind: list[KindCount] = []
    erased: list[str] = []
    already_erased: bool


READERS = {ErasureOutcome.TYPE: OutcomeRead}


class OutcomesMissing(Exception):
    """privacy.erasures cannot be read (no such topic: no holder service ever started on this cluster)."""


async def wait_for_outcomes(settings: ServiceSettings, request_id: str, ask: Callable[[], Awaitable[list[str]]],
                            wait_seconds: float, progress: Console) -> dict[str, OutcomeRead]:
    """`ask()` sends the request and returns the services that accepted it; their outcomes for `request_id`, as
    they arrive (a service missing from the result did not report within `wait_seconds`)."""
    topic = settings.topic(PrivacyTopic.ERASURES.value)
    options = settings.kafka_client_options()
    partitions = (await partitions_of(settings.kafka_bootstrap_servers, [topic], **options)).get(topic)
    if not partitions:
        raise OutcomesMissing(f"{topic} does not exist on {settings.kafka_bootstrap_servers}: are the services "
                              "running against this Kafka (KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC_PREFIX)?")
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, group_id=None,
                                enable_auto_commit=False, client_id="tijara-privacy", **options)
    try:  # inside: a failed start is closed too
        await consumer.start()
        assigned = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(assigned)
        for tp, offset in (await consumer.end_offsets(assigned)).items():
            consumer.seek(tp, offset)  # from now on: the outcomes of this request (its id is new)
        expected = set(await ask())
        return await _read_until(consumer, request_id, expected, wait_seconds, progress)
    finally:
        await consumer.stop()


async def _read_until(consumer: AIOKafkaConsumer, request_id: str, expected: set[str], wait_seconds: float,
                      progress: Console) -> dict[str, OutcomeRead]:
    found: dict[str, OutcomeRead] = {}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    with progress.status(_waiting(expected, found)) as status:
        while set(found) < expected and loop.time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for outcome in filter(None, map(_outcome, records)):
                    if outcome.request_id == request_id and outcome.service in expected - set(found):
                        found[outcome.service] = outcome
                        progress.print(f"[green]✓[/] {outcome.service} reported: {len(outcome.records)} record(s)"
                                       + (" (already erased)" if outcome.already_erased else ""))
            status.update(_waiting(expected, found))
    return found


def _outcome(record: Any) -> OutcomeRead | None:
    try:
        envelope = decode_record(record, READERS)
    except PoisonEvent:
        return None  # not ours to judge: the operator's command only looks for its outcomes
    return None if envelope is None else envelope.data


def _waiting(expected: set[str], found: dict[str, OutcomeRead]) -> str:
    left = sorted(expected - set(found))
    return f"waiting for the outcomes on privacy.erasures: {len(found)}/{len(expected)} reported" + (
        f" ({', '.join(left)} to come)" if left else "")
