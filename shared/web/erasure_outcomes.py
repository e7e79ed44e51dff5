"""What a service erased, published: each erasure request it handles and each retention run that erases something
becomes one `ErasureOutcome` on `privacy.erasures` (shared.contracts.privacy), saved with its outbox so it is never
lost: `erasure_outcomes` holds one document per request id, the outcome and its pending event in one insert, and
the service's outbox relay publishes it (the relay is given this collection: `OUTCOMES`).

Idempotent by request id: the same request id handled twice (a retried HTTP call) answers the recorded report and
publishes nothing new. A new request for a person already erased erases nothing, and its outcome reports the same
records and what was erased, with `already_erased` true (shared.web.privacy.erase_once). The operator route and
the retention job publish through it (shared.web.privacy: `erase_and_report`, `retain_and_report`).

Not atomic with the erasure itself (several documents; no transactions): a process that dies between erasing and
recording leaves no outcome for that request; `tijara privacy erase` then says the service did not report, and
asking again gives the full report with `already_erased` true."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.contracts.actors import Actor, on_events
from shared.contracts.envelope import Envelope
from shared.contracts.privacy import ErasureCause, ErasureOutcome, counted
from shared.messaging.outbox import Outbox
from shared.messaging.relay import Relay
from shared.storage.mongo import outbox_entry, with_outbox

OUTCOMES = "erasure_outcomes"


def new_request_id(cause: ErasureCause = ErasureCause.REQUEST) -> str:
    return f"{'erasure' if cause is ErasureCause.REQUEST else 'retention'}-{uuid.uuid4().hex}"


class ErasureOutcomes:
    def __init__(self, db: AsyncDatabase, service: str, relay: Relay) -> None:
        self.service = service
        self.outcomes = db[OUTCOMES]
        self.outbox = Outbox(f"/tijara/{service}", relay, self.outcomes)

    async def earlier(self, request_id: str) -> ErasureOutcome | None:
        stored = await self.outcomes.find_one({"_id": request_id}, {"outcome": 1})
        return ErasureOutcome.model_validate(stored["outcome"]) if stored else None

    async def publish(self, outcome: ErasureOutcome) -> ErasureOutcome:
        """Record the outcome with its event pending (one insert), then wake the relay; for a request id already
        recorded (a race of two deliveries of one request), the recorded outcome."""
        async def write(envelopes: list[Envelope]) -> None:
            document = {"_id": outcome.request_id, "outcome": outcome.model_dump(mode="json"),
                        "recorded_at": outcome.occurred_at}
            await self.outcomes.insert_one(with_outbox(document, [outbox_entry(e) for e in envelopes]))

        try:
            await self.outbox.save(outcome.request_id, [], None, write, answers=[outcome])
        except DuplicateKeyError:
            return await self.earlier(outcome.request_id) or outcome
        return outcome

    def outcome(self, request_id: str, cause: ErasureCause, actor: Actor | None, records: list[str],
                erased: list[str], already_erased: bool) -> ErasureOutcome:
        return ErasureOutcome(request_id=request_id, service=self.service, cause=cause,
                              occurred_at=datetime.now(UTC), actor=on_events(actor), records=records,
                              records_by_kind=counted(records), erased=erased, already_erased=already_erased)
