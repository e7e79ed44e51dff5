"""notifications' collections:

- `messages`: the service's own outbox, one document per message, `_id` the key derived from (cause, recipient,
  kind), so recording is idempotent. `due_at` is set only while the message waits to be sent and `held_until` only
  while it waits for a digest: both sparse, so the sender and the digest job read only those (on MongoDB and on
  the local store, which honours one-field sparse indexes). The single-document writes and reads by `_id` that
concurrent sends and handlers issue go to the store as one command per collection (shared.storage.coalescer).
- `suppliers`, `products`, `inquiries`: projections of the public streams (newest sequence wins): a supplier's card
  and its onboarding partner, product names, which inquiries are still open (for the reminder).
- `flood`: inquiry messages per supplier and hour; `unsubscribed`: addresses (as SHA-256) that asked for no more
  messages that are not transactional.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from pymongo import InsertOne, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.notifications.domain import Notice, Status
from shared.storage import coalescer
from shared.storage.mongo import apply_if_newer

DUE = "due_at"
HELD = "held_until"


def address_hash(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


class NotificationStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.messages = db["messages"]
        self.suppliers = db["suppliers"]
        self.products = db["products"]
        self.inquiries = db["inquiries"]
        self.flood = db["flood"]
        self.unsubscribed = db["unsubscribed"]

    async def ensure_indexes(self) -> None:
        await self.messages.create_index(DUE, sparse=True)
        await self.messages.create_index(HELD, sparse=True)
        # the periodic looks (MongoDB uses these; the local store reads the collection)
        await self.inquiries.create_index([("open", 1), ("received_at", 1)], name="open_inquiries")
        await self.suppliers.create_index([("status", 1), ("valid_until", 1)], name="verifications_by_end")

    # --- the outbox of messages ---------------------------------------------------------------------------------

    async def record(self, notice: Notice, message_id: str, now: datetime, traceparent: str | None,
                     held_until: datetime | None = None) -> bool:
        """The message, queued (or held for a digest until `held_until`); False if it was recorded before (a
        redelivery, a replay, a job's second run)."""
        waits = {"status": Status.HELD.value, HELD: held_until, "held_for": "flood"} if held_until else \
            {"status": Status.QUEUED.value, DUE: now}
        doc = {"_id": notice.key, "message_id": message_id, "kind": notice.kind.value,
               "recipient": str(notice.recipient), "cause": notice.cause, "facts": notice.facts,
               "created_at": now, "attempts": 0, "traceparent": traceparent, **waits}
        try:
            await coalescer.write(self.messages, notice.key, InsertOne(doc))
            return True
        except DuplicateKeyError:
            return False

    async def get(self, key: str) -> dict | None:
        return await self.messages.find_one({"_id": key})

    async def due(self, now: datetime, limit: int) -> list[dict]:
        cursor = self.messages.find({DUE: {"$lte": now}}).sort(DUE, 1).limit(limit)
        return await cursor.to_list()

    async def claim(self, docs: list[dict], now: datetime, until: datetime) -> list[dict]:
        """Take these messages for one send each: those still due get this claim's mark and come back after `until`
        if the sender dies (another replica, or a stuck send, finds them then). One command when every one of them
        was still due (as read a moment ago, then); otherwise a second reads which ones this claim took."""
        mark = uuid.uuid4().hex
        ids = [d["_id"] for d in docs]
        taken = await self.messages.update_many({"_id": {"$in": ids}, DUE: {"$lte": now}},
                                                {"$set": {DUE: until, "claim": mark}})
        if taken.modified_count == len(ids):
            return [{**d, DUE: until, "claim": mark} for d in docs]
        return await self.messages.find({"_id": {"$in": ids}, "claim": mark}).to_list()

    async def compose(self, key: str, rendered: dict) -> None:
        """What is sent, kept: a resend after a crash sends exactly this."""
        await coalescer.write(self.messages, key, UpdateOne({"_id": key}, {"$set": {"rendered": rendered}}))

    async def settle(self, key: str, status: Status, now: datetime, **fields: Any) -> None:
        """Out of the queue: sent, failed, suppressed or digested."""
        stamp = {"sent_at": now} if status is Status.SENT else {"settled_at": now}
        await coalescer.write(self.messages, key, UpdateOne(
            {"_id": key}, {"$set": {"status": status.value, **stamp, **fields}, "$unset": {DUE: "", HELD: ""}}))

    async def retry_later(self, key: str, at: datetime, attempts: int, error: str) -> None:
        await coalescer.write(self.messages, key, UpdateOne(
            {"_id": key}, {"$set": {DUE: at, "attempts": attempts, "last_error": error}}))

    async def hold(self, key: str, until: datetime, reason: str) -> None:
        await coalescer.write(self.messages, key, UpdateOne(
            {"_id": key}, {"$set": {"status": Status.HELD.value, HELD: until, "held_for": reason},
                           "$unset": {DUE: ""}}))

    async def requeue(self, key: str, now: datetime) -> bool:
        """An operator's retry of a failed message: queued again, its attempts counted from zero."""
        done = await self.messages.update_one(
            {"_id": key, "status": Status.FAILED.value},
            {"$set": {"status": Status.QUEUED.value, DUE: now, "attempts": 0, "created_at": now},
             "$unset": {"settled_at": ""}})
        return done.modified_count == 1

    async def held_until(self, now: datetime) -> list[dict]:
        return await self.messages.find({HELD: {"$lte": now}}).to_list()

    async def queued(self) -> list[dict]:
        return await self.messages.find({DUE: {"$exists": True}}, {"created_at": 1}).to_list()

    async def listing(self, status: str | None, recipient: str | None, limit: int) -> list[dict]:
        query = {k: v for k, v in (("status", status), ("recipient", recipient)) if v}
        fields = {"rendered.text": 0, "rendered.html": 0, "facts": 0}
        return await self.messages.find(query, fields).sort("created_at", -1).limit(limit).to_list()

    # --- per-recipient limits and choices -------------------------------------------------------------------------

    async def count_in_window(self, recipient: str, window: datetime) -> int:
        """Counts one more message to `recipient` in the window; the count, this one included (two coalesced
        operations: concurrent counts of one recipient may read each other's increments, never lose one)."""
        key = f"{recipient}|{window.isoformat()}"
        await coalescer.write(self.flood, key, UpdateOne({"_id": key}, {"$inc": {"n": 1}, "$set": {"window": window}},
                                                         upsert=True))
        return (await coalescer.find_by_id(self.flood, key, {"n": 1}))["n"]

    async def unsubscribe(self, address: str, now: datetime) -> None:
        await self.unsubscribed.update_one({"_id": address_hash(address)}, {"$setOnInsert": {"at": now}},
                                           upsert=True)

    async def is_unsubscribed(self, address: str) -> bool:
        return await self.unsubscribed.find_one({"_id": address_hash(address)}) is not None

    # --- projections ----------------------------------------------------------------------------------------------

    async def apply_supplier(self, supplier_id: str, sequence: int, fields: dict) -> bool:
        return await apply_if_newer(self.suppliers, supplier_id, sequence, fields)

    async def supplier(self, supplier_id: str) -> dict | None:
        return await coalescer.find_by_id(self.suppliers, supplier_id)

    async def ending_before(self, until: datetime) -> list[dict]:
        """Verified suppliers whose verification ends before `until` and who were not warned of that end yet."""
        found = await self.suppliers.find({"status": "verified", "valid_until": {"$lte": until}}).to_list()
        return [s for s in found if s.get("warned_of") != s.get("valid_until")]

    async def warned(self, supplier_id: str, valid_until: Any) -> None:
        await self.suppliers.update_one({"_id": supplier_id}, {"$set": {"warned_of": valid_until}})

    async def apply_product(self, product_id: str, sequence: int, fields: dict) -> bool:
        return await apply_if_newer(self.products, product_id, sequence, fields)

    async def product(self, product_id: str | None) -> dict | None:
        return await coalescer.find_by_id(self.products, product_id) if product_id else None

    async def apply_inquiry(self, inquiry_id: str, sequence: int, fields: dict) -> bool:
        return await apply_if_newer(self.inquiries, inquiry_id, sequence, fields)

    async def open_inquiries(self, received_before: datetime) -> list[dict]:
        """Open inquiries received before then, not reminded yet."""
        return await self.inquiries.find({"open": True, "received_at": {"$lte": received_before},
                                          "reminded": {"$ne": True}}).to_list()

    async def reminded(self, inquiry_id: str) -> None:
        await self.inquiries.update_one({"_id": inquiry_id}, {"$set": {"reminded": True}})

    async def purge_older_than(self, cutoff: datetime) -> int:
        """Retention: the addresses and texts of settled messages go; the id, kind and outcome stay (so a replay
        still finds them recorded)."""
        done = await self.messages.update_many(
            {"created_at": {"$lt": cutoff}, DUE: {"$exists": False}, HELD: {"$exists": False},
             "rendered": {"$exists": True}}, {"$unset": {"rendered": "", "facts": ""}, "$set": {"purged": True}})
        return done.modified_count

