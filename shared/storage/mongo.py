"""MongoDB access through PyMongo's async API (the successor of motor): single-document atomic updates, unique
indexes, upserts; no multi-document transactions, change streams or $lookup, so the code runs on MongoDB itself and
on the local store (mongo-java-server on H2, deploy/local/store_server.py).

The local store honours unique indexes and one-field sparse ones (the outbox marker's, below); it ignores other
secondary indexes (deploy/local/store_server.py), so a query on any other field reads the whole collection there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Container, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import AsyncMongoClient, InsertOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.contracts.envelope import Envelope
from shared.errors import ConcurrentUpdate
from shared.storage import coalescer

OUTBOX_SINCE = "outbox_since"  # set while an aggregate has pending events: when the oldest of them was written
PENDING_OUTBOX = {OUTBOX_SINCE: {"$exists": True}}  # the aggregates with pending events, found by the sparse index


def connect(url: str, write_concern: str = "", read_concern: str = "",
            server_selection_timeout_ms: int = 5000) -> AsyncMongoClient:
    """A client for `url` (TLS, replica set and credentials go in the URL, e.g. `?tls=true&replicaSet=rs0`).

    `write_concern`: `majority` (a replica set: an acknowledged write survives the primary's loss), a number of
    members, or "" for the server's default; `read_concern`: `majority`, `local`, ... or "" for the default.
    When set, these win over the same options in the URL. `server_selection_timeout_ms`: how long an operation waits
    for a usable server before failing (the store gone: each failed operation of a relay pass or request takes it)."""
    options: dict[str, Any] = {}
    if write_concern:
        options["w"] = int(write_concern) if write_concern.isdigit() else write_concern
    if read_concern:
        options["readConcernLevel"] = read_concern
    return AsyncMongoClient(url, tz_aware=True, serverSelectionTimeoutMS=server_selection_timeout_ms,
                            appname="tijara", **options)


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
    Sent within one bulk with the writes concurrent handlers issue (shared.storage.coalescer).
    """
    newer = UpdateOne({"_id": _id, "sequence": {"$lt": sequence}}, {"$set": {**fields, "sequence": sequence}},
                      upsert=True)
    for _ in range(2):
        try:
            await coalescer.write(coll, _id, newer)
            return True
        except DuplicateKeyError:
            continue
    return False


async def apply_all_if_newer(coll: AsyncCollection, changes: Mapping[str, Sequence[tuple[int, Mapping[str, Any]]]],
                             absent: Container[str] = ()) -> None:
    """Events of many documents, each's (sequence, fields) in log order, with the result `apply_if_newer` gives one
    by one, in ONE bulk: per document one upsert of its events' fields merged (newer over older), filtered on the
    oldest sequence, which lands when the stored document is older than all of them (a replay from the start of
    the log); an insert for the documents in `absent` (known not stored: the store's cheapest write). A document
    stored as new as one of them (a catch-up reading again what is applied), or present after all, collides and
    writes nothing: its events then go one by one. For the only writer of these documents (shared.storage.coalescer)."""
    kept = {_id: _newer_in_order(each) for _id, each in changes.items()}
    writes = [_folded(_id, events, _id in absent) for _id, events in kept.items()]
    one_by_one = []
    for (_id, events), error in zip(kept.items(), await coalescer.write_all(coll, writes), strict=True):
        if isinstance(error, DuplicateKeyError):
            one_by_one.append(_apply_each(coll, _id, events))
        elif error is not None:
            raise error
    await asyncio.gather(*one_by_one)


def _folded(_id: str, events: list[tuple[int, Mapping[str, Any]]], absent: bool) -> InsertOne | UpdateOne:
    merged: dict[str, Any] = {"_id": _id} if absent else {}  # one dict built per document: a replay writes many
    for _, fields in events:
        merged.update(fields)
    merged["sequence"] = events[-1][0]
    if absent:
        return InsertOne(merged)
    return UpdateOne({"_id": _id, "sequence": {"$lt": events[0][0]}}, {"$set": merged}, upsert=True)


def _newer_in_order(changes: Sequence[tuple[int, Mapping[str, Any]]]) -> list[tuple[int, Mapping[str, Any]]]:
    """Those newer than every one before them: one older than a previous one would be stale one by one too."""
    kept: list[tuple[int, Mapping[str, Any]]] = []
    for sequence, fields in changes:
        if not kept or sequence > kept[-1][0]:
            kept.append((sequence, fields))
    return kept


async def _apply_each(coll: AsyncCollection, _id: str, events: list[tuple[int, Mapping[str, Any]]]) -> None:
    for sequence, fields in events:
        await apply_if_newer(coll, _id, sequence, fields)


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
        await coalescer.write(coll, event_id, InsertOne({"_id": event_id, "recorded_at": datetime.now(UTC), **facts}))
        return True
    except DuplicateKeyError:
        stored = await coalescer.find_by_id(coll, event_id, {"done_at": 1})
        return stored is None or "done_at" not in stored  # an earlier delivery began and did not finish: act again


async def mark_done(coll: AsyncCollection, event_id: str) -> None:
    await coalescer.write(coll, event_id, UpdateOne({"_id": event_id}, {"$set": {"done_at": datetime.now(UTC)}}))


async def handle_once(coll: AsyncCollection, event_id: str, effect: Callable[[], Awaitable[Any]], **facts: Any) -> bool:
    """Run `effect` once per event id across redeliveries, retries and restarts; True if it ran now."""
    if not await record_once(coll, event_id, **facts):
        return False
    await effect()
    await mark_done(coll, event_id)
    return True
