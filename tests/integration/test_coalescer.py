"""The write coalescer (shared.storage.coalescer) on the real store: concurrent single-document writes go out as one bulk,
each caller gets its own outcome (a duplicate key as DuplicateKeyError, another write error as WriteError), writes
to one document keep their order, and apply_if_newer / handle_once keep their meaning through it, and a batch folded
per document (a replay's) gives what one by one gives."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict

import pytest
from pymongo import AsyncMongoClient, InsertOne, UpdateOne, monitoring
from pymongo.errors import DuplicateKeyError, WriteError

from shared.storage import coalescer
from shared.storage.mongo import apply_all_if_newer, apply_if_newer, handle_once


class Commands(monitoring.CommandListener):
    """The write commands the client sends, by name."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in ("insert", "update", "find"):
            ops = event.command.get("documents") or event.command.get("updates") or [event.command.get("filter")]
            self.sent.append((event.command_name, len(ops)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None: ...

    def failed(self, event: monitoring.CommandFailedEvent) -> None: ...


@pytest.fixture
async def store(infrastructure, unique):
    commands = Commands()
    client = AsyncMongoClient(infrastructure.mongodb, tz_aware=True, event_listeners=[commands])
    try:
        yield client[f"coalesce_{unique}"], commands
    finally:
        await client.drop_database(f"coalesce_{unique}")
        await client.close()


async def test_concurrent_writes_go_as_one_bulk_and_each_caller_gets_its_outcome(store):
    db, commands = store
    coll = db["suppliers"]
    await coll.insert_one({"_id": "taken", "n": 0})
    commands.sent.clear()
    outcomes = await asyncio.gather(
        *(coalescer.write(coll, f"s{n}", UpdateOne({"_id": f"s{n}"}, {"$set": {"n": n}}, upsert=True))
          for n in range(300)),
        coalescer.write(coll, "taken", InsertOne({"_id": "taken"})),
        coalescer.write(coll, "bad", UpdateOne({"_id": "bad"}, {"$inc": {"n": "not a number"}}, upsert=True)),
        return_exceptions=True)
    assert outcomes[:300] == [None] * 300
    assert isinstance(outcomes[300], DuplicateKeyError) and outcomes[300].code == 11000
    assert isinstance(outcomes[301], WriteError) and not isinstance(outcomes[301], DuplicateKeyError)
    assert sorted(commands.sent) == [("insert", 1), ("update", 301)]  # one command per kind, not 302
    assert await coll.count_documents({}) == 301 and (await coll.find_one({"_id": "s299"}))["n"] == 299


async def test_writes_to_one_document_keep_their_order(store):
    """An unordered bulk may apply its operations in any order: a second write to a document waits for the next."""
    db, commands = store
    coll = db["counters"]
    commands.sent.clear()
    await asyncio.gather(*(coalescer.write(coll, "c", UpdateOne({"_id": "c"}, {"$push": {"seen": n}}, upsert=True))
                           for n in range(5)),
                         *(coalescer.write(coll, f"o{n}", InsertOne({"_id": f"o{n}"})) for n in range(5)))
    assert (await coll.find_one({"_id": "c"}))["seen"] == [0, 1, 2, 3, 4]
    assert len([c for c in commands.sent if c[0] == "update"]) == 5 and ("insert", 5) in commands.sent


async def test_reads_by_id_go_as_one_find(store):
    db, commands = store
    coll = db["standing"]
    await coll.insert_many([{"_id": f"s{n}", "status": "verified"} for n in range(50)])
    commands.sent.clear()
    found = await asyncio.gather(*(coalescer.find_by_id(coll, f"s{n % 60}", {"status": 1}) for n in range(120)))
    assert found[:50] == found[60:110] == [{"_id": f"s{n}", "status": "verified"} for n in range(50)]
    assert found[50:60] == found[110:] == [None] * 10
    assert commands.sent == [("find", 1)]


async def test_apply_if_newer_in_one_bulk_stale_means_nothing_written(store):
    """Fresh, newer, stale and repeated events of different suppliers in one bulk: the stale and repeated ones
    collide on `_id` inside the bulk and write nothing; the others land."""
    db, commands = store
    coll = db["suppliers"]
    await coll.insert_many([{"_id": f"s{n}", "sequence": 5, "status": "old"} for n in range(100)])
    commands.sent.clear()
    sequences = {f"s{n}": (6, 5, 4)[n % 3] for n in range(100)} | {f"new{n}": 1 for n in range(100)}
    applied = await asyncio.gather(*(apply_if_newer(coll, _id, s, {"status": f"at {s}"})
                                     for _id, s in sequences.items()))
    assert applied == [s == 6 or _id.startswith("new") for _id, s in sequences.items()]
    stored = {d["_id"]: d async for d in coll.find({})}
    for _id, s in sequences.items():
        expected = (s, f"at {s}") if s == 6 or _id.startswith("new") else (5, "old")
        assert (stored[_id]["sequence"], stored[_id]["status"]) == expected
    assert commands.sent[0] == ("update", 200)  # one bulk; the stale ones' single retry goes in the next


async def test_handle_once_across_a_batch_of_events_and_redeliveries(store):
    db, commands = store
    handled = db["handled"]
    effects: list[str] = []

    async def effect(event_id: str) -> None:
        effects.append(event_id)

    ids = [f"evt-{n}" for n in range(200)]
    assert await asyncio.gather(*(handle_once(handled, i, lambda i=i: effect(i)) for i in ids)) == [True] * 200
    commands.sent.clear()
    redelivered = await asyncio.gather(*(handle_once(handled, i, lambda i=i: effect(i)) for i in ids))
    assert redelivered == [False] * 200 and sorted(effects) == sorted(ids)
    assert commands.sent == [("insert", 200), ("find", 1)]  # a batch of redeliveries: two round trips


async def test_a_batch_folded_per_document_gives_what_one_by_one_gives(store):
    """apply_all_if_newer (a replay's batch) against apply_if_newer one event at a time, on a log with repeats,
    events out of order and events that carry fewer fields, cut into batches at arbitrary places."""
    db, _ = store
    one_by_one, folded, inserted = db["one_by_one"], db["folded"], db["inserted"]
    written: set[str] = {"d3"}  # ids a replay has written: the others it inserts (d3: written by someone else)
    for coll in (one_by_one, folded, inserted):
        await apply_if_newer(coll, "d3", 1, {"a": -1})
    rng = random.Random(12)
    log = [(f"d{rng.randrange(15)}", rng.randrange(1, 40), {"a": n} | ({"b": n} if rng.random() < 0.5 else {}))
           for n in range(400)]
    for _id, sequence, fields in log:
        await apply_if_newer(one_by_one, _id, sequence, fields)
    start = 0
    while start < len(log):
        end = start + rng.randrange(1, 60)
        batch: dict[str, list] = defaultdict(list)
        for _id, sequence, fields in log[start:end]:
            batch[_id].append((sequence, fields))
        await apply_all_if_newer(folded, batch)
        await apply_all_if_newer(inserted, batch, absent=batch.keys() - written)
        written |= batch.keys()
        start = end
    expected = [d async for d in one_by_one.find().sort("_id")]
    assert [d async for d in folded.find().sort("_id")] == expected
    assert [d async for d in inserted.find().sort("_id")] == expected
