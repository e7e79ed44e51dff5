"""MongoDB access through PyMongo's async API (the successor of motor): single-document atomic updates, unique
indexes, upserts; no multi-document transactions, change streams or $lookup, so the code runs on MongoDB itself and
on the local store (mongo-java-server on H2, deploy/local/store.py).

The local store honours unique indexes and one-field sparse ones (the outbox marker's, below); it ignores other
secondary indexes (deploy/local/store.py), so a query on any other field reads the whole collection there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.envelope import Envelope
from shared.errors import ConcurrentUpdate

OUTBOX_SINCE = "outbox_since"  # set while an aggregate has pending events: when the oldest of them was written
PENDING_OUTBOX = {OUTBOX_SINCE: {"$exists": True}}  # the aggregates with pending events, found by the sparse index


def connect(url: str, write_concern: str = "", read_concern: str = "") -> AsyncMongoClient:
    """A client for `url` (TLS, replica set and credentials go in the URL, e.g. `?tls=true&replicaSet=rs0`).

    `write_concern`: `majority` (a replica set: an acknowledged write survives the primary's loss), a number of
    members, or "" for the server's default; `read_concern`: `majority`, `local`, ... or "" for the default.
    When set, these win over the same options in the URL."""
    options: dict[str, Any] = {}
    if write_concern:
        options["w"] = int(write_concern) if write_concern.isdigit() else write_concern
    if read_concern:
        options["readConcernLevel"] = read_concern
    return AsyncMongoClient(url, tz_aware=True, serverSelectionTimeoutMS=5000, appname="tijara",
                            **options)


async def ping(db: AsyncDatabase) -> None:
    await db.command("ping")


def outbox_entry(envelope: Envelope) -> dict[str, Any]:
    """A pending event as stored beside the state it belongs to, with its trace context, until the relay sends it."""
    return {
        "id": envelope.id,
        "topic": envelope.topic,
        "key": envelope.data.subject,
        "headers": envelope.headers(),
        "value": envelope.value().decode(),
        "created_at": datetime.now(UTC),
    }


def with_outbox(document: Mapping[str, Any], entries: list[dict[str, Any]]) -> dict[str, Any]:
    """A new aggregate document holding its pending events, marked so the relay's recovery scan finds it."""
    marker = {OUTBOX_SINCE: min(e["created_at"] for e in entries)} if entries else {}
    return {**document, "outbox": entries, **marker}


async def apply_if_newer(coll: AsyncCollection, _id: str, sequence: int, fields: Mapping[str, Any]) -> bool:
    """Projection write that is idempotent and order-proof: it lands only if `sequence` is newer than the stored one.

    One statement: an upsert filtered on an older sequence. When the stored document is as new or newer, the filter
    misses and the upsert's insert collides with it on the unique `_id`: nothing is written. The collision can also
    be a concurrent first insert of an older event: so try once more, now as an update of the stored document.
    """
    for _ in range(2):
        try:
            await coll.update_one({"_id": _id, "sequence": {"$lt": sequence}},
                                  {"$set": {**fields, "sequence": sequence}}, upsert=True)
            return True
        except DuplicateKeyError:
            continue
    return False


async def pending_outbox_index(coll: AsyncCollection) -> None:
    """The index that answers PENDING_OUTBOX without reading the other aggregates: sparse, so it holds only those
    with pending events (on MongoDB and on the local store)."""
    await coll.create_index(OUTBOX_SINCE, sparse=True)


async def save_aggregate(
    coll: AsyncCollection, _id: str, expected_version: int, state: Mapping[str, Any], envelopes: list[Envelope]
) -> None:
    """The outbox write: new state and its pending events in ONE document write, so both land or neither does
    (no multi-document transaction needed). `version` in the filter is the optimistic concurrency check."""
    entries = [outbox_entry(e) for e in envelopes]
    if expected_version == 0:
        await coll.insert_one(with_outbox({"_id": _id, **state}, entries))
        return
    update: dict[str, Any] = {"$set": dict(state), "$push": {"outbox": {"$each": entries}}}
    if entries:
        update["$min"] = {OUTBOX_SINCE: entries[0]["created_at"]}  # keeps an older pending event's time
    result = await coll.update_one({"_id": _id, "version": expected_version}, update)
    if result.matched_count == 0:
        raise ConcurrentUpdate(f"{_id} changed meanwhile (expected version {expected_version}); retry the request")


async def record_once(coll: AsyncCollection, event_id: str, **facts: Any) -> bool:
    """Record, under the unique `_id` index, that the event `event_id` is being handled; False if a delivery of it
    already completed its effect (this one is a redelivery and must do nothing).

    For handlers with side effects that a sequence check cannot guard. Record first, act, then `mark_done`. A record
    left unfinished (the process died between record and effect, or the effect failed) lets the next delivery act
    again, so a crash loses no effect.
    """
    try:
        await coll.insert_one({"_id": event_id, "recorded_at": datetime.now(UTC), **facts})
        return True
    except DuplicateKeyError:
        stored = await coll.find_one({"_id": event_id}, {"done_at": 1})
        return stored is None or "done_at" not in stored  # an earlier delivery began and did not finish: act again


async def mark_done(coll: AsyncCollection, event_id: str) -> None:
    await coll.update_one({"_id": event_id}, {"$set": {"done_at": datetime.now(UTC)}})


async def handle_once(coll: AsyncCollection, event_id: str, effect: Callable[[], Awaitable[Any]], **facts: Any) -> bool:
    """Run `effect` once per event id across redeliveries, retries and restarts; True if it ran now."""
    if not await record_once(coll, event_id, **facts):
        return False
    await effect()
    await mark_done(coll, event_id)
    return True
