"""The event pipeline against its raw limits, measured in ONE run on the local stack: `make bench-scale`.

    .venv/bin/python -m bench.pipeline                  # 2,000 aggregates, then launch scale
    .venv/bin/python -m bench.pipeline --sizes 2000     # the small size only

For each size (the number of aggregates already in the collection: 2,000, then 250,000 = the launch data set's
largest collection, its inquiries), with the same 2,000 new events:
- raw limits: Kafka produce and consume (aiokafka, acks=all), the store's insert_one and update_one by `_id`
  (16 tasks each), and the write a consumer issues per event: an upsert of a new `_id` filtered on an older
  sequence (8 tasks, as a consumer has 8 aggregates in flight);
- the outbox relay (shared/messaging/), woken for 2,000 writes, events/s: alone (on a topic no service reads, as
  the raw limits ran alone), then beside the consumers; and a recovery pass over 20,000 pending;
- each consumer of the suppliers stream, as the real service process (catalogue, inquiries, showcase), events/s
  from the relay's first publish until its group has committed the last offset;
- the consumer kernel alone (EventConsumer + one apply_if_newer an event through the inquiries reader, in this
  process), events/s;
- end-to-end latency: a write (save_aggregate) at a steady pace until a consumer receives its event, percentiles;
- consumers write in bulks (shared.storage.coalescer), so also: the store's raw rate for those bulks (500 upserts a
  command; the showcase's own documents), and each consumer reading 2,000 events produced raw to its topic
  while it was paused (bound neither by the relay ahead of it nor by the log's production), against both the
  per-statement and the bulk limits, with the ceiling its measured CPU costs (its own, the store's, the broker's)
  put on the machine's cores.
Then once, `tijara replay showcase`'s code over a launch-sized log (5,000 suppliers, 50,000 products, 250,000 inquiry
events) produced raw to this run's replay topics, against a bare Kafka consumer of that log and the store's bulk
insert rate. `--profile DIR`: pyinstrument profiles of the kernel and the replay, py-spy samples of each service
process while it reads the produced log (`service-<name>-<run>.txt`: functions by share of samples).
Ratios are against the raw limits measured in the same run. Beside them, the CPU µs an event costs each process:
the consumer (the kernel's and the replay's: this process), the store and the broker, from their CPU counters
(/proc: 10 ms ticks, so `--log-events 10000` for figures to compare). Topics, groups and databases are this run's own.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import typer
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pyinstrument import Profiler
from pymongo import UpdateOne
from rich.console import Console
from rich.table import Table

from bench.rates import Busy, ceiling, rate, servers
from deploy.local import stack
from deploy.local.marketplace import Marketplace
from shared.contracts.envelope import Envelope, Topic
from shared.messaging.consumer import EventConsumer
from shared.messaging.relay import OutboxRelay, make_broker
from shared.messaging.topics import ensure_topics, marketplace_topics, partitions_of, retained
from shared.web.runtime import settle_heap
from shared.storage.mongo import apply_if_newer, connect, outbox_entry, save_aggregate, with_outbox
from tests import factories

console = Console(width=150)
EVENTS = 2_000
RECOVERY = 20_000
CONSUMERS = ("catalogue", "inquiries", "showcase")  # every reader of the suppliers stream
RAW_SECONDS = 3.0
FROM_LOG = "consumer events/s, log produced raw"
CEILING = "reading: the cores' ceiling at these CPU costs, events/s"
BULK_UPSERT = "bulk of 500 upserts of new _ids, per upsert /s (the consumers' write now)"
SHOWCASE_BULK = "bulk of 500 upserts of the showcase's own supplier documents, per upsert /s"
REPLAY = "tijara replay showcase events/s"
REPLAY_CEILING = "replay: the cores' ceiling at these CPU costs, events/s"
LAUNCH_SUPPLIERS, LAUNCH_PRODUCTS, LAUNCH_RECEIVED = 5_000, 50_000, 160_000  # + 90,000 answers = 250,000 inquiry events


class BenchMarketplace(Marketplace):
    """The real service processes on this run's topics, databases and consumer groups."""

    run: str = ""
    profiles: Path | None = None  # where the service processes' profiles go (py-spy, while consumers read a log)
    page_rebuild: bool = True  # False: the showcase's page rebuild put off past the run (its debounce an hour)

    def env(self, service: str) -> dict[str, str]:
        off = {"PAGE_DEBOUNCE_SECONDS": "3600"} if service == "showcase" and not self.page_rebuild else {}
        return {**super().env(service), "CONSUMER_GROUP_ID": f"bench-{self.run}-{service}", **off}

    async def sample(self, service: str) -> list[tuple[subprocess.Popen, Path]]:
        """py-spy sampling a service process until `summarise` (nothing without --profile)."""
        if self.profiles is None:
            return []
        self.profiles.mkdir(parents=True, exist_ok=True)
        spy = str(Path(sys.executable).with_name("py-spy"))
        raw = self.profiles / f"service-{service}-{self.run}.collapsed"
        sampling = subprocess.Popen([spy, "record", "--pid", str(self.processes[service].pid), "--format", "raw",
                                     "--rate", "250", "--output", str(raw)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await asyncio.sleep(1.0)  # attached before the first event
        return [(sampling, raw)]


def summarise(sampling: list[tuple[subprocess.Popen, Path]], top: int = 40) -> None:
    """Stop the samplers; per service, the functions by share of samples they are on the stack of."""
    for spy, raw in sampling:
        spy.send_signal(signal.SIGINT)
        spy.wait(30)
        inclusive: dict[str, int] = defaultdict(int)
        total = 0
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            total += int(count)
            for frame in set(stack.split(";")):
                inclusive[frame] += int(count)
        lines = [f"{n / total:6.1%}  {frame}" for frame, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]]
        raw.with_suffix(".txt").write_text(f"{total} samples\n" + "\n".join(lines) + "\n")


def _aggregate(n: int) -> dict:
    """A supplier aggregate as onboarding stores it, roughly (a profile's worth of bytes), no pending event."""
    return {"_id": f"sup-{n}", "version": 1, "status": "verified", "outbox": [],
            "profile": {"legal_name": f"Supplier {n} SARL", "region": "Souss-Massa", "text": "x" * 600}}


def _envelope(run: str, n: int) -> Envelope:
    return Envelope(factories.supplier_submitted(f"sup-{run}-{n}"), "/bench")


async def raw_store(db, size: int) -> dict[str, float]:
    scratch = db["raw_inserts"]
    counter = iter(range(10**9))
    insert = await rate(lambda _: scratch.insert_one({**_aggregate(0), "_id": next(counter)}), 16, 1, RAW_SECONDS)
    touch = {"$inc": {"touched": 1}}
    update = await rate(lambda n: db["suppliers"].update_one({"_id": f"sup-{n}"}, touch), 16, size, RAW_SECONDS)
    fresh = iter(range(10**9))
    newer = {"$set": {"status": "submitted", "sequence": 1}}
    upsert = await rate(lambda _: scratch.update_one({"_id": f"new-{next(fresh)}", "sequence": {"$lt": 1}}, newer,
                                                     upsert=True), 8, 1, RAW_SECONDS)
    await scratch.drop()
    return {"insert_one /s": insert, "update_one by _id /s": update,
            "upsert of a new _id, 8 tasks /s (a consumer's write)": upsert}


async def raw_kafka(bootstrap: str, topic: str, count: int) -> dict[str, float]:
    value = _envelope("raw", 0).value()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    started = time.perf_counter()
    futures = [await producer.send(topic, value, key=str(n).encode()) for n in range(count)]
    await asyncio.gather(*futures)
    produce = count / (time.perf_counter() - started)
    await producer.stop()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    got, started = 0, time.perf_counter()
    while got < count:
        got += sum(len(r) for r in (await consumer.getmany(timeout_ms=1000, max_records=5000)).values())
    consume = count / (time.perf_counter() - started)
    await consumer.stop()
    return {"Kafka produce /s": produce, "Kafka consume /s": consume}


async def end_offset(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    partitions = [TopicPartition(topic, n) for n in (await partitions_of(bootstrap, [topic]))[topic]]
    ends = await consumer.end_offsets(partitions)
    await consumer.stop()
    return sum(ends.values())


async def committed(admin: AIOKafkaAdminClient, group: str, topic: str) -> int:
    offsets = await admin.list_consumer_group_offsets(group)
    return sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset > 0)


async def relay_woken(run: str, coll, broker, prefix: str, size: int) -> tuple[int, float, float]:
    """2,000 writes (save_aggregate) on existing aggregates, then the relay woken for each, as after requests:
    the events it sent, when it started and its rate (the writes are not timed); the aggregates stay reusable."""
    ids = {f"sup-{n}": n for n in random.sample(range(size), EVENTS)}
    await asyncio.gather(*(save_aggregate(coll, i, 1, {"version": 2}, [_envelope(run, n)]) for i, n in ids.items()))
    relay = OutboxRelay(broker, [coll], topic_prefix=prefix)
    for i in ids:
        relay.wake(coll, i)
    started = time.perf_counter()
    sent = await relay.publish_woken()
    per_second = sent / (time.perf_counter() - started)
    await coll.update_many({"_id": {"$in": list(ids)}}, {"$set": {"version": 1}})
    return sent, started, per_second


async def relay_alone(run: str, db, broker, prefix: str, size: int) -> dict[str, float]:
    """The relay on topics no service reads, so it shares the machine with the store and Kafka only, as the raw
    limits it is compared with did (beside the consumers, the same 2 cores also run three service processes)."""
    _, _, per_second = await relay_woken(f"{run}-alone", db["suppliers"], broker, prefix, size)
    return {"relay alone events/s": per_second}


async def relay_and_consumers(run: str, db, broker, bootstrap: str, prefix: str, size: int) -> dict[str, float]:
    """2,000 writes on existing aggregates, the relay woken for each, the three consumers reading behind it."""
    coll, topic = db["suppliers"], prefix + Topic.SUPPLIERS.value
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    before = await end_offset(bootstrap, topic)  # consumers may still be reading earlier events: count from here
    sent, started, per_second = await relay_woken(run, coll, broker, prefix, size)
    figures = {"relay events/s": per_second}
    pending = set(CONSUMERS)
    while pending and time.perf_counter() - started < 600:
        for c in list(pending):
            if await committed(admin, f"bench-{run}-{c}", topic) - before >= sent:
                figures[f"{c} consumer events/s"] = sent / (time.perf_counter() - started)
                pending.discard(c)
        await asyncio.sleep(0.1)
    await admin.close()
    return figures


async def recovery(run: str, db, broker, prefix: str) -> dict[str, float]:
    """20,000 aggregates left with a pending event each (as by a crash after the write): one recovery pass."""
    coll = db["suppliers"]
    entries = (with_outbox({"_id": f"crashed-{run}-{n}", "version": 1},
                           [outbox_entry(_envelope(run, 10**7 + n))]) for n in range(RECOVERY))
    batch: list[dict] = []
    for doc in entries:
        batch.append(doc)
        if len(batch) == 1000:
            await coll.insert_many(batch)
            batch = []
    relay = OutboxRelay(broker, [coll], topic_prefix=prefix)
    started = time.perf_counter()
    sent = await relay.publish_all()
    seconds = time.perf_counter() - started
    await coll.delete_many({"_id": {"$regex": f"^crashed-{run}-"}})
    return {"recovery pass over 20,000 pending, s": seconds, "recovery events/s": sent / seconds}


async def latency(run: str, db, broker, bootstrap: str, prefix: str, size: int, count: int = 500,
                  pace: float = 200.0) -> dict[str, float]:
    """Writes at a steady pace with the relay running as in a service; write -> received by a Kafka consumer."""
    coll, topic = db["suppliers"], prefix + Topic.SUPPLIERS.value
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="latest")
    await consumer.start()
    await consumer.getmany(timeout_ms=500)  # assigned and positioned at the end before the first write
    relay = OutboxRelay(broker, [coll], topic_prefix=prefix)
    running = asyncio.create_task(relay.run())
    written: dict[str, float] = {}
    delays: list[float] = []

    async def write() -> None:
        for i, n in enumerate(random.sample(range(size), count)):
            envelope = _envelope(f"{run}-lat", n)
            written[envelope.id] = time.perf_counter()
            await save_aggregate(coll, f"sup-{n}", 1, {"version": 2}, [envelope])
            await coll.update_one({"_id": f"sup-{n}"}, {"$set": {"version": 1}})  # ready for a second pick
            relay.wake(coll, f"sup-{n}")
            await asyncio.sleep(max(0.0, (i + 1) / pace - (time.perf_counter() - begin)))

    begin = time.perf_counter()
    writer = asyncio.create_task(write())
    deadline = time.perf_counter() + 120
    while len(delays) < count and time.perf_counter() < deadline:
        for records in (await consumer.getmany(timeout_ms=200)).values():
            for record in records:
                event_id = dict(record.headers).get("ce_id", b"").decode()
                if event_id in written:
                    delays.append(time.perf_counter() - written[event_id])
    await writer
    relay.stop()
    await running
    await consumer.stop()
    q = statistics.quantiles(delays, n=100)
    return {"latency p50 ms": q[49] * 1000, "latency p95 ms": q[94] * 1000, "latency p99 ms": q[98] * 1000}


async def raw_bulk(db) -> dict[str, float]:
    """The store's raw rate for the writes consumers issue now that they go in bulks (shared.storage.coalescer): bulks of
    500 upserts of new `_id`s filtered on an older sequence (apply_if_newer's statement: showcase, inquiries), and
    the catalogue's round for 500 events that delist nothing (upsert, read the standing by `_id` `$in`; an event
    that delists also records itself in `handled`, before and after), one after the other as the consumer issues
    them."""
    scratch, fresh = db["raw_bulk"], iter(range(10**9))
    newer = {"$set": {"status": "submitted", "sequence": 1}}

    def upserts() -> tuple[list[str], list[UpdateOne]]:
        ids = [f"new-{next(fresh)}" for _ in range(500)]
        return ids, [UpdateOne({"_id": i, "sequence": {"$lt": 1}}, newer, upsert=True) for i in ids]

    async def upsert_bulk(_: int) -> None:
        await scratch.bulk_write(upserts()[1], ordered=False)

    fields = _showcase_fields()

    async def showcase_bulk(_: int) -> None:  # the showcase's own upserts for the bench's events, as it writes them
        await scratch.bulk_write([UpdateOne({"_id": f"new-{next(fresh)}", "sequence": {"$lt": 1}},
                                            {"$set": {**fields, "sequence": 1}}, upsert=True) for _ in range(500)],
                                 ordered=False)

    busy = Busy({"bench": os.getpid(), **servers()})
    upsert = await rate(upsert_bulk, 1, 1, RAW_SECONDS) * 500
    bulk_cpu = busy.per_event(round(upsert * (time.perf_counter() - busy.started)))
    showcase = await rate(showcase_bulk, 1, 1, RAW_SECONDS) * 500
    await scratch.drop()
    return {BULK_UPSERT: upsert, **{f"bulk upsert: {name} CPU µs/upsert": us for name, us in bulk_cpu.items()},
            SHOWCASE_BULK: showcase}


def _showcase_fields() -> dict:
    """What the showcase `$set`s for one of the events the consumers read (a supplier's projection: its profile
    included), through its own reader and projection: ~300 bytes of JSON against the plain upsert's ~40."""
    from services.showcase.feed.projection import route
    from services.showcase.feed.readers import READERS
    from shared.messaging.decoding import decode

    envelope = _envelope("raw", 0)
    _, _, fields = route(decode(envelope.headers(), envelope.value(), READERS).data)
    return fields


async def consumers_from_log(run: str, bootstrap: str, prefix: str, market: BenchMarketplace, size: int,
                             events: int = EVENTS) -> dict[str, float]:
    """Each suppliers-stream consumer (the real service process) reading `events` (2,000 by default) produced raw
    to its topic beforehand: produced while every consumer is paused (SIGSTOP, well within their session timeout),
    then events/s from the consumer's resumption until its group has committed the last offset. So neither the
    relay ahead of it nor the production of the log (the producer's CPU and the broker's) is in its figure, as
    neither is in the raw bulk it is divided by; the other two stay paused meanwhile, then catch up before the
    next one is measured."""
    topic = prefix + Topic.SUPPLIERS.value
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    figures = {}
    for consumer in CONSUMERS:
        processes = [market.processes[c] for c in CONSUMERS]
        # suppliers new to the consumer at every size, as in the raw bulk it is divided by (the same ids again
        # would measure redeliveries: each write a duplicate-key error, then its retry)
        envelopes = [_envelope(f"{run}-log-{size}-{consumer}", n) for n in range(events)]
        before = await end_offset(bootstrap, topic)
        sampling = await market.sample(consumer)  # attached before the pause
        for process in processes:
            process.send_signal(signal.SIGSTOP)
        try:
            sent = [await producer.send(topic, e.value(), key=e.data.subject.encode(),
                                        headers=[(k, v.encode()) for k, v in e.headers().items()]) for e in envelopes]
            await asyncio.gather(*sent)
            busy = Busy({consumer: market.processes[consumer].pid, **servers()})
            started = time.perf_counter()
            market.processes[consumer].send_signal(signal.SIGCONT)
            await until_committed(admin, [f"bench-{run}-{consumer}"], topic, before + events)
            figures[f"{consumer} {FROM_LOG}"] = events / (time.perf_counter() - started)
            figures |= {f"{consumer} reading: {name} CPU, % of a core": 100 * share
                        for name, share in busy.shares().items()}
            costs = busy.per_event(events)
            figures |= {f"{consumer} reading: {name} CPU µs/event": us for name, us in costs.items()}
            figures[f"{consumer} {CEILING}"] = ceiling(costs)
            await asyncio.to_thread(summarise, sampling)
        finally:
            for process in processes:
                process.send_signal(signal.SIGCONT)
        await until_committed(admin, [f"bench-{run}-{c}" for c in CONSUMERS], topic, before + events)
    await producer.stop()
    await admin.close()
    return figures


async def until_committed(admin: AIOKafkaAdminClient, groups: list[str], topic: str, offsets: int) -> None:
    deadline = time.perf_counter() + 600
    while time.perf_counter() < deadline:
        if all([await committed(admin, g, topic) >= offsets for g in groups]):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{groups} did not commit {offsets} offsets of {topic} in 10 minutes")


async def consumer_kernel(run: str, db, profiles: Path | None, events: int = EVENTS) -> dict[str, float]:
    """The consumer machinery alone, in this process: EventConsumer handling `events` records (2,000 by default, as
    many as each consumer reads from the log) in batches of 500 with
    one apply_if_newer each, through the inquiries consumer's own reader (what that consumer does per supplier
    event), so its cost is seen apart from the service processes' share of the CPU, with the CPU µs an event costs
    this process and the store; with `profiles`, a pyinstrument profile of it."""
    from services.inquiries.readers import READERS

    coll = db["kernel_suppliers"]
    records = []
    for n in range(events):
        envelope = _envelope(f"{run}-kernel", n)
        headers = [(k, v.encode()) for k, v in envelope.headers().items()]
        records.append(ConsumerRecord(Topic.SUPPLIERS.value, n % 3, n // 3, 0, 0, envelope.data.subject.encode(),
                                      envelope.value(), None, 0, 0, headers))

    async def apply(envelope: Envelope) -> None:
        await apply_if_newer(coll, envelope.subject, envelope.data.sequence, {"status": "submitted"})

    consumer = EventConsumer(None, "bench-kernel", {_envelope(run, 0).type: apply},  # type: ignore[arg-type]
                             readers=READERS)
    profiler = Profiler(async_mode="enabled") if profiles else None
    if profiler:
        profiler.start()
    busy = Busy(servers())
    started, own = time.perf_counter(), time.process_time()  # this process's CPU to the µs, not in clock ticks
    for start in range(0, events, 500):
        await consumer.consume(records[start:start + 500])
    seconds = time.perf_counter() - started
    cpu = {"consumer kernel": (time.process_time() - own) * 1e6 / events, **busy.per_event(events)}
    if profiler:
        profiler.stop()
        profiles.mkdir(parents=True, exist_ok=True)
        (profiles / f"consumer-kernel-{run}.txt").write_text(profiler.output_text(unicode=True, color=False))
    await coll.drop()
    return {"consumer kernel (in-process) events/s": events / seconds,
            **{f"consumer kernel: {name} CPU µs/event": us for name, us in cpu.items()}}


def _launch_log(run: str):
    """(topic, envelope) of a launch-sized log: 5,000 suppliers verified, 50,000 products listed, 250,000 inquiry
    events (160,000 received, 90,000 of them answered a little later in the log)."""
    for n in range(LAUNCH_SUPPLIERS):
        yield Topic.SUPPLIERS, Envelope(factories.supplier_verified(f"sup-{run}-{n}"), "/bench")
    for n in range(LAUNCH_PRODUCTS):
        yield Topic.PRODUCTS, Envelope(factories.product_listed(f"prd-{run}-{n}", f"sup-{run}-{n % 5000}"), "/bench")
    for i in range(LAUNCH_RECEIVED + 500):
        if i < LAUNCH_RECEIVED:
            yield Topic.INQUIRIES, Envelope(factories.inquiry_received(
                f"inq-{run}-{i}", f"sup-{run}-{i % 5000}", f"prd-{run}-{i % 50000}"), "/bench")
        j = i - 500
        if j >= 0 and j % 16 < 9:
            yield Topic.INQUIRIES, Envelope(factories.inquiry_responded(
                f"inq-{run}-{j}", f"sup-{run}-{j % 5000}", f"prd-{run}-{j % 50000}", factories.NOW), "/bench")


async def replay(run: str, p: stack.Profile, db, profiles: Path | None) -> dict[str, float]:
    """`tijara replay showcase`'s own code (replay_showcase) over a launch-sized log produced raw to this run's
    replay topics (read by no service), against the raw rates of the same run: consuming that log with a bare
    aiokafka consumer, and bulk inserts of 1,000 documents into the store."""
    from services.showcase.feed.replay import replay_showcase
    from services.showcase.main import Settings

    prefix = f"bench-{run}.replay."
    await ensure_topics(p.bootstrap, [retained(prefix + t.value, 3, -1) for t in Topic])
    producer = AIOKafkaProducer(bootstrap_servers=p.bootstrap, acks="all", enable_idempotence=True, linger_ms=20,
                                max_batch_size=256 * 1024)
    await producer.start()
    sent = []
    for topic, e in _launch_log(run):
        sent.append(await producer.send(prefix + topic.value, e.value(), key=e.data.subject.encode(),
                                        headers=[(k, v.encode()) for k, v in e.headers().items()]))
    await asyncio.gather(*sent)
    await producer.stop()
    figures = {"replay log, events": float(len(sent)), **await raw_log_consume(p.bootstrap, prefix, len(sent))}
    scratch = db["raw_bulk_insert"]
    docs = iter(range(10**9))
    insert = await rate(lambda _: scratch.insert_many(
        [{"_id": f"d{next(docs)}", "supplier_id": "sup-1", "received_at": datetime.now(UTC), "answered": 0,
          "buyer_country": "US", "sequence": 1} for _ in range(1000)]), 1, 1, RAW_SECONDS) * 1000
    await scratch.drop()
    figures["store bulk insert (1,000 a command) docs/s"] = insert
    settings = Settings(kafka_bootstrap_servers=p.bootstrap, mongodb_url=p.mongodb_url,
                        mongodb_database=f"bench_{run}_replay", kafka_topic_prefix=prefix)
    profiler = Profiler(async_mode="enabled") if profiles else None
    if profiler:
        profiler.start()
    busy = Busy({"replay": os.getpid(), **servers()})
    report = await replay_showcase(settings)
    cpu = busy.per_event(report.records)
    if profiler:
        profiler.stop()
        profiles.mkdir(parents=True, exist_ok=True)
        (profiles / f"replay-{run}.txt").write_text(profiler.output_text(unicode=True, color=False))
    client = connect(p.mongodb_url)
    await client.drop_database(f"bench_{run}_replay")
    await client.close()
    return figures | {REPLAY: report.records / report.seconds, "replay seconds (whole command)": report.seconds,
                      **{f"replay: {name} CPU µs/event": us for name, us in cpu.items()},
                      REPLAY_CEILING: ceiling(cpu)}


async def raw_log_consume(bootstrap: str, prefix: str, count: int) -> dict[str, float]:
    consumer = AIOKafkaConsumer(*(prefix + t.value for t in Topic), bootstrap_servers=bootstrap,
                                auto_offset_reset="earliest", group_id=None, max_poll_records=5000)
    await consumer.start()
    got, started = 0, time.perf_counter()
    while got < count:
        got += sum(len(r) for r in (await consumer.getmany(timeout_ms=1000, max_records=5000)).values())
    seconds = time.perf_counter() - started
    await consumer.stop()
    return {"Kafka consume of the replay log /s": count / seconds}


async def prefill(db, size: int) -> float:
    coll, have = db["suppliers"], await db["suppliers"].count_documents({})
    started = time.perf_counter()
    for start in range(have, size, 2000):
        await coll.insert_many([_aggregate(n) for n in range(start, min(size, start + 2000))])
    return (size - have) / (time.perf_counter() - started) if size > have else 0.0


async def measure(p: stack.Profile, sizes: list[int], profiles: Path | None,
                  replay_log: bool = True, consumers_only: bool = False,
                  log_events: int = EVENTS, page_rebuild: bool = True) -> list[dict[str, float]]:
    run = uuid.uuid4().hex[:6]
    settle_heap()  # this process's collector as a service process's once started (shared.web.runtime)
    # No database name may be a prefix of another: the local store's dropDatabase would drop both (see store.py)
    prefix, dbname, services_db = f"bench-{run}.", f"bench_{run}_relay", f"bench_{run}_svc"
    raw_topic, recovery_prefix = prefix + "raw", prefix + "recovery."  # read by no service
    await ensure_topics(p.bootstrap, [*marketplace_topics(3, prefix), retained(raw_topic, 3, -1),
                                      retained(recovery_prefix + Topic.SUPPLIERS.value, 3, -1)])
    client = connect(p.mongodb_url)
    db = client[dbname]
    broker = make_broker(p.bootstrap, "bench")
    await broker.start()
    offset = int(os.environ.get("TIJARA_STACK_PORT_OFFSET", "0"))
    market = BenchMarketplace(p.bootstrap, p.mongodb_url, ports={c: 8060 + offset + i for i, c in enumerate(CONSUMERS)},
                              database_prefix=services_db, extra_env={"KAFKA_TOPIC_PREFIX": prefix})
    market.run, market.profiles, market.page_rebuild = run, profiles, page_rebuild
    market.start(*CONSUMERS)
    rows = []
    try:
        await asyncio.to_thread(market.wait_ready, 90.0)
        for size in sizes:
            console.print(f"[bold]{size:,}[/] aggregates in the collection …")
            row = {"aggregates": size, "insert_many /s (prefill)": await prefill(db, size)}
            if not consumers_only:
                row |= await raw_kafka(p.bootstrap, raw_topic, 20_000)
            row |= await raw_store(db, size)
            if not consumers_only:
                row |= await relay_alone(run, db, broker, recovery_prefix, size)
                row |= await relay_and_consumers(run, db, broker, p.bootstrap, prefix, size)
            row |= await raw_bulk(db)
            row |= await consumers_from_log(run, p.bootstrap, prefix, market, size, log_events)
            row |= await consumer_kernel(run, db, profiles, log_events)
            if not consumers_only:
                row |= await recovery(run, db, broker, recovery_prefix)
                row |= await latency(run, db, broker, p.bootstrap, prefix, size)
            rows.append(row)
            report(rows)
        if replay_log and not consumers_only:
            report_replay(await replay(run, p, db, profiles))
    finally:
        market.stop()
        await broker.stop()
        for name in [dbname, *(f"{services_db}_{c}" for c in CONSUMERS)]:
            try:
                await client.drop_database(name)
            except Exception as error:  # leftovers stay in the test profile, which `stack up` empties
                console.print(f"[yellow]could not drop {name}: {str(error)[:200]}")
        await client.close()
    return rows


PER_STATEMENT = "upsert of a new _id, 8 tasks /s (a consumer's write)"
CONSUMER_RATIOS = [  # consumers now write in bulks: against the per-statement rate and the bulk rate of their writes
    *((f"{c} {FROM_LOG}", PER_STATEMENT, 0.7) for c in CONSUMERS),
    *((f"{c} {FROM_LOG}", BULK_UPSERT, 0.35) for c in CONSUMERS),  # issue 21's goal: CPU per event
    *((f"{c} {CEILING}", BULK_UPSERT, None) for c in CONSUMERS),  # the most that goal could be on these cores
    (f"showcase {FROM_LOG}", SHOWCASE_BULK, 0.7),  # the writes it issues: its documents carry the profile
    ("consumer kernel (in-process) events/s", BULK_UPSERT, 0.5),
]
REPLAY_RATIOS = [(REPLAY, "Kafka consume of the replay log /s", None),
                 (REPLAY, "store bulk insert (1,000 a command) docs/s", 0.4),
                 (REPLAY_CEILING, "store bulk insert (1,000 a command) docs/s", None)]

RATIOS = [  # (figure, raw limit, goal)
    ("relay alone events/s", "update_one by _id /s", 0.7),
    ("relay events/s", "update_one by _id /s", 0.7),
    *((f"{c} consumer events/s", "upsert of a new _id, 8 tasks /s (a consumer's write)", 0.7) for c in CONSUMERS),
    ("consumer kernel (in-process) events/s", "upsert of a new _id, 8 tasks /s (a consumer's write)", 0.7),
    ("relay events/s", "Kafka produce /s", None),
    *CONSUMER_RATIOS,
]


def report(rows: list[dict[str, float]]) -> None:
    table = Table(title=f"Pipeline vs raw limits, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {EVENTS:,} new events")
    table.add_column("figure")
    for row in rows:
        table.add_column(f"{row['aggregates']:,} aggregates", justify="right")
    for key in [k for k in rows[0] if k != "aggregates"]:
        table.add_row(key, *(f"{row.get(key, float('nan')):,.1f}" for row in rows))
    for figure, limit, goal in RATIOS:
        label = f"{figure} ÷ {limit}" + (f" (goal ≥ {goal})" if goal else "")
        table.add_row(label, *(f"{row[figure] / row[limit]:.2f}" if figure in row and limit in row else "—" for row in rows))
    for relay in ("relay alone events/s", "relay events/s"):
        if len(rows) > 1 and relay in rows[0]:
            table.add_row(f"{relay} at largest ÷ at smallest (goal ≥ 0.8)",
                          *([""] * (len(rows) - 1)), f"{rows[-1][relay] / rows[0][relay]:.2f}")
    console.print(table)


def report_replay(figures: dict[str, float]) -> None:
    table = Table(title=f"Replay of a launch-sized log vs raw limits, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        table.add_row(key, f"{value:,.1f}")
    for figure, limit, goal in REPLAY_RATIOS:
        label = f"{figure} ÷ {limit}" + (f" (goal ≥ {goal})" if goal else "")
        table.add_row(label, f"{figures[figure] / figures[limit]:.2f}")
    table.add_row(f"{REPLAY} ÷ 5,000 (the goal)", f"{figures[REPLAY] / 5000:.2f}")
    console.print(table)


async def measure_replay(p: stack.Profile, profiles: Path | None) -> None:
    """The launch-sized replay alone, with its raw limits (no service process started)."""
    run = uuid.uuid4().hex[:6]
    client = connect(p.mongodb_url)
    try:
        report_replay(await replay(run, p, client[f"bench_{run}_raw"], profiles))
    finally:
        await client.drop_database(f"bench_{run}_raw")
        await client.close()


def main(sizes: list[int] = typer.Option([2_000, 250_000], help="aggregates in the collection, one row each"),
         profile: Path | None = typer.Option(None, help="write the consumer kernel's and the replay's "
                                             "pyinstrument profiles here"),
         replay_log: bool = typer.Option(True, "--replay/--no-replay", help="replay a launch-sized log (~2 min)"),
         consumers_only: bool = typer.Option(False, "--consumers-only", help="only the consumers reading a log "
                                             "produced raw, the kernel, and the store limits they are divided by"),
         log_events: int = typer.Option(EVENTS, help="events each consumer reads from the log produced raw, and the kernel handles"),
         replay_only: bool = typer.Option(False, "--replay-only", help="only the launch-sized replay (~3 min)"),
         page_rebuild: bool = typer.Option(True, "--page-rebuild/--no-page-rebuild", help="--no-page-rebuild: "
                                           "the showcase's page is not rebuilt during the run (what it costs)"),
         ) -> None:
    if replay_only:
        asyncio.run(measure_replay(stack.up("test"), profile))
        return
    asyncio.run(measure(stack.up("test"), sizes, profile, replay_log, consumers_only, log_events, page_rebuild))


if __name__ == "__main__":
    typer.run(main)
