"""What a partner may read of its own outcomes, pure reads of this service's stores: the receipt of one of its
events, its receipts since a cursor, the suppliers it brought with what it may do next. Never another partner's:
every read is filtered by the partner its key authenticated (partner_api.py).

Cursor: opaque to partners (url-safe base64 of the last receipt's answer time and id). Receipts are listed in the
order they were answered, ties by id; only those answered over SETTLE_SECONDS ago, so a receipt written a moment
before by another replica is never skipped by a cursor that moved past it.
Suppliers: onboarding's public supplier events (`onboarding.suppliers`) kept newest by sequence, for the suppliers
the partner applied for or whose id its events carried (an agency that endorsed too early sees when it may again).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from services.partners import domain, intake
from services.partners.domain import Partner
from services.partners.readers import SupplierSeen
from services.partners.store import InputStore, SupplierStore

SETTLE_SECONDS = 2.0
PENDING = "still processing"


class BadCursor(ValueError):
    pass


class PartnerReads:
    def __init__(self, inputs: InputStore, suppliers: SupplierStore) -> None:
        self.inputs = inputs
        self.supplier_store = suppliers

    async def receipt(self, partner_id: str, event_id: str) -> dict | str | None:
        """The receipt of the partner's event `event_id`; PENDING while onboarding decides; None: never sent."""
        recorded = await self.inputs.get(intake.command_id(partner_id, event_id))
        if recorded is None or recorded.get("partner") != partner_id:
            return None
        return recorded.get("receipt") or PENDING

    async def receipts(self, partner_id: str, since: str | None, limit: int) -> tuple[list[dict], str]:
        """Receipts after `since` (from the first without), oldest first, and the cursor to continue from."""
        after = decode_cursor(since) if since else None
        before = datetime.now(UTC) - timedelta(seconds=SETTLE_SECONDS)
        page = await self.inputs.receipts(partner_id, after, before, limit)
        last = (page[-1]["answered_at"], page[-1]["_id"]) if page else after
        return [doc["receipt"] for doc in page], encode_cursor(last) if last else (since or "")

    async def suppliers(self, partner: Partner) -> list[dict]:
        ids = await self.inputs.supplier_ids(partner.partner_id)
        found = await self.supplier_store.brought_by(partner.partner_id, ids)
        return [_supplier_view(partner, doc) for doc in found]

    async def saw_supplier(self, seen: SupplierSeen) -> None:
        """Onboarding's supplier event, kept if newer than what is known (a replay changes nothing)."""
        state = {"status": seen.status, "verification_level": seen.verification_level, "updated_at": seen.occurred_at,
                 "trade_name": seen.profile.trade_name, "country": seen.profile.country}
        if seen.submitted_by:  # only the application event names who applied: never overwritten by later ones
            state["submitted_by"] = seen.submitted_by
        await self.supplier_store.apply(seen.supplier_id, seen.sequence, state)


def _supplier_view(partner: Partner, doc: dict) -> dict:
    may_send, waiting = domain.next_steps(partner.kind, doc["status"])
    return {"supplier_id": doc["_id"], "trade_name": doc.get("trade_name"), "country": doc.get("country"),
            "status": doc["status"], "verification_level": doc.get("verification_level"),
            "updated_at": doc.get("updated_at"), "applied_by_you": doc.get("submitted_by") == partner.partner_id,
            "may_send": list(may_send), "next": waiting}


def encode_cursor(position: tuple[datetime, str]) -> str:
    at, command_id = position
    raw = json.dumps([at.astimezone(UTC).isoformat(), command_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, command_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.fromisoformat(at)
        if not isinstance(command_id, str) or not command_id.startswith("cmd-") or moment.tzinfo is None:
            raise ValueError(command_id)
    except (ValueError, TypeError) as error:
        raise BadCursor(f"not a cursor this service gave: {cursor[:100]!r}") from error
    return moment, command_id
