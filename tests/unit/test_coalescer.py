"""shared.storage.coalescer without a server: how concurrent callers' operations become commands and how each command's
outcome is given back to each caller (tests/integration/test_coalescer.py does the same on the real store)."""

from __future__ import annotations

import asyncio

import pytest
from pymongo import InsertOne, UpdateOne
from pymongo.errors import AutoReconnect, BulkWriteError, DuplicateKeyError, WriteError

from shared.storage import coalescer


class Recording:
    """A collection that records each bulk it receives and fails the operations it is told to, by `_id`."""

    def __init__(self, errors: dict[str, int] | None = None, down: bool = False) -> None:
        self.errors = errors or {}  # _id -> error code
        self.down = down
        self.bulks: list[list[str]] = []
        self.database = self.client = self
        self.full_name = "fake.recording"

    def __getitem__(self, _name: str) -> Recording:
        return self

    async def bulk_write(self, operations: list, ordered: bool = True) -> None:
        assert not ordered
        await asyncio.sleep(0.01)  # a round trip, while other callers queue theirs
        if self.down:
            raise AutoReconnect("connection closed")
        ids = [(op._doc if isinstance(op, InsertOne) else op._filter)["_id"] for op in operations]
        self.bulks.append(ids)
        failed = [{"index": i, "code": self.errors[_id], "errmsg": f"failed {_id}"}
                  for i, _id in enumerate(ids) if _id in self.errors]
        if failed:
            raise BulkWriteError({"writeErrors": failed, "writeConcernErrors": []})


def _upsert(_id: str) -> UpdateOne:
    return UpdateOne({"_id": _id}, {"$set": {"seen": True}}, upsert=True)


async def test_concurrent_callers_share_one_bulk_and_get_their_own_error():
    coll = Recording(errors={"stale": 11000, "bad": 14})
    outcomes = await asyncio.gather(*(coalescer.write(coll, i, _upsert(i)) for i in ("a", "stale", "b", "bad")),
                                    return_exceptions=True)
    assert coll.bulks == [["a", "stale", "b", "bad"]]
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], DuplicateKeyError)  # "stale: nothing written", as a single update would say
    assert isinstance(outcomes[3], WriteError) and not isinstance(outcomes[3], DuplicateKeyError)
    assert outcomes[3].code == 14


async def test_a_second_write_to_a_document_waits_for_the_next_command():
    coll = Recording()
    await asyncio.gather(*(coalescer.write(coll, _id, _upsert(_id)) for _id in ("a", "b", "a", "c", "a")))
    assert coll.bulks == [["a", "b", "c"], ["a"], ["a"]]


async def test_writes_arriving_while_a_command_is_in_flight_go_in_the_next_one():
    coll = Recording()
    first = asyncio.gather(*(coalescer.write(coll, f"x{n}", _upsert(f"x{n}")) for n in range(3)))
    await asyncio.sleep(0.002)  # the first command is on its way
    await asyncio.gather(first, *(coalescer.write(coll, f"y{n}", _upsert(f"y{n}")) for n in range(4)))
    assert coll.bulks == [["x0", "x1", "x2"], ["y0", "y1", "y2", "y3"]]


async def test_a_command_that_fails_as_a_whole_fails_each_caller_and_the_next_command_goes_out():
    coll = Recording(down=True)
    outcomes = await asyncio.gather(*(coalescer.write(coll, i, InsertOne({"_id": i})) for i in "abc"),
                                    return_exceptions=True)
    assert all(isinstance(o, AutoReconnect) for o in outcomes)
    coll.down = False
    await coalescer.write(coll, "a", InsertOne({"_id": "a"}))  # each caller retries its own
    assert coll.bulks == [["a"]]


async def test_a_cancelled_caller_does_not_break_the_others():
    coll = Recording()
    waiting = [asyncio.create_task(coalescer.write(coll, i, _upsert(i))) for i in "abc"]
    await asyncio.sleep(0)
    waiting[1].cancel()
    await asyncio.gather(waiting[0], waiting[2])
    with pytest.raises(asyncio.CancelledError):
        await waiting[1]
    assert coll.bulks == [["a", "b", "c"]]  # sent all the same: every coalesced write is idempotent
