"""When a partition counts as stalled: records waiting and no committed progress for the threshold; and the checks
outlive a broker that is not there when they start."""

import asyncio
import gc
import logging
import socket
from types import SimpleNamespace

from aiokafka import TopicPartition
from prometheus_client import REGISTRY

from shared.messaging.progress import ConsumerProgress

TP = TopicPartition("unit.progress.inquiries", 1)
LABELS = {"group": "unit.g", "topic": TP.topic, "partition": "1"}


def _watch() -> ConsumerProgress:
    return ConsumerProgress(broker=None, bootstrap="", stall_seconds=60, client_options={})


def _stalled_metric() -> float:
    return REGISTRY.get_sample_value("tijara_partition_stalled", LABELS)


def test_waiting_records_without_a_commit_for_the_threshold_stall_the_partition_until_it_moves():
    progress = _watch()
    assert not progress._is_stalled("unit.g", TP, 10, lag=5, now=1000.0)
    assert not progress._is_stalled("unit.g", TP, 10, lag=7, now=1059.0)
    assert progress._is_stalled("unit.g", TP, 10, lag=9, now=1061.0) and _stalled_metric() == 1
    assert REGISTRY.get_sample_value("tijara_consumer_lag", LABELS) == 9
    assert not progress._is_stalled("unit.g", TP, 11, lag=8, now=1062.0) and _stalled_metric() == 0  # it moved


def test_an_idle_partition_with_nothing_waiting_never_stalls():
    progress = _watch()
    assert not progress._is_stalled("unit.g", TP, 10, lag=0, now=1000.0)
    assert not progress._is_stalled("unit.g", TP, 10, lag=0, now=5000.0)
    assert not progress._is_stalled("unit.g", TP, 10, lag=3, now=5030.0)  # records just arrived: the clock starts


def test_a_partition_moved_to_another_replica_stops_being_reported_here():
    progress = _watch()
    progress._is_stalled("unit.g", TP, 10, lag=2, now=1000.0)
    progress._forget_unassigned(set())
    assert REGISTRY.get_sample_value("tijara_consumer_lag", LABELS) is None and _stalled_metric() is None


async def test_a_broker_away_when_the_checks_start_is_waited_for_and_no_client_is_left_open(caplog):
    """A port nobody listens on (refused at once): the run keeps trying instead of ending, and each attempt's
    clients are closed (aiokafka logs "Unclosed AIOKafkaConsumer" for one that is not)."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    broker = SimpleNamespace(subscribers=[SimpleNamespace(group_id="unit.g")])
    progress = ConsumerProgress(broker, f"127.0.0.1:{port}", stall_seconds=60, client_options={})
    with caplog.at_level(logging.WARNING):
        run = asyncio.create_task(progress.run(every_seconds=0.05))
        await asyncio.sleep(0.5)
        assert not run.done()  # still trying
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
        gc.collect()
    assert sum("cannot reach Kafka" in r.getMessage() for r in caplog.records) >= 2
    assert not any("Unclosed" in r.getMessage() for r in caplog.records)
