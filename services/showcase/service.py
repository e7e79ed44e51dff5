"""showcase use case: apply an event to the durable read model (the store). Pages are built from the in-memory
model every process keeps (live.py, fed by tail.py) and served as bytes ready beforehand (renditions.py)."""

from __future__ import annotations

from services.showcase.store import ShowcaseStore
from shared.envelope import Envelope


class Showcase:
    def __init__(self, store: ShowcaseStore) -> None:
        self.store = store

    async def apply(self, envelope: Envelope) -> None:
        await self.store.apply(envelope.data)
