"""Single-document writes and reads that concurrent handlers issue, sent as ONE command per collection (the
DataLoader pattern), so a consumed batch costs the store a few round trips and commits instead of one per event.

A handler still awaits its own write (`write`) or read (`find_by_id`) and gets its own outcome: the operations that
reach a collection while its previous command is in flight, or in the same event-loop turn, go out together as one
`bulk_write(ordered=False)` (or one `find` by `_id` `$in`), and each `writeErrors[i]` of a BulkWriteError is raised
to the caller of operation i alone (a duplicate key as DuplicateKeyError, as a single write would raise it).

Order per document: an unordered bulk may apply its operations in any order, so one command never holds two
operations on the same `_id`; a second one waits for the next command. One command per collection is in flight at a
time; a command's failure as a whole (connection lost, write concern not met) is raised to each of its callers.
Standard MongoDB: the same code is right on MongoDB itself and on the local store.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping
from typing import Any

from pymongo import InsertOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError

MAX_OPERATIONS = 1000  # per command: bounds a command's size and the time its first caller waits
DUPLICATE_KEY = 11000
Write = InsertOne | UpdateOne
_WRITE = ("write",)


class _Queued:
    """One caller's operation and the future it awaits (slotted: one is made per event a consumer handles)."""

    __slots__ = ("future", "key", "operation")

    def __init__(self, key: Any, operation: Any, future: asyncio.Future) -> None:
        self.key = key  # the document's `_id`
        self.operation = operation  # a write model, or for a read the projection
        self.future = future


class _Batcher:
    """One collection's queue: a sender task runs while operations wait, one command at a time."""

    one_per_key = True  # writes; reads of one `_id` share the command

    def __init__(self, coll: AsyncCollection) -> None:
        self.coll = coll
        self.queue: list[_Queued] = []
        self.sender: asyncio.Task | None = None

    def submit(self, key: Any, operation: Any) -> asyncio.Future:
        """Queue one operation; its caller awaits the future this returns."""
        loop = asyncio.get_running_loop()
        queued = _Queued(key, operation, loop.create_future())
        self.queue.append(queued)
        if self.sender is None or self.sender.done():
            self.sender = loop.create_task(self._send_while_queued())
        return queued.future

    async def _send_while_queued(self) -> None:
        await asyncio.sleep(0)  # handlers woken in this turn queue theirs first
        while self.queue:
            command = self._next_command()
            try:
                await self.send(command)
            except Exception as error:  # the command as a whole failed: each caller retries its own
                for queued in command:
                    _settle(queued, error=error)
            await asyncio.sleep(0)

    def _next_command(self) -> list[_Queued]:
        """Up to MAX_OPERATIONS, one per `_id`, in arrival order; the others stay queued, still in order."""
        command, rest, keys = [], [], set()
        for queued in self.queue:
            if len(command) < MAX_OPERATIONS and not (self.one_per_key and queued.key in keys):
                keys.add(queued.key)
                command.append(queued)
            else:
                rest.append(queued)
        self.queue = rest
        return command

    async def send(self, command: list[_Queued]) -> None:
        raise NotImplementedError


class _WriteBatcher(_Batcher):
    async def send(self, command: list[_Queued]) -> None:
        for queued, error in zip(command, await _outcomes(self.coll, [q.operation for q in command]), strict=True):
            _settle(queued, error=error)


class _ReadBatcher(_Batcher):
    one_per_key = False

    def __init__(self, coll: AsyncCollection, projection: Mapping[str, Any] | None) -> None:
        super().__init__(coll)
        self.projection = projection

    async def send(self, command: list[_Queued]) -> None:
        found = {doc["_id"]: doc async for doc in
                 self.coll.find({"_id": {"$in": list({q.key: None for q in command})}}, self.projection)}
        for queued in command:
            doc = found.get(queued.key)
            _settle(queued, result=None if doc is None else dict(doc))  # each caller its own copy


async def _outcomes(coll: AsyncCollection, operations: list[Write]) -> list[Exception | None]:
    """One unordered bulk; per operation None or its own error. What fails the bulk as a whole is raised."""
    try:
        await coll.bulk_write(operations, ordered=False)
        return [None] * len(operations)
    except BulkWriteError as error:
        if error.details.get("writeConcernErrors"):
            raise
        errors = {e["index"]: e for e in error.details.get("writeErrors", [])}
        return [_write_error(errors[i]) if i in errors else None for i in range(len(operations))]


def _write_error(details: dict) -> Exception:
    error_class = DuplicateKeyError if details.get("code") == DUPLICATE_KEY else WriteError
    return error_class(details.get("errmsg", "write error"), details.get("code"), details)


def _settle(queued: _Queued, result: Any = None, error: BaseException | None = None) -> None:
    if queued.future.done():  # its caller was cancelled; the operation went out all the same (all are idempotent)
        return
    if error is None:
        queued.future.set_result(result)
    else:
        queued.future.set_exception(error)


# Per client, by identity (clients to the same server compare equal), dropped with the client; then per collection
# and kind of operation.
_batchers: dict[int, dict[tuple, _Batcher]] = {}


def _batcher(coll: AsyncCollection, kind: tuple, make: Any) -> _Batcher:
    """The batcher of the collection itself; a view forwarding to it (e.g. the showcase's generations) resolves by
    its full name, so one collection has one queue whatever object reached it."""
    database, client = coll.database, coll.database.client
    if id(client) not in _batchers:
        _batchers[id(client)] = {}
        weakref.finalize(client, _batchers.pop, id(client), None)
    per_client, key = _batchers[id(client)], (coll.full_name, *kind)
    if key not in per_client:
        real = coll if isinstance(coll, AsyncCollection) else database[coll.full_name.split(".", 1)[1]]
        per_client[key] = make(real)
    return per_client[key]


async def write(coll: AsyncCollection, _id: Any, operation: Write) -> None:
    """One insert or single-document update of the document `_id`, sent within a bulk; raises this operation's own
    error (DuplicateKeyError, WriteError) or the bulk's."""
    await _batcher(coll, _WRITE, _WriteBatcher).submit(_id, operation)


async def write_all(coll: AsyncCollection, operations: list[Write]) -> list[Exception | None]:
    """Writes to distinct documents that the caller has gathered itself (a replay's batch), as one bulk without a
    future per operation; per operation None or its own error. Not queued behind `write`: for a process that is
    the only writer of these documents."""
    return await _outcomes(coll, operations) if operations else []


async def find_by_id(coll: AsyncCollection, _id: Any, projection: Mapping[str, Any] | None = None) -> dict | None:
    """The document with this `_id` (or None), read within one `find` by `_id` `$in` with the reads that wait
    beside it."""
    kind = ("read", tuple(sorted(projection.items())) if projection else None)
    return await _batcher(coll, kind, lambda real: _ReadBatcher(real, projection)).submit(_id, projection)
