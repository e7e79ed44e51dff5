"""Consumer progress as the broker sees it: lag per partition, partitions that stopped moving, dead-letter depth.

Asked of the broker (committed offsets of the group, end and start offsets of the topics), so the figures survive
restarts and do not depend on what one process counted. Each process reports the partitions assigned to it (the
sum over replicas is the group's lag, without double counting); a partition with records waiting whose committed
offset has not moved for `stall_seconds` is *stalled*: the metric shows 1 and `/readyz` answers 503 naming it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from faststream.kafka import KafkaBroker
from prometheus_client import Gauge

from shared.contracts.envelope import dead_letter_topic

log = logging.getLogger(__name__)

CONSUMER_LAG = Gauge("tijara_consumer_lag", "Records after the group's committed offset, per assigned partition",
                     ["group", "topic", "partition"])
PARTITION_STALLED = Gauge("tijara_partition_stalled",
                          "1 when a partition has records waiting and its committed offset has not moved for the "
                          "stall threshold", ["group", "topic", "partition"])
DEAD_LETTERS_DEPTH = Gauge("tijara_dead_letters_depth", "Records held by a dead-letter topic (end minus start "
                           "offsets, read from the broker)", ["topic"])


@dataclass
class _Partition:
    committed: int | None = None
    progress_at: float = field(default_factory=time.monotonic)  # last time it moved, or had nothing waiting


class ConsumerProgress:
    """Watches the subscribers of one broker (this process's consumer groups); `run` refreshes every interval."""

    def __init__(self, broker: KafkaBroker, bootstrap: str, stall_seconds: float, client_options: dict[str, Any]):
        self._broker = broker
        self._bootstrap = bootstrap
        self._stall_seconds = stall_seconds
        self._options = client_options
        self._seen: dict[tuple[str, TopicPartition], _Partition] = {}
        self.stalled: list[str] = []  # "group topic[partition]" of the stalled ones, for /readyz

    async def run(self, every_seconds: float) -> None:
        """Checks every interval for as long as the process runs. A broker unreachable when the clients start is
        waited for (the figures would otherwise stay dark until a restart), and the clients are closed whatever
        happened."""
        if not self._subscribers():
            return
        while True:
            admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap, **self._options)
            probe = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, group_id=None, **self._options)
            try:
                await admin.start()
                await probe.start()
                while True:
                    try:
                        await self.check(admin, probe)
                    except Exception as error:  # a broker outage: readiness already says kafka is down
                        log.warning("consumer progress check failed: %s", error)
                    await asyncio.sleep(every_seconds)
            except (KafkaError, OSError) as error:
                log.warning("consumer progress check cannot reach Kafka (%s); trying again in %.0f s", error,
                            every_seconds)
            finally:
                await probe.stop()
                await admin.close()
            await asyncio.sleep(every_seconds)

    def _subscribers(self) -> list:
        return [s for s in self._broker.subscribers if getattr(s, "group_id", None)]

    async def check(self, admin: AIOKafkaAdminClient, probe: AIOKafkaConsumer) -> None:
        now, stalled, current = time.monotonic(), [], set()
        for subscriber in self._subscribers():
            group, assigned = subscriber.group_id, self._assigned(subscriber)
            if not assigned:
                continue
            committed = await admin.list_consumer_group_offsets(group, partitions=list(assigned))
            end = await probe.end_offsets(list(assigned))
            start = await probe.beginning_offsets(list(assigned))
            for tp in assigned:
                offset = committed[tp].offset if tp in committed and committed[tp].offset >= 0 else None
                lag = end[tp] - (start[tp] if offset is None else offset)
                if self._is_stalled(group, tp, offset, lag, now):
                    stalled.append(f"{group} {tp.topic}[{tp.partition}]")
                current.add((group, tp))
        self._forget_unassigned(current)
        self.stalled = stalled
        await self._measure_dead_letters(admin, probe)

    @staticmethod
    def _assigned(subscriber) -> set[TopicPartition]:
        consumer = getattr(subscriber, "consumer", None)
        return set(consumer.assignment()) if consumer is not None else set()

    def _is_stalled(self, group: str, tp: TopicPartition, offset: int | None, lag: int, now: float) -> bool:
        seen = self._seen.setdefault((group, tp), _Partition(offset, now))
        if offset != seen.committed or lag <= 0:
            seen.committed, seen.progress_at = offset, now
        stalled = lag > 0 and now - seen.progress_at > self._stall_seconds
        labels = (group, tp.topic, str(tp.partition))
        CONSUMER_LAG.labels(*labels).set(max(lag, 0))
        PARTITION_STALLED.labels(*labels).set(1 if stalled else 0)
        if stalled:
            log.error("%s makes no progress on %s[%d]: %d records waiting for %.0fs", group, tp.topic,
                      tp.partition, lag, now - seen.progress_at)
        return stalled

    def _forget_unassigned(self, current: set[tuple[str, TopicPartition]]) -> None:
        """A partition moved to another replica after a rebalance is reported there, not here."""
        for group, tp in set(self._seen) - current:
            del self._seen[(group, tp)]
            for gauge in (CONSUMER_LAG, PARTITION_STALLED):
                try:
                    gauge.remove(group, tp.topic, str(tp.partition))
                except KeyError:
                    pass

    async def _measure_dead_letters(self, admin: AIOKafkaAdminClient, probe: AIOKafkaConsumer) -> None:
        consumed = {tp.topic for _, tp in self._seen}
        depths = await topic_depths(admin, probe, sorted({dead_letter_topic(t) for t in consumed}))
        for topic, depth in depths.items():
            DEAD_LETTERS_DEPTH.labels(topic).set(depth)


async def topic_depths(admin: AIOKafkaAdminClient, probe: AIOKafkaConsumer, topics: list[str]) -> dict[str, int]:
    """Records each topic holds: end minus start offsets summed over its partitions (what retention has not yet
    removed); topics that do not exist are left out."""
    if not topics:
        return {}
    partitions = [TopicPartition(t["topic"], p["partition"]) for t in await admin.describe_topics(topics)
                  if t["error_code"] == 0 for p in t["partitions"]]
    end, start = await probe.end_offsets(partitions), await probe.beginning_offsets(partitions)
    depths: dict[str, int] = {}
    for tp in partitions:
        depths[tp.topic] = depths.get(tp.topic, 0) + end[tp] - start[tp]
    return depths
