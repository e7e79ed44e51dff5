"""shared.inflight without a broker: batches pipelined, offsets committed in fetch order after their effects, order
per aggregate across batches, a failed batch rewound, drained before a rebalance or a shutdown. The real consumer
under kill -9, broker restarts and poison: tests/faults."""

from __future__ import annotations

import asyncio

from aiokafka import ConsumerRecord, TopicPartition

from shared.inflight import InFlight

TOPIC = "onboarding.suppliers"


class Consumer:
    """What InFlight uses of aiokafka's consumer, recording commits and seeks."""

    def __init__(self, partitions: int = 2) -> None:
        self.assigned = {TopicPartition(TOPIC, p) for p in range(partitions)}
        self.commits: list[dict[TopicPartition, int]] = []
        self.seeks: list[tuple[TopicPartition, int]] = []

    def assignment(self) -> set[TopicPartition]:
        return self.assigned

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        await asyncio.sleep(0)
        self.commits.append(offsets)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.seeks.append((partition, offset))


def record(partition: int, offset: int, key: str = "") -> ConsumerRecord:
    return ConsumerRecord(TOPIC, partition, offset, 0, 0, (key or f"k{offset}").encode(), b"{}", None, 0, 0, [])


def tp(partition: int) -> TopicPartition:
    return TopicPartition(TOPIC, partition)


class Handling:
    """A batch handler whose batches finish when told to, each aggregate's records chained as EventConsumer does."""

    def __init__(self, in_flight: InFlight) -> None:
        self.in_flight = in_flight
        self.released: dict[int, asyncio.Event] = {}
        self.applied: list[tuple[str, int]] = []
        self.fail: set[int] = set()  # first offsets of the batches that fail as a whole

    def release(self, first: int) -> None:
        self.released.setdefault(first, asyncio.Event()).set()

    async def __call__(self, records) -> None:
        first = records[0].offset
        gate = self.released.setdefault(first, asyncio.Event())

        async def one(r: ConsumerRecord) -> None:
            await gate.wait()
            self.applied.append((r.key.decode(), r.offset))

        await asyncio.gather(*(self.in_flight.chain(r.key, one(r)) for r in records))
        if first in self.fail:
            raise RuntimeError("dead letters unwritable")


async def started(coroutine) -> asyncio.Task:
    task = asyncio.ensure_future(coroutine)
    for _ in range(5):
        await asyncio.sleep(0)
    return task


async def test_the_next_batch_is_taken_while_one_is_in_flight_and_commits_follow_fetch_order():
    consumer, in_flight = Consumer(), InFlight("g")
    handle = Handling(in_flight)
    first = await started(in_flight.take(consumer, [record(0, 0), record(1, 0)], handle))
    assert first.done() and consumer.commits == []  # returned at once: its writes are in flight
    second = await started(in_flight.take(consumer, [record(0, 1), record(1, 1)], handle))
    handle.release(1)  # the second batch's effects are done first
    await asyncio.sleep(0.01)
    assert not second.done() and consumer.commits == []  # not committed before the first batch
    handle.release(0)
    await second
    await asyncio.sleep(0.01)
    assert consumer.commits == [{tp(0): 1, tp(1): 1}, {tp(0): 2, tp(1): 2}]


async def test_the_last_batch_is_committed_once_done_with_no_next_batch_coming():
    consumer, in_flight = Consumer(), InFlight("g")
    handle = Handling(in_flight)
    await in_flight.take(consumer, [record(0, 5), record(0, 6)], handle)
    handle.release(5)
    await asyncio.sleep(0.01)
    assert consumer.commits == [{tp(0): 7}]


async def test_an_aggregate_records_wait_for_its_records_of_the_batch_before():
    consumer, in_flight = Consumer(), InFlight("g")
    handle = Handling(in_flight)
    await started(in_flight.take(consumer, [record(0, 0, "sup-1"), record(0, 1, "sup-2")], handle))
    second = await started(in_flight.take(consumer, [record(0, 2, "sup-1"), record(0, 3, "sup-3")], handle))
    handle.release(2)
    await asyncio.sleep(0.01)
    assert handle.applied == [("sup-3", 3)]  # sup-1's second event waits for its first
    handle.release(0)
    await second
    assert handle.applied.index(("sup-1", 0)) < handle.applied.index(("sup-1", 2))


async def test_a_failed_batch_rewinds_at_once_and_what_was_fetched_before_the_rewind_is_dropped():
    consumer, in_flight = Consumer(), InFlight("g")
    handle = Handling(in_flight)
    handle.fail.add(0)
    await started(in_flight.take(consumer, [record(0, 0), record(0, 1)], handle))
    second = await started(in_flight.take(consumer, [record(0, 2), record(1, 7)], handle))
    handle.release(2)
    handle.release(0)
    await second
    # both batches uncommitted; every partition they held sought back to its first record, no next batch needed
    assert consumer.commits == []
    assert sorted(consumer.seeks) == [(tp(0), 0), (tp(1), 7)]
    handle.fail.clear()
    stale = [record(0, 4), record(1, 9)]  # fetched before the rewind
    await in_flight.take(consumer, stale, handle)
    assert 4 not in handle.released and 9 not in handle.released  # dropped, not handled
    again = [record(0, 0), record(0, 1), record(0, 2), record(1, 7)]
    await in_flight.take(consumer, again, handle)
    await in_flight.drain()
    assert consumer.commits == [{tp(0): 3, tp(1): 8}]


async def test_drain_commits_what_is_in_flight_and_a_closing_consumer_takes_nothing_more():
    consumer, in_flight = Consumer(), InFlight("g")
    handle = Handling(in_flight)
    await started(in_flight.take(consumer, [record(0, 0)], handle))
    draining = await started(in_flight.drain())
    assert not draining.done()
    handle.release(0)
    await draining
    assert consumer.commits == [{tp(0): 1}]
    in_flight.closing = True
    await in_flight.take(consumer, [record(0, 1)], handle)
    await in_flight.drain()
    assert consumer.commits == [{tp(0): 1}] and 1 not in handle.released


async def test_revoked_partitions_are_committed_before_the_rebalance_and_others_are_not():
    consumer, in_flight = Consumer(), InFlight("g")
    handle = Handling(in_flight)
    await started(in_flight.take(consumer, [record(0, 0), record(1, 0)], handle))
    revoking = await started(in_flight.listener().on_partitions_revoked({tp(0), tp(1)}))
    assert not revoking.done()  # the rebalance waits for the batch in flight
    handle.release(0)
    await revoking
    assert consumer.commits == [{tp(0): 1, tp(1): 1}]
    consumer.assigned = {tp(1)}  # partition 0 went to another member
    await started(in_flight.take(consumer, [record(0, 1), record(1, 1)], handle))
    handle.release(1)
    await in_flight.drain()
    assert consumer.commits[-1] == {tp(1): 2}


async def test_with_the_in_memory_test_broker_a_batch_is_handled_before_take_returns():
    class TestBrokerConsumer:  # FastStream's fake: no group, no assignment
        async def commit(self) -> None: ...

    in_flight = InFlight("g")
    handle = Handling(in_flight)
    handle.release(0)
    await in_flight.take(TestBrokerConsumer(), [record(0, 0)], handle)
    assert handle.applied == [("k0", 0)]
