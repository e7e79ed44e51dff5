"""Generations of the read model, so a replay can rebuild it beside the live one and swap it in atomically.

The read model is several collections, and `renameCollection` with `dropTarget` swaps one at a time: three renames
are not one atomic swap (readers would see a rebuilt `suppliers` beside an old `products`). So the swap is a pointer: the document `{_id: "active", number: N}` in `generations` names the live
generation. Generation 0 is the plain collection names (`suppliers`, ...), generation N > 0 their `__gN` twins.
The store reaches its collections through `GenerationalDatabase`, which follows the pointer (re-read every
`refresh_seconds` by `watch()`), so one write to the pointer moves every reader and writer of every showcase
process to the rebuilt model together, while the page keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

log = logging.getLogger(__name__)
POINTER = "generations"
REFRESH_SECONDS = 0.5


def collection_name(name: str, generation: int) -> str:
    return name if generation == 0 else f"{name}__g{generation}"


async def active_generation(db: AsyncDatabase) -> int:
    doc = await db[POINTER].find_one({"_id": "active"})
    return int(doc["number"]) if doc else 0


async def activate(db: AsyncDatabase, generation: int) -> None:
    """The swap: one single-document write."""
    await db[POINTER].update_one({"_id": "active"}, {"$set": {"number": generation}}, upsert=True)


async def drop_generation(db: AsyncDatabase, generation: int, names: list[str]) -> None:
    for name in names:
        await db.drop_collection(collection_name(name, generation))


class FixedGeneration:
    """A database view whose `db[name]` is one given generation's collection (what a replay writes into)."""

    def __init__(self, db: AsyncDatabase, generation: int) -> None:
        self.db = db
        self.generation = generation
        self.names: list[str] = []  # the store's collections, as it asked for them

    def __getitem__(self, name: str) -> GenerationCollection:
        if name not in self.names:
            self.names.append(name)
        return GenerationCollection(self, name)


class GenerationalDatabase:
    """A database view whose `db[name]` follows the active generation, call by call."""

    def __init__(self, db: AsyncDatabase, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self.db = db
        self.generation = 0
        self.refresh_seconds = refresh_seconds
        self._task: asyncio.Task | None = None

    def __getitem__(self, name: str) -> GenerationCollection:
        return GenerationCollection(self, name)

    async def refresh(self) -> int:
        self.generation = await active_generation(self.db)
        return self.generation

    async def start(self) -> None:
        await self.refresh()
        self._task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_seconds)
            try:
                before, after = self.generation, await self.refresh()
                if after != before:
                    log.info("showcase read model now generation %d (was %d)", after, before)
            except Exception as error:  # keep serving the generation we know
                log.warning("could not read the active generation: %s", error)


class GenerationCollection:
    """Forwards every call to the view's generation of the collection `name`, looked up call by call. `name` is
    the logical name (what the store asked for), so code keyed by collection name works in every generation."""

    def __init__(self, view: GenerationalDatabase | FixedGeneration, name: str) -> None:
        self._view = view
        self.logical_name = name
        self._current: tuple[int, AsyncCollection] | None = None  # (generation, its collection): made once each

    @property
    def name(self) -> str:
        return self.logical_name

    @property
    def current(self) -> AsyncCollection:
        generation = self._view.generation
        if self._current is None or self._current[0] != generation:
            self._current = (generation, self._view.db[collection_name(self.logical_name, generation)])
        return self._current[1]

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.current, attribute)
