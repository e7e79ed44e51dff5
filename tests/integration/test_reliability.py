"""The reliability kernel on the real servers: outbox gauges and recovery under steady wake-ups, retries with
backoff then the dead-letter topic, side effects once per event id."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from aiokafka import ConsumerRecord
from prometheus_client import REGISTRY
from pymongo import AsyncMongoClient

from shared.contracts.envelope import Envelope
from shared.messaging.consumer import ConsumerPolicy, EventConsumer
from shared.messaging.relay import OutboxRelay, make_broker
from shared.messaging.topics import ensure_topics, marketplace_topics
from shared.storage.mongo import (
    OUTBOX_SINCE,
    PENDING_OUTBOX,
    apply_if_newer,
    handle_once,
    outbox_entry,
    pending_outbox_index,
    save_aggregate,
    with_outbox,
)
from tests import factories
from tests.faults.world import read_all
from tests.integration.helpers import eventually, header, read_until, reads_index


def _gauge(name: str) -> float | None:
    return REGISTRY.get_sample_value(name)


async def _setup(infrastructure, unique):
    prefix = f"rel-{unique}."
    await ensure_topics(infrastructure.kafka, marketplace_topics(1, prefix))
    client = AsyncMongoClient(infrastructure.mongodb, tz_aware=True)
    broker = make_broker(infrastructure.kafka, f"test-{unique}")
    await broker.start()
    return prefix, client, client[f"rel_{unique}"], broker


def _pending(supplier_id: str, age: float) -> dict:
    entry = outbox_entry(Envelope(factories.supplier_submitted(supplier_id), "/test"))
    entry["created_at"] = datetime.now(UTC) - timedelta(seconds=age)
    return with_outbox({"_id": supplier_id, "version": 1}, [entry])


async def test_outbox_gauges_and_recovery_scan_while_writes_keep_waking_the_relay(infrastructure, unique):
    prefix, client, db, broker = await _setup(infrastructure, unique)
    suppliers = db["suppliers"]
    try:
        await suppliers.insert_many([_pending(f"sup-{unique}-a", 30), _pending(f"sup-{unique}-b", 5)])
        relay = OutboxRelay(broker, [suppliers], poll_seconds=0.5, topic_prefix=prefix)
        depth, age = await relay.measure()
        assert depth == 2 and 30 <= age < 60
        assert _gauge("tijara_outbox_depth") == 2 and _gauge("tijara_outbox_oldest_age_seconds") >= 30

        # Left by a crashed process (nobody wakes the relay for it) while other writes wake it all the time.
        task = asyncio.create_task(relay.run())
        stop = asyncio.Event()

        async def busy_writer():
            while not stop.is_set():
                relay.wake(suppliers, "someone-else")
                await asyncio.sleep(0.05)

        writer = asyncio.create_task(busy_writer())

        async def drained():
            assert await suppliers.count_documents({"outbox": {"$ne": []}}) == 0
            assert _gauge("tijara_outbox_depth") == 0 and _gauge("tijara_outbox_oldest_age_seconds") == 0

        await eventually(drained, timeout=10)
        stop.set()
        await writer
        relay.stop()
        await task
        sent = await read_until(infrastructure.kafka, f"{prefix}onboarding.suppliers",
                                lambda r: r.key == f"sup-{unique}-a".encode())
        assert header(sent, "ce_type") == "ma.tijara.supplier.application-submitted.v1"
    finally:
        await broker.stop()
        await client.drop_database(f"rel_{unique}")
        await client.close()


def _record(topic: str, envelope: Envelope, offset: int = 0) -> ConsumerRecord:
    headers = [(k, v.encode()) for k, v in envelope.headers().items()]
    return ConsumerRecord(topic, 0, offset, 0, 0, envelope.key, envelope.value(), None, 0, 0, headers)


async def test_transient_failures_retry_with_backoff_then_dead_letter_with_attempts(infrastructure, unique):
    prefix, client, _, broker = await _setup(infrastructure, unique)
    calls: list[float] = []

    async def flaky(envelope: Envelope) -> None:
        calls.append(asyncio.get_running_loop().time())
        if len(calls) < 3:
            raise ConnectionError("database away")

    async def broken(envelope: Envelope) -> None:
        raise ConnectionError("database still away")

    try:
        topic = f"{prefix}onboarding.suppliers"
        ok = Envelope(factories.supplier_submitted(f"sup-{unique}-ok"), "/test")
        bad = Envelope(factories.supplier_submitted(f"sup-{unique}-bad"), "/test")
        outcome = {"group": f"it.retry.{unique}", "type": ok.type}
        await EventConsumer(broker, outcome["group"], {ok.type: flaky}, ConsumerPolicy(3, 0.05)).consume([_record(topic, ok)])
        counted = {o: REGISTRY.get_sample_value("tijara_events_consumed_total", outcome | {"outcome": o})
                   for o in ("retried", "applied")}
        assert counted == {"retried": 2, "applied": 1}
        assert len(calls) == 3 and calls[2] - calls[1] >= 2 * (calls[1] - calls[0]) * 0.8  # exponential backoff
        await EventConsumer(broker, "it.retry", {bad.type: broken}, ConsumerPolicy(3, 0.01)).consume([_record(topic, bad, 1)])
        dead = await read_until(infrastructure.kafka, f"{topic}.dlq", lambda r: header(r, "ce_id") == bad.id)
        assert header(dead, "dlq_error_type") == "retries-exhausted" and header(dead, "dlq_attempts") == "3"
        assert "database still away" in header(dead, "dlq_error_message")
        assert header(dead, "dlq_consumer_group") == "it.retry" and header(dead, "ce_type") == bad.type
        assert header(dead, "dlq_original_topic") == topic and header(dead, "dlq_original_offset") == "1"
    finally:
        await broker.stop()
        await client.close()


async def test_a_side_effect_runs_once_per_event_id_and_again_after_a_failed_attempt(infrastructure, unique):
    client = AsyncMongoClient(infrastructure.mongodb, tz_aware=True)
    handled = client[f"rel_{unique}"]["handled_events"]
    effects: list[str] = []

    async def effect() -> None:
        effects.append("delisted")

    async def failing() -> None:
        raise ConnectionError("broker away")

    try:
        assert await handle_once(handled, "evt-1", effect)
        assert not await handle_once(handled, "evt-1", effect)  # redelivery
        assert await asyncio.gather(*(handle_once(handled, "evt-1", effect) for _ in range(5))) == [False] * 5
        try:
            await handle_once(handled, "evt-2", failing)
        except ConnectionError:
            pass
        assert await handle_once(handled, "evt-2", effect)  # the failed attempt did not count
        assert effects == ["delisted", "delisted"]
    finally:
        await client.drop_database(f"rel_{unique}")
        await client.close()


async def test_relay_keeps_events_pushed_while_it_publishes(infrastructure, unique):
    """A write that lands between the relay's read and its clearing update keeps its event and the pending marker."""
    prefix, client, db, broker = await _setup(infrastructure, unique)
    suppliers = db["suppliers"]
    try:
        await suppliers.insert_one(_pending(f"sup-{unique}", 1))
        relay = OutboxRelay(broker, [suppliers], topic_prefix=prefix)
        docs = await suppliers.find({}, {"outbox": 1}).to_list()
        late = outbox_entry(Envelope(factories.supplier_submitted(f"sup-{unique}", sequence=2), "/test"))
        await suppliers.update_one({"_id": f"sup-{unique}"}, {"$push": {"outbox": late}, "$min": {OUTBOX_SINCE: late["created_at"]}})
        assert await relay._publish(suppliers, docs) == 1
        stored = await suppliers.find_one({"_id": f"sup-{unique}"})
        assert [e["id"] for e in stored["outbox"]] == [late["id"]] and OUTBOX_SINCE in stored
        assert await relay.publish_all() == 1
        stored = await suppliers.find_one({"_id": f"sup-{unique}"})
        assert stored["outbox"] == [] and OUTBOX_SINCE not in stored
    finally:
        await broker.stop()
        await client.drop_database(f"rel_{unique}")
        await client.close()


async def test_relay_in_rounds_has_cleared_every_round_when_a_pass_returns(infrastructure, unique):
    """Rounds overlap (a round is cleared while the next is published), yet when a pass returns every outbox it
    published is empty and unmarked, woken or recovered, and each event went out once."""
    prefix, client, db, broker = await _setup(infrastructure, unique)
    suppliers = db["suppliers"]
    try:
        relay = OutboxRelay(broker, [suppliers], topic_prefix=prefix, round_size=2)
        woken = [f"woken-{unique}-{n}" for n in range(7)]
        await suppliers.insert_many([_pending(i, 1) for i in woken])
        for i in woken:
            relay.wake(suppliers, i)
        assert await relay.publish_woken() == 7
        assert await suppliers.count_documents({"$or": [{"outbox": {"$ne": []}}, PENDING_OUTBOX]}) == 0

        await suppliers.insert_many([_pending(f"crashed-{unique}-{n}", 1) for n in range(5)])
        assert await relay.publish_all() == 5
        assert await suppliers.count_documents({"$or": [{"outbox": {"$ne": []}}, PENDING_OUTBOX]}) == 0
        sent = await read_all(infrastructure.kafka, [f"{prefix}onboarding.suppliers"])
        assert sorted(r.key.decode() for r in sent) == sorted(woken + [f"crashed-{unique}-{n}" for n in range(5)])
    finally:
        await broker.stop()
        await client.drop_database(f"rel_{unique}")
        await client.close()


async def test_recovery_scan_reads_only_pending_aggregates_through_the_marker_index(infrastructure, unique):
    """The relay's recovery query is answered by the sparse marker index, not by reading every aggregate, and the
    index follows each write: pending at insert, marked by save_aggregate, cleared by the relay, deleted."""
    prefix, client, db, broker = await _setup(infrastructure, unique)
    suppliers = db["suppliers"]
    try:
        await suppliers.insert_many([{"_id": f"quiet-{n}", "version": 1, "outbox": []} for n in range(200)])
        await pending_outbox_index(suppliers)
        assert not reads_index((await suppliers.find({"version": 1}).explain())["queryPlanner"]["winningPlan"],
                                f"{OUTBOX_SINCE}_1")
        plan = (await suppliers.find(PENDING_OUTBOX).explain())["queryPlanner"]["winningPlan"]
        assert reads_index(plan, f"{OUTBOX_SINCE}_1"), plan

        await suppliers.insert_many([_pending(f"crashed-{unique}", 5), _pending(f"deleted-{unique}", 5)])
        await save_aggregate(suppliers, "quiet-7", 1, {"version": 2},
                             [Envelope(factories.supplier_submitted("quiet-7"), "/test")])
        await suppliers.delete_one({"_id": f"deleted-{unique}"})
        assert {d["_id"] async for d in suppliers.find(PENDING_OUTBOX)} == {f"crashed-{unique}", "quiet-7"}

        assert await OutboxRelay(broker, [suppliers], topic_prefix=prefix).publish_all() == 2
        assert await suppliers.find(PENDING_OUTBOX).to_list() == []
        await save_aggregate(suppliers, "quiet-7", 2, {"version": 3},
                             [Envelope(factories.supplier_submitted("quiet-7", sequence=2), "/test")])
        assert [d["_id"] async for d in suppliers.find(PENDING_OUTBOX)] == ["quiet-7"]
    finally:
        await broker.stop()
        await client.drop_database(f"rel_{unique}")
        await client.close()


async def test_apply_if_newer_keeps_the_newest_whatever_the_order(infrastructure, unique):
    """Projection writes on the real store: stale and repeated events change nothing, and a newer event racing an
    older one's first insert still lands."""
    client = AsyncMongoClient(infrastructure.mongodb, tz_aware=True)
    coll = client[f"newer_{unique}"]["suppliers"]
    try:
        assert await apply_if_newer(coll, "a", 2, {"status": "verified"})
        assert not await apply_if_newer(coll, "a", 1, {"status": "submitted"})  # stale
        assert not await apply_if_newer(coll, "a", 2, {"status": "verified"})  # repeated
        for n in range(10):  # the first insert of an older event racing a newer one
            await asyncio.gather(*(apply_if_newer(coll, f"race-{n}", s, {"status": f"s{s}"}) for s in (1, 3, 2)))
            assert (await coll.find_one({"_id": f"race-{n}"}))["sequence"] == 3
        assert (await coll.find_one({"_id": "a"}))["status"] == "verified"
    finally:
        await client.drop_database(f"newer_{unique}")
        await client.close()
