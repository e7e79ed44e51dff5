"""A generated slice of the marketplace for fault tests: the events upstream services would publish, the read
models they must produce, and the comparison that counts what was lost or doubled.

Built on the contract's stable core only: ids, `sequence`, and the visibility rule (a product shows while it is
listed and its supplier verified), so it keeps working while the event models grow.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pymongo import AsyncMongoClient

from services.showcase.feed.generations import active_generation, collection_name
from shared.contracts.envelope import Envelope, Topic
from shared.messaging.topics import partitions_of
from tests import factories


@dataclass
class World:
    tag: str
    envelopes: list[Envelope] = field(default_factory=list)

    @classmethod
    def generate(cls, tag: str, events: int = 2000, seed: int = 4) -> World:
        """About `events` events: suppliers submitted (most then verified), products listed (some delisted),
        and inquiries, in a causal order per aggregate."""
        rng = random.Random(seed)
        world = cls(tag)
        suppliers = max(10, events // 20)
        products = max(20, events // 7)
        add = world.envelopes.append
        for s in range(suppliers):
            sid = f"{tag}-s{s}"
            add(Envelope(factories.supplier_submitted(sid), "/faults"))
            if rng.random() < 0.8:
                add(Envelope(factories.supplier_verified(sid), "/faults"))
        product_supplier = {}
        for p in range(products):
            pid, sid = f"{tag}-p{p}", f"{tag}-s{rng.randrange(suppliers)}"
            product_supplier[pid] = sid
            add(Envelope(factories.product_listed(pid, sid), "/faults"))
            if rng.random() < 0.2:
                add(Envelope(factories.product_delisted(pid, sid), "/faults"))
        pids = list(product_supplier)
        i = 0
        while len(world.envelopes) < events:
            pid = rng.choice(pids)
            add(Envelope(factories.inquiry_received(f"{tag}-i{i}", product_supplier[pid], pid), "/faults"))
            i += 1
        return world

    def expected(self) -> Models:
        """The newest state per aggregate, as (sequence, state)."""
        models = Models()
        for e in self.envelopes:
            data = e.data
            if e.topic == Topic.SUPPLIERS:
                target, state = models.suppliers, str(data.status)
            elif e.topic == Topic.PRODUCTS:
                target, state = models.products, type(data).__name__ == "ProductListed"
            else:
                target, state = models.inquiries, data.supplier_id
            if data.subject not in target or target[data.subject][0] < data.sequence:
                target[data.subject] = (data.sequence, state)
        return models


@dataclass
class Models:
    suppliers: dict[str, tuple[int, object]] = field(default_factory=dict)
    products: dict[str, tuple[int, object]] = field(default_factory=dict)
    inquiries: dict[str, tuple[int, object]] = field(default_factory=dict)

    def events(self) -> int:
        """How many events these states account for: an aggregate at sequence n has received events 1..n."""
        return sum(seq for m in (self.suppliers, self.products, self.inquiries) for seq, _ in m.values())


@dataclass
class Comparison:
    expected_events: int
    received: int
    lost: int
    duplicated: int
    wrong: list[str]

    @property
    def exact(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and not self.wrong


def compare(expected: Models, actual: Models) -> Comparison:
    """lost: events whose effect is missing (aggregate absent or behind); duplicated: effects beyond what was sent
    (unknown aggregates, sequences ahead); wrong: a state that differs at the right sequence."""
    lost = duplicated = received = 0
    wrong: list[str] = []
    for name in ("suppliers", "products", "inquiries"):
        want, got = getattr(expected, name), getattr(actual, name)
        for key, (seq, state) in want.items():
            have = got.get(key)
            if have is None:
                lost += seq
                continue
            received += min(seq, have[0])
            lost += max(0, seq - have[0])
            duplicated += max(0, have[0] - seq)
            if have[0] == seq and have[1] != state:
                wrong.append(f"{name}/{key}: {have[1]!r} != {state!r}")
        duplicated += sum(s for k, (s, _) in got.items() if k not in want)
    return Comparison(expected.events(), received, lost, duplicated, wrong[:10])


async def showcase_model(mongodb: str, database: str, tag: str) -> Models:
    """The showcase's read model for the aggregates of `tag`, from its active generation."""
    client = AsyncMongoClient(mongodb, tz_aware=True)
    try:
        db = client[database]
        generation = await active_generation(db)
        prefix = {"_id": {"$regex": f"^{tag}-"}}
        models = Models()
        async for d in db[collection_name("suppliers", generation)].find(prefix):
            models.suppliers[d["_id"]] = (d["sequence"], d.get("status"))
        async for d in db[collection_name("products", generation)].find(prefix):
            models.products[d["_id"]] = (d["sequence"], d.get("listed"))
        async for d in db[collection_name("inquiries", generation)].find(prefix):
            models.inquiries[d["_id"]] = (d["sequence"], d.get("supplier_id"))
        return models
    finally:
        await client.close()


async def projection(mongodb: str, database: str, collection: str, tag: str, field_name: str) -> dict:
    client = AsyncMongoClient(mongodb, tz_aware=True)
    try:
        cursor = client[database][collection].find({"_id": {"$regex": f"^{tag}-"}})
        return {d["_id"]: (d["sequence"], d.get(field_name)) async for d in cursor}
    finally:
        await client.close()


class Publisher:
    """Publishes as an upstream service would (keyed, CloudEvents headers, acks=all, idempotent), riding out a
    broker that is away for a while."""

    def __init__(self, bootstrap: str, prefix: str) -> None:
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                                         linger_ms=5, request_timeout_ms=5000)
        self.prefix = prefix
        self.sent = 0

    async def __aenter__(self) -> Publisher:
        await self.producer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.producer.stop()

    async def send(self, envelopes: list[Envelope], per_second: float | None = None, chunk: int = 100,
                   paced_until: asyncio.Event | None = None) -> None:
        """`per_second`: at most that many a second, until `paced_until` is set (then the rest at full speed)."""
        for start in range(0, len(envelopes), chunk):
            began = time.monotonic()
            part = envelopes[start:start + chunk]
            while True:
                try:
                    futures = [await self.producer.send(self.prefix + e.topic, e.value(), key=e.key,
                                                        headers=[(k, v.encode()) for k, v in e.headers().items()])
                               for e in part]
                    await asyncio.gather(*futures)
                    break
                except Exception:  # broker away: send the chunk again (consumers absorb the copies)
                    await asyncio.sleep(0.5)
            self.sent += len(part)
            if per_second and not (paced_until and paced_until.is_set()):
                await asyncio.sleep(max(0.0, len(part) / per_second - (time.monotonic() - began)))

    async def send_raw(self, topic: str, key: bytes | None, value: bytes, headers: dict[str, str]) -> None:
        await self.producer.send_and_wait(self.prefix + topic, value, key=key,
                                          headers=[(k, v.encode()) for k, v in headers.items()])


async def read_all(bootstrap: str, topics: list[str]) -> list:
    """Every record of `topics` up to their current end offsets (no consumer group)."""
    found = await partitions_of(bootstrap, topics)
    partitions = [TopicPartition(t, p) for t, ps in found.items() for p in ps]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for batch in (await consumer.getmany(*partitions, timeout_ms=1000)).values():
                records += batch
        return records
    finally:
        await consumer.stop()


def duplicate_deliveries(records: list) -> int:
    """Copies in the log beyond the first of each event id: what the consumers had to absorb."""
    ids = Counter(next((v for k, v in r.headers if k == "ce_id"), None) for r in records)
    return sum(n - 1 for i, n in ids.items() if i is not None)
