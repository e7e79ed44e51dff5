"""Every service as two replicas (each its own port; one database and one consumer group per service; relays in
both; each showcase replica with its live model; notifications sending through Mailpit), under load over HTTP:
one replica of each is killed with -9 mid-stream and restarted. Then, from the real topics and every consumer's
store: each aggregate's events 1..version on its topic once (no gap, no second event for a sequence), every
projection at the aggregate's version, one Message-ID per message owed in Mailpit, and both showcase replicas'
page figures equal to a recount from the log."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import time
import uuid
from collections import Counter

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from deploy.local.marketplace import SERVICES, Marketplace
from services.showcase.feed.generations import active_generation, collection_name
from shared.contracts.envelope import Topic
from shared.storage.mongo import OUTBOX_SINCE
from tests.faults.conftest import KILLED_SESSION_TIMEOUT, prefix, record
from tests.faults.replicas import Ledger, Load
from tests.faults.world import Models, compare, duplicate_deliveries, read_all

pytestmark = pytest.mark.faults
QUIESCENCE_SECONDS = 90
AGGREGATES = {"onboarding": "suppliers", "catalogue": "products", "inquiries": "inquiries"}


def _distinct_ports(n: int) -> list[int]:
    """`n` free loopback ports, all held until all are chosen (free_port() one by one may repeat one)."""
    with contextlib.ExitStack() as held:
        probes = [held.enter_context(socket.socket()) for _ in range(n)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]


@pytest.fixture
def two_of_each(infrastructure, tmp_path_factory):
    run = uuid.uuid4().hex[:6]
    logs = tmp_path_factory.mktemp(f"replicas-{run}")
    env = {"KAFKA_TOPIC_PREFIX": f"replicas-{run}.", "OUTBOX_POLL_SECONDS": "0.5", "LOG_LEVEL": "WARNING",
           "CONSUMER_BACKOFF_SECONDS": "0.05", "SEND_POLL_SECONDS": "0.5", "SEND_LEASE_SECONDS": "5",
           "FLOOD_LIMIT_PER_HOUR": "100000", **KILLED_SESSION_TIMEOUT}
    ports = iter(_distinct_ports(3 + 2 * len(SERVICES)))
    shared = {"issuer_port": next(ports), "mail_ports": (next(ports), next(ports)), "database_prefix": f"rp_{run}"}
    a, b = (Marketplace(infrastructure.kafka, infrastructure.mongodb, ports={s: next(ports) for s in SERVICES},
                        log_dir=logs / name, extra_env=dict(env), **shared) for name in ("a", "b"))
    a.run_id = run
    a.start()  # the issuer, Mailpit and the six services
    try:
        b.start(*SERVICES)  # the same databases, topics and groups on other ports
        a.wait_ready(150)
        b.wait_ready(150)
        yield a, b
    finally:
        b.stop()
        a.stop()


async def test_one_replica_of_each_service_killed_9_mid_stream_loses_and_doubles_no_effect(two_of_each):
    a, b = two_of_each
    load = Load((a, b), a.run_id, suppliers=80)
    started = time.monotonic()
    flow = asyncio.create_task(load.run_all())
    while load.writes < 120 and not flow.done():  # events in every pipe
        await asyncio.sleep(0.1)
    assert not flow.done(), "the load ended before the kills"
    first_kill, at_kill = time.monotonic(), {}
    async with Busy(a) as busy:
        for service in SERVICES:  # each the moment its service has work in hand (a lag or an outbox)
            at_kill[service] = await busy.when_busy(service)
            a.signal(service, signal.SIGKILL)
            await asyncio.to_thread(a.processes[service].wait)
    assert not flow.done(), "the load ended before the last kill"
    killed = time.monotonic()
    a.start(*SERVICES)
    await asyncio.to_thread(a.wait_ready, 120, *SERVICES)
    restart = time.monotonic() - killed
    writes_at_restart = load.writes
    await flow
    load_s, ended = time.monotonic() - started, time.monotonic()
    state = await _until_quiet(a, load)
    quiet = time.monotonic() - ended
    records = await read_all(a.kafka, _topics(a))
    record({"test": "replicas kill-9 one of each", "replicas": 2 * len(SERVICES),
            "aggregates": sum(len(t) for t in state["truth"].values()), "acknowledged_writes": load.writes,
            "events": state["ledger"].distinct_events(), "duplicate_deliveries_absorbed": duplicate_deliveries(records),
            "killed": len(SERVICES), "killed_mid_batch": sum(1 for v in at_kill.values() if v),
            "in_flight_at_kill": json.dumps(at_kill).replace(" ", ""), "restarts": len(SERVICES),
            "kills_over_s": round(killed - first_kill, 1), "restart_s": round(restart, 1),
            "writes_at_restart": writes_at_restart, "requests_refused_or_cut": load.cuts,
            "messages": state["messages"], "resent_same_message_id": state["resends"],
            "lost": sum(v[0] for v in state["effects"].values()),
            "duplicated_effects": sum(v[1] for v in state["effects"].values()),
            **{f"page_{k}": v for k, v in state["recount"].items()}, "load_s": round(load_s, 1),
            "time_to_quiescence_s": round(quiet, 1)})
    wrong = {k: v for k, v in state["effects"].items() if v != (0, 0)}
    assert not wrong, f"(lost, duplicated) per effect: {wrong}"
    assert state["pages"] == [state["recount"]] * 2, f"pages {state['pages']} != recount {state['recount']}"
    assert load.acknowledged["supplier"] and load.acknowledged["product"] and load.acknowledged["inquiry"]


class Busy:
    """What a service has not finished: its consumer group's lag on this run's topics (committed offsets against
    the ends; the group commits after the effect) plus its aggregates' pending outbox."""

    def __init__(self, market: Marketplace) -> None:
        self.market = market
        self.admin = AIOKafkaAdminClient(bootstrap_servers=market.kafka)
        self.probe = AIOKafkaConsumer(bootstrap_servers=market.kafka, group_id=None, enable_auto_commit=False)
        self.store = AsyncMongoClient(market.mongodb)

    async def __aenter__(self) -> Busy:
        await self.admin.start()
        await self.probe.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.probe.stop()
        await self.admin.close()
        await self.store.close()

    async def of(self, service: str) -> int:
        committed = {tp: o.offset for tp, o in (await self.admin.list_consumer_group_offsets(
            f"tijara.{service}")).items() if tp.topic.startswith(prefix(self.market))}
        ends = await self.probe.end_offsets(list(committed)) if committed else {}
        busy = sum(max(0, ends[tp] - max(o, 0)) for tp, o in committed.items())
        if service in AGGREGATES:
            db = self.store[f"{self.market.database_prefix}_{service}"]
            busy += await db[AGGREGATES[service]].count_documents({OUTBOX_SINCE: {"$exists": True}})
        return busy

    async def when_busy(self, service: str, within: float = 2.0) -> int:
        """As soon as `service` has work in hand (or after `within` seconds): the moment to kill one replica."""
        deadline = time.monotonic() + within
        while not (busy := await self.of(service)) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return busy


def _topics(market: Marketplace) -> list[str]:
    return [prefix(market) + t.value for t in (Topic.SUPPLIERS, Topic.PRODUCTS, Topic.INQUIRIES)]


async def _until_quiet(market: Marketplace, load: Load) -> dict:
    deadline = time.monotonic() + QUIESCENCE_SECONDS
    while True:
        state = await _state(market, load)
        settled = not any(v != (0, 0) for v in state["effects"].values()) and state["pages"] == [state["recount"]] * 2
        if settled or time.monotonic() > deadline:
            return state
        await asyncio.sleep(1)


async def _state(market: Marketplace, load: Load) -> dict:
    client = AsyncMongoClient(market.mongodb, tz_aware=True)
    try:
        def db(service: str):
            return client[f"{market.database_prefix}_{service}"]

        async def versions(service: str, selector: dict) -> dict[str, int]:
            return {d["_id"]: d["version"] async for d in db(service)[AGGREGATES[service]].find(selector)}

        async def sequences(database, collection: str, ids) -> dict[str, int]:
            return {d["_id"]: d["sequence"] async for d in database[collection].find({"_id": {"$in": list(ids)}})}

        mine = {"supplier_id": {"$in": load.supplier_ids}}
        truth = {"suppliers": await versions("onboarding", {"_id": {"$in": load.supplier_ids}}),
                 "products": await versions("catalogue", mine), "inquiries": await versions("inquiries", mine)}
        pending = sum([await db(s)[c].count_documents({OUTBOX_SINCE: {"$exists": True}})
                       for s, c in AGGREGATES.items()])
        records = await read_all(market.kafka, _topics(market))
        ledger = Ledger.of(records, {k for t in truth.values() for k in t})
        versions_of = {k: v for t in truth.values() for k, v in t.items()}  # the stores hold every acknowledged write:
        effects = {"acknowledged": (sum(max(0, n - versions_of.get(k, 0)) for k, n in load.acked.items()), 0)}
        effects |= {f"log:{name}": ledger.against(t) for name, t in truth.items()}  # and the log each event once
        effects["outbox-pending"] = (pending, 0)
        showcase = db("showcase")
        generation = await active_generation(showcase)
        projections = {"catalogue:suppliers": (db("catalogue"), "suppliers", "suppliers"),
                       "inquiries:suppliers": (db("inquiries"), "suppliers", "suppliers"),
                       "inquiries:products": (db("inquiries"), "products", "products"),
                       "partners:suppliers": (db("partners"), "suppliers", "suppliers"),
                       **{f"showcase:{n}": (showcase, collection_name(n, generation), n)
                          for n in ("suppliers", "products", "inquiries")}}
        for name, (database, collection, of) in projections.items():
            want = {k: (v, None) for k, v in truth[of].items()}
            have = {k: (v, None) for k, v in (await sequences(database, collection, want)).items()}
            c = compare(Models(suppliers=want), Models(suppliers=have))
            effects[name] = (c.lost, c.duplicated)
        owed = ledger.expected_messages()
        sent = Counter(m["MessageID"].strip("<>").split("@")[0]
                       for m in await asyncio.to_thread(market.mailbox.messages, "", 10000))
        effects["notifications:message-ids"] = (len(owed - set(sent)), len(set(sent) - owed))
        pages = []
        async with httpx.AsyncClient(timeout=10) as http:
            for replica in load.replicas:
                page = (await http.get(f"{replica.url('showcase')}/api/countries/ma")).json()["headline"]
                pages.append({k: page[k] for k in ("verified_suppliers", "products", "inquiries_30d")})
        return {"truth": truth, "ledger": ledger, "effects": effects, "messages": len(owed),
                "resends": sum(n - 1 for n in sent.values()), "pages": pages,
                "recount": ledger.headline().get("MA", {})}
    finally:
        await client.close()
