"""Nothing lost, nothing doubled, poison isolated, the page rebuildable: the marketplace under faults.

Each test drives at least 2,000 events (published as upstream services would, plus suppliers applying over HTTP
through onboarding's outbox), injects a fault mid-stream, then waits (bounded) until every read model equals the
one computed from what was sent: showcase's page model, catalogue's supplier standings, inquiries' product view.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest
from pymongo import AsyncMongoClient

from deploy.local import stack
from shared.contracts.envelope import Topic, dead_letter_topic
from tests.faults.conftest import OnboardingLoad, database, prefix, record
from tests.faults.world import (
    Comparison,
    Models,
    Publisher,
    World,
    compare,
    duplicate_deliveries,
    projection,
    read_all,
    showcase_model,
)

pytestmark = pytest.mark.faults
CONVERGE_SECONDS = 90


async def converge(market, world: World, timeout: float = CONVERGE_SECONDS) -> dict[str, Comparison]:
    """Wait until showcase, catalogue and inquiries hold exactly the expected models (or time runs out)."""
    expected = world.expected()
    mongodb, tag = market.mongodb, world.tag
    deadline = time.monotonic() + timeout
    while True:
        result = {
            "showcase": compare(expected, await showcase_model(mongodb, database(market, "showcase"), tag)),
            "catalogue": compare(Models(suppliers=expected.suppliers), Models(suppliers=await projection(
                mongodb, database(market, "catalogue"), "suppliers", tag, "status"))),
            "inquiries": compare(Models(products=expected.products), Models(products=await projection(
                mongodb, database(market, "inquiries"), "products", tag, "listed"))),
        }
        if all(c.exact for c in result.values()) or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.5)


async def outbox_check(market, load: OnboardingLoad, timeout: float = CONVERGE_SECONDS) -> Comparison:
    """Suppliers created over HTTP: onboarding's own store is the truth; its outbox must drain and showcase must
    hold every one of them at the same version."""
    client = AsyncMongoClient(market.mongodb, tz_aware=True)
    try:
        onboarding = client[database(market, "onboarding")]["suppliers"]
        deadline = time.monotonic() + timeout
        while True:
            truth = {d["_id"]: (d["version"], d["status"]) async for d in onboarding.find(
                {"profile.ice": {"$in": load.ices}})}
            pending = await onboarding.count_documents({"profile.ice": {"$in": load.ices}, "outbox": {"$ne": []}})
            shown = {d["_id"]: (d["sequence"], d["status"]) async for d in client[database(market, "showcase")][
                "suppliers"].find({"_id": {"$in": list(truth)}})} if truth else {}
            comparison = compare(Models(suppliers=truth), Models(suppliers=shown))
            if (comparison.exact and not pending) or time.monotonic() > deadline:
                assert not pending, f"{pending} suppliers still have events in their outbox"
                return comparison
            await asyncio.sleep(0.5)
    finally:
        await client.close()


def assert_exact(result: dict[str, Comparison]) -> None:
    for name, c in result.items():
        assert c.exact, f"{name}: lost {c.lost}, duplicated {c.duplicated}, wrong {c.wrong}"


async def figures(market, test: str, world: World, sent: int, result: dict[str, Comparison],
                  recover: float, outbox: Comparison | None = None, **extra: object) -> None:
    records = await read_all(market.kafka, [prefix(market) + t.value for t in Topic])
    showcase = result["showcase"]
    record({"test": test, "events_sent": sent, "distinct_events": showcase.expected_events,
            "received": showcase.received, "lost": sum(c.lost for c in result.values()),
            "duplicated": sum(c.duplicated for c in result.values()),
            "duplicate_deliveries_absorbed": duplicate_deliveries(records),
            "http_outbox_events": outbox.expected_events if outbox else 0,
            "http_outbox_lost": outbox.lost if outbox else 0, "time_to_recover_s": round(recover, 1), **extra})


async def test_kill_9_each_service_mid_stream_loses_and_doubles_nothing(market):
    """2,400 events flowing (and suppliers applying over HTTP): each service in turn gets SIGKILL, and is restarted."""
    world = World.generate(f"k9{market.run_id}", 2400, seed=1)
    restarts, sent_at_kill = {}, {}
    with OnboardingLoad(market.url("onboarding"), suppliers=120, per_second=3, token=market.token) as load:
        async with Publisher(market.kafka, prefix(market)) as publisher:
            # paced (at most 120 s) while the four kill-restart cycles run (10-25 s each on a 2-core machine shared
            # with other suites: at 50/s, and at 30/s, the stream ended before the last kill under a load average of
            # 25+); the rest at full speed once the last service is back
            kills_done = asyncio.Event()
            flow = asyncio.create_task(publisher.send(world.envelopes, per_second=20, chunk=10,
                                                      paced_until=kills_done))
            for service in ("showcase", "catalogue", "inquiries", "onboarding"):
                await asyncio.sleep(1.0)  # mid-stream
                killed = time.monotonic()
                sent_at_kill[service] = publisher.sent
                market.signal(service, signal.SIGKILL)
                await asyncio.to_thread(market.processes[service].wait)
                market.start(service)
                await asyncio.to_thread(market.wait_ready, 60, service)
                restarts[service] = round(time.monotonic() - killed, 1)
            assert not flow.done(), f"the stream ended before the last kill (restarts {restarts} s)"
            kills_done.set()
            await flow
            sent = publisher.sent
        last_sent = time.monotonic()
    result = await converge(market, world)
    recover = time.monotonic() - last_sent
    outbox = await outbox_check(market, load)
    await figures(market, "kill-9 each service", world, sent, result, recover, outbox,
                  restart_s=json.dumps(restarts).replace(" ", ""),
                  sent_at_kill=json.dumps(sent_at_kill).replace(" ", ""))
    assert_exact(result)
    assert outbox.exact and outbox.expected_events > 0, outbox


async def test_kafka_broker_restart_mid_stream_loses_and_doubles_nothing(market_on_local_broker):
    market, profile = market_on_local_broker
    world = World.generate(f"br{market.run_id}", 2000, seed=7)
    half = len(world.envelopes) // 2
    with OnboardingLoad(market.url("onboarding"), token=market.token) as load:
        async with Publisher(market.kafka, prefix(market)) as publisher:
            await publisher.send(world.envelopes[:half])
            down = time.monotonic()
            await asyncio.to_thread(stack.restart_kafka, profile, 3.0)  # services are mid-way through the first half
            back = time.monotonic()
            await publisher.send(world.envelopes[half:])
            sent = publisher.sent
        await asyncio.sleep(1)
    result = await converge(market, world)
    recover = time.monotonic() - back
    outbox = await outbox_check(market, load)
    await figures(market, "broker restart", world, sent, result, recover, outbox,
                  broker_away_s=round(back - down, 1))
    assert_exact(result)
    assert outbox.exact and outbox.expected_events > 0, outbox


async def test_every_event_three_times_and_out_of_order_gives_the_same_model(market):
    world = World.generate(f"x3{market.run_id}", 800, seed=3)
    copies = world.envelopes * 3
    random.Random(3).shuffle(copies)  # older events after newer ones, within each aggregate too
    started = time.monotonic()
    async with Publisher(market.kafka, prefix(market)) as publisher:
        await publisher.send(copies)
    result = await converge(market, world)
    await figures(market, "3x and out of order", world, len(copies), result, time.monotonic() - started)
    assert_exact(result)


POISON = {  # ce_id suffix -> (topic, headers, value, expected dlq_error_type)
    "no-headers": (Topic.SUPPLIERS, {}, b'{"supplier_id": "x"}', "undecodable"),
    "not-json": (Topic.SUPPLIERS, {"ce_type": "ma.tijara.supplier.verified.v1"}, b"{not json", "undecodable"),
    "not-an-object": (Topic.PRODUCTS, {"ce_type": "ma.tijara.product.listed.v1"}, b"[1, 2, 3]", "undecodable"),
    "unknown-type": (Topic.PRODUCTS, {"ce_type": "ma.tijara.product.teleported.v1"}, b"{}", "unknown-type"),
    "schema-invalid": (Topic.INQUIRIES, {"ce_type": "ma.tijara.inquiry.received.v1"},
                       json.dumps({"inquiry_id": "i", "sequence": 0}).encode(), "schema-invalid"),
}
GROUPS = {Topic.SUPPLIERS: {"tijara.showcase", "tijara.catalogue"},
          Topic.PRODUCTS: {"tijara.showcase", "tijara.inquiries"}, Topic.INQUIRIES: {"tijara.showcase"}}


async def test_poison_of_each_kind_is_dead_lettered_with_its_reason_and_traffic_goes_on(market):
    world = World.generate(f"po{market.run_id}", 1000, seed=5)
    tag = world.tag
    third = len(world.envelopes) // 3
    started = time.monotonic()
    async with Publisher(market.kafka, prefix(market)) as publisher:
        await publisher.send(world.envelopes[:third])
        for name, (topic, headers, value, _) in POISON.items():
            ce = {"ce_specversion": "1.0", "ce_id": f"{tag}-{name}", "ce_source": "/partner"} if headers else {}
            await publisher.send_raw(topic, f"{tag}-{name}".encode(), value, {**ce, **headers}
                                     if headers else {"x-partner": name, "ce_id": f"{tag}-{name}"})
        await publisher.send(world.envelopes[third:])
    result = await converge(market, world)
    recover = time.monotonic() - started

    async def dead_letters():
        records = await read_all(market.kafka, [dead_letter_topic(prefix(market) + t.value) for t in Topic])
        found = {}
        for r in records:
            h = {k: v.decode() for k, v in r.headers}
            found.setdefault(h.get("ce_id"), []).append(h)
        return found

    deadline = time.monotonic() + 30
    while True:
        found = await dead_letters()
        missing = [(n, g) for n, (t, *_) in POISON.items() for g in GROUPS[t]
                   if g not in {h["dlq_consumer_group"] for h in found.get(f"{tag}-{n}", [])}]
        if not missing or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    await figures(market, "poison", world, len(world.envelopes) + len(POISON), result, recover,
                  poison_sent=len(POISON), dead_letters=sum(len(v) for v in found.values()))
    assert not missing, f"not dead-lettered: {missing}"
    for name, (topic, _, value, kind) in POISON.items():
        for h in found[f"{tag}-{name}"]:
            assert h["dlq_error_type"] == kind and h["dlq_error_message"] and h["dlq_attempts"] == "1", h
            assert h["dlq_original_topic"] == prefix(market) + topic.value
    assert_exact(result)

    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": market.kafka, "KAFKA_TOPIC_PREFIX": prefix(market),
           "COLUMNS": "200"}
    listed = subprocess.run([sys.executable, "-m", "cli", "dlq", "list"], env=env, capture_output=True, text=True)
    assert listed.returncode == 0 and all(k in listed.stdout for k in ("undecodable", "unknown-type", "schema-inv"))
    redrive = [sys.executable, "-m", "cli", "dlq", "redrive", "inquiries.inquiries", "--offset", "0", "--yes"]
    first = subprocess.run(redrive, env=env, capture_output=True, text=True)
    again = subprocess.run(redrive, env=env, capture_output=True, text=True)  # refused: it was sent back once
    assert first.returncode == 0 and "redriven 1" in first.stdout, first.stdout + first.stderr
    assert again.returncode == 1 and "already redriven" in again.stdout, again.stdout


async def test_sigterm_mid_batch_neither_loses_nor_doubles_the_in_flight_message(market):
    world = World.generate(f"st{market.run_id}", 2000, seed=9)
    async with Publisher(market.kafka, prefix(market)) as publisher:
        await publisher.send(world.envelopes)
        await asyncio.sleep(0.5)  # showcase is consuming batches now
        before = await showcase_model(market.mongodb, database(market, "showcase"), world.tag)
        termed = time.monotonic()
        market.signal("showcase", signal.SIGTERM)
        code = await asyncio.to_thread(market.processes["showcase"].wait, 30)
        stopped = time.monotonic() - termed
        market.start("showcase")
        await asyncio.to_thread(market.wait_ready, 60, "showcase")
    result = await converge(market, world)
    await figures(market, "sigterm mid-batch", world, len(world.envelopes), result, time.monotonic() - termed,
                  applied_before_sigterm=before.events(), graceful_exit_s=round(stopped, 1), exit_code=code)
    # uvicorn shuts down gracefully, then re-raises the signal: -15 after a clean exit; SIGKILL would be -9
    assert code in (0, -signal.SIGTERM) and stopped < 15, f"showcase did not shut down gracefully (exit {code})"
    assert_exact(result)


async def test_replay_showcase_while_the_page_is_read(market):
    world = World.generate(f"rp{market.run_id}", 1500, seed=11)
    later = World.generate(f"rl{market.run_id}", 300, seed=12)  # arrives during the replay
    async with Publisher(market.kafka, prefix(market)) as publisher:
        await publisher.send(world.envelopes)
        assert_exact(await converge(market, world))
        live = await showcase_model(market.mongodb, database(market, "showcase"), world.tag)

        stop, outcomes = threading.Event(), {"ok": 0, "failed": []}

        def read_page():
            with httpx.Client(timeout=10) as client:
                while not stop.is_set():
                    for path in ("/api/countries/ma", "/countries/ma"):
                        try:
                            response = client.get(market.url("showcase") + path)
                            if response.status_code == 200:
                                outcomes["ok"] += 1
                            else:
                                outcomes["failed"].append(response.status_code)
                        except httpx.HTTPError as error:
                            outcomes["failed"].append(repr(error))

        reader = threading.Thread(target=read_page)
        reader.start()
        started = time.monotonic()
        try:
            replay = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "cli", "replay", "showcase", "--yes", env=market.env("showcase"),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            await asyncio.sleep(0.5)
            await publisher.send(later.envelopes)
            output = (await asyncio.wait_for(replay.communicate(), 120))[0].decode()
        finally:
            stop.set()
            await asyncio.to_thread(reader.join)
    took = time.monotonic() - started
    assert replay.returncode == 0, output
    rebuilt = await showcase_model(market.mongodb, database(market, "showcase"), world.tag)
    result = await converge(market, world)
    result_later = await converge(market, later)
    await figures(market, "replay while reading", world, len(world.envelopes) + len(later.envelopes), result, took,
                  page_requests=outcomes["ok"], page_failures=len(outcomes["failed"]))
    assert not outcomes["failed"], outcomes["failed"][:5]
    assert outcomes["ok"] > 0
    assert rebuilt == live, "the rebuilt model differs from the live one"
    assert "generation 0 → 1" in output, output
    assert_exact(result)
    assert_exact(result_later)
