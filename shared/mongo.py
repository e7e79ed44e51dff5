"""MongoDB access through PyMongo's async API (the successor of motor), within what FerretDB also supports:
single-document atomic updates, unique and compound indexes, upserts; no transactions, change streams or $lookup."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.envelope import Envelope
from shared.errors import ConcurrentUpdate

_WRITE_LOCKS: dict[tuple[int, str], asyncio.Lock] = {}


def write_lock(coll: AsyncCollection) -> asyncio.Lock:
    """Serializes this process's writes to one aggregate collection (use-case writes and the relay's `$pullAll`).

    Why: FerretDB 1.24 on SQLite applies an update as read-modify-write without isolation, so two concurrent
    updates of one document can lose one another. Measured: a relay `$pullAll` racing a `$set version`+`$push`
    reverted the version and dropped the pushed outbox entry (a transition and its event silently lost).
    MongoDB is atomic per document and does not need this; several replicas on FerretDB are still exposed.
    """
    key = (id(asyncio.get_running_loop()), coll.full_name)
    if key not in _WRITE_LOCKS:
        _WRITE_LOCKS[key] = asyncio.Lock()
    return _WRITE_LOCKS[key]


def connect(url: str) -> AsyncMongoClient:
    return AsyncMongoClient(url, tz_aware=True, serverSelectionTimeoutMS=5000, appname="tijara")


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


async def apply_if_newer(coll: AsyncCollection, _id: str, sequence: int, fields: Mapping[str, Any]) -> bool:
    """Projection write that is idempotent and order-proof: it lands only if `sequence` is newer than the stored one.

    Read the stored sequence by `_id`, then: absent -> insert (the unique `_id` index refuses a concurrent twin, and
    we look again); older -> compare-and-set update on the sequence just read (a concurrent change makes it miss,
    and we look again); newer or equal -> nothing to write: a stale or repeated event costs one indexed read.
    (The one-statement form, an upsert filtered on `sequence: {$lt: n}`, is correct too, but FerretDB cannot
    use the `_id` index for it and scans the collection: ~250 ms a write at 5,000 documents.)
    """
    if sequence == 1:  # most events start an aggregate: try the insert straight away, one round trip
        try:
            await coll.insert_one({"_id": _id, **fields, "sequence": sequence})
            return True
        except DuplicateKeyError:
            return False  # sequence 1 is the oldest there is: whatever is stored is this event or newer
    for _ in range(10):
        stored = await coll.find_one({"_id": _id}, {"sequence": 1})
        if stored is None:
            try:
                await coll.insert_one({"_id": _id, **fields, "sequence": sequence})
                return True
            except DuplicateKeyError:
                continue
        if stored.get("sequence", 0) >= sequence:
            return False
        result = await coll.update_one({"_id": _id, "sequence": stored.get("sequence")},
                                       {"$set": {**fields, "sequence": sequence}})
        if result.matched_count:
            return True
    raise ConcurrentUpdate(f"{coll.name}/{_id} kept changing while applying sequence {sequence}; retrying")


async def save_aggregate(
    coll: AsyncCollection, _id: str, expected_version: int, state: Mapping[str, Any], envelopes: list[Envelope]
) -> None:
    """The outbox write: new state and its pending events in ONE document write, so both land or neither does
    (no multi-document transaction needed). `version` in the filter is the optimistic concurrency check."""
    entries = [outbox_entry(e) for e in envelopes]
    async with write_lock(coll):
        if expected_version == 0:
            await coll.insert_one({"_id": _id, **state, "outbox": entries})
            return
        result = await coll.update_one(
            {"_id": _id, "version": expected_version}, {"$set": dict(state), "$push": {"outbox": {"$each": entries}}}
        )
    if result.matched_count == 0:
        raise ConcurrentUpdate(f"{_id} changed meanwhile (expected version {expected_version}); retry the request")


async def record_once(coll: AsyncCollection, event_id: str, **facts: Any) -> bool:
    """Record, under the unique `_id` index, that the event `event_id` is being handled; False if a delivery of it
    already completed its effect (this one is a redelivery and must do nothing).

    For handlers with side effects that a sequence check cannot guard. Record first, act, then `mark_done`. A record
    left unfinished (the process died between record and effect, or the effect failed) lets the next delivery act
    again, so a crash loses no effect. Insert-only (the done mark is a second document), because FerretDB's updates
    scan the collection.
    """
    if await coll.find_one({"_id": f"{event_id}#done"}, {"_id": 1}):
        return False
    try:
        await coll.insert_one({"_id": event_id, "recorded_at": datetime.now(UTC), **facts})
    except DuplicateKeyError:
        pass  # an earlier delivery began and did not finish: act again
    return True


async def mark_done(coll: AsyncCollection, event_id: str) -> None:
    try:
        await coll.insert_one({"_id": f"{event_id}#done", "done_at": datetime.now(UTC)})
    except DuplicateKeyError:
        pass


async def handle_once(coll: AsyncCollection, event_id: str, effect: Callable[[], Awaitable[Any]], **facts: Any) -> bool:
    """Run `effect` once per event id across redeliveries, retries and restarts; True if it ran now."""
    if not await record_once(coll, event_id, **facts):
        return False
    await effect()
    await mark_done(coll, event_id)
    return True
