"""MongoDB access through PyMongo's async API (the successor of motor), within what FerretDB also supports:
single-document atomic updates, unique and compound indexes, upserts; no transactions, change streams or $lookup."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.errors import ConcurrentUpdate
from shared.events import Envelope


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

    The filter misses a stored document with a newer or equal sequence, so the upsert tries an insert with the same
    _id and the unique _id index refuses it: that refusal is the 'stale or duplicate event' answer.
    """
    try:
        await coll.update_one(
            {"_id": _id, "sequence": {"$lt": sequence}}, {"$set": {**fields, "sequence": sequence}}, upsert=True
        )
    except DuplicateKeyError:
        return False
    return True


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
