"""showcase use case: apply an event to the durable read model (the store). Pages are built from the in-memory
model every process keeps (model/live.py, fed by feed/tail.py) and served as bytes ready beforehand
(pages/prebuilt.py)."""

from __future__ import annotations

from services.showcase.store import ShowcaseStore
from shared.contracts.envelope import Envelope


class Showcase:
    def __init__(self, store: ShowcaseStore) -> None:
        self.store = store

    async def apply(self, envelope: Envelope) -> None:
        await self.store.apply(envelope.data)
