"""Saving a change of an aggregate with its outbox: the one way a use case does it.

    use case -> domain (new state, events) -> Outbox.save: envelope the events (the actor stamped on each, the
    current trace context) -> the store's write (state + events in ONE document update: shared.storage.mongo.save_aggregate)
    -> wake the relay, which publishes them (shared.messaging.relay.OutboxRelay)

The store's write is the service's own (it knows its document's shape); `Outbox` does everything around it.
A service builds one per aggregate collection: `Outbox(SOURCE, relay, store.products)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from shared.contracts.actors import Actor
from shared.contracts.envelope import Envelope, Event
from shared.messaging.relay import Relay
from shared.telemetry.tracing import current_traceparent

Write = Callable[[list[Envelope]], Awaitable[Any]]  # the store's atomic write of the state with these envelopes


@dataclass(frozen=True)
class Outbox:
    source: str  # the CloudEvents `source` of the service's events, e.g. "/tijara/catalogue"
    relay: Relay
    collection: Any  # the aggregate collection the relay is woken for

    def envelopes(self, events: Sequence[Event]) -> list[Envelope]:
        """`events` as they go out: from this service, in the current trace."""
        traceparent = current_traceparent()
        return [Envelope(e, self.source, traceparent=traceparent) for e in events]

    async def save(self, aggregate_id: str, events: Sequence[Event], actor: Actor | None, write: Write, *,
                   answers: Sequence[Event] = ()) -> None:
        """`write` the change with its events, then wake the relay for it. `answers`: events that go out with the
        change as they are (e.g. a partner command's outcome)."""
        stamped = [e.by(actor) for e in events]  # who did it travels on every event, pseudonymous (Event.by)
        await write(self.envelopes([*stamped, *answers]))
        self.relay.wake(self.collection, aggregate_id)
