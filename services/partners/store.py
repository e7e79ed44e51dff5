"""The partners service's collections (database `tijara_partners`): `partners` (the registry, API keys hashed),
`signatures` (replay guard of the HTTP gateway), `inputs` (each partner event admitted or refused, with its outbox:
the command for onboarding, then the partner's receipt, with when it was answered and the supplier concerned),
`suppliers` (onboarding's public supplier state from `onboarding.suppliers`, newest by sequence: status, level,
trade name, who applied; never contacts or documents).

The local store (mongo-java-server) has no TTL indexes: old signatures are deleted by `forget_signatures_before`,
which the gateway runs on a timer. Every filter here is built from validated values (ids matching ID_PATTERN), never
from raw partner input."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.partners.domain import ApiKey, Partner, Webhook
from shared.contracts.envelope import Envelope
from shared.errors import Conflict, NotFound
from shared.storage import coalescer
from shared.storage.mongo import apply_if_newer, save_aggregate


class PartnerStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.partners = db["partners"]
        self.signatures = db["signatures"]

    async def ensure_indexes(self) -> None:
        await self.partners.create_index([("keys.key_id", ASCENDING)], name="by_key_id")
        await self.signatures.create_index([("seen_at", ASCENDING)], name="by_seen_at")

    async def add(self, partner: Partner) -> Partner:
        try:
            await self.partners.insert_one({"_id": partner.partner_id, **partner.model_dump(mode="json")})
        except DuplicateKeyError:
            raise Conflict(f"partner {partner.partner_id!r} is already registered") from None
        return partner

    async def ensure(self, partner: Partner) -> None:
        """Register if absent (keys untouched when present): for seeding a demo registry on every start."""
        doc = partner.model_dump(mode="json")
        keys = doc.pop("keys")
        await self.partners.update_one({"_id": partner.partner_id}, {"$setOnInsert": {"keys": keys}, "$set": doc},
                                       upsert=True)

    async def get(self, partner_id: str) -> Partner | None:
        doc = await coalescer.find_by_id(self.partners, partner_id)  # a batch's events of one partner: one read
        return Partner.model_validate(doc) if doc else None

    async def all(self) -> list[Partner]:
        return [Partner.model_validate(d) async for d in self.partners.find({}).sort("_id", ASCENDING)]

    async def by_key_id(self, key_id: str) -> Partner | None:
        doc = await self.partners.find_one({"keys.key_id": key_id})
        return Partner.model_validate(doc) if doc else None

    async def add_key(self, partner_id: str, key: ApiKey) -> None:
        result = await self.partners.update_one({"_id": partner_id}, {"$push": {"keys": key.model_dump(mode="json")}})
        if result.matched_count == 0:
            raise NotFound(f"no partner {partner_id!r}")

    async def revoke_key(self, partner_id: str, key_id: str) -> None:
        partner = await self.get(partner_id)
        if partner is None or partner.key(key_id) is None:
            raise NotFound(f"partner {partner_id!r} has no active key {key_id!r}")
        keys = [k.model_copy(update={"revoked": k.revoked or k.key_id == key_id}).model_dump(mode="json")
                for k in partner.keys]
        await self.partners.update_one({"_id": partner_id}, {"$set": {"keys": keys}})

    async def set_webhook(self, partner_id: str, webhook: Webhook | None) -> None:
        document = webhook.model_dump(mode="json") if webhook else None
        result = await self.partners.update_one({"_id": partner_id}, {"$set": {"webhook": document}})
        if result.matched_count == 0:
            raise NotFound(f"no partner {partner_id!r}")

    async def remember_signature(self, signature: str, partner_id: str, seen_at: datetime) -> bool:
        """False if this signature was seen before (a replay). The unique _id index is the guard."""
        try:
            await self.signatures.insert_one({"_id": signature, "partner": partner_id, "seen_at": seen_at})
        except DuplicateKeyError:
            return False
        return True

    async def forget_signatures_before(self, cutoff: datetime) -> int:
        return (await self.signatures.delete_many({"seen_at": {"$lt": cutoff}})).deleted_count


class InputStore:
    """One document per partner event, `_id` its command id: admitted (the command in its outbox) or answered (the
    receipt in its outbox, and kept in `receipt` so a resent event gets the same one)."""

    def __init__(self, db: AsyncDatabase) -> None:
        self.inputs = db["inputs"]

    async def ensure_indexes(self) -> None:
        await self.inputs.create_index([("partner", ASCENDING), ("answered_at", ASCENDING), ("_id", ASCENDING)],
                                       name="receipts_by_partner")
        await self.inputs.create_index([("partner", ASCENDING), ("supplier_id", ASCENDING)],
                                       name="suppliers_by_partner")
        await self.inputs.create_index([("webhook.state", ASCENDING), ("webhook.next_at", ASCENDING)],
                                       name="webhooks_due")

    async def webhooks_due(self, now: datetime, lease_until: datetime, limit: int) -> list[dict]:
        """Receipts whose push is due, each claimed until `lease_until` (another replica skips it meanwhile; a
        replica that dies holding it leaves it due again when the lease ends)."""
        due = self.inputs.find({"webhook.state": "pending", "webhook.next_at": {"$lte": now}}, {"outbox": 0})
        claimed = []
        for doc in await due.sort("webhook.next_at", ASCENDING).limit(limit).to_list():
            taken = await self.inputs.update_one(
                {"_id": doc["_id"], "webhook.state": "pending", "webhook.next_at": doc["webhook"]["next_at"]},
                {"$set": {"webhook.next_at": lease_until}})
            if taken.modified_count:
                claimed.append(doc)
        return claimed

    async def webhook_tried(self, command_id: str, outcome: dict) -> None:
        """The outcome of a push: delivered, retry at next_at, failed for good, or none (no webhook set)."""
        await self.inputs.update_one({"_id": command_id}, {"$set": {f"webhook.{k}": v for k, v in outcome.items()}})

    async def receipts(self, partner_id: str, after: tuple[datetime, str] | None, before: datetime,
                       limit: int) -> list[dict]:
        """The partner's answered events in the order they were answered (then by id), after the cursor `after`
        and answered before `before` (receipts still being written are left for the next page)."""
        answered: dict = {"$lt": before}
        query: dict = {"partner": partner_id, "answered_at": answered}
        if after is not None:
            at, command_id = after
            query["$or"] = [{"answered_at": {"$gt": at}}, {"answered_at": at, "_id": {"$gt": command_id}}]
        cursor = self.inputs.find(query, {"outbox": 0}).sort([("answered_at", ASCENDING), ("_id", ASCENDING)])
        return await cursor.limit(limit).to_list()

    async def supplier_ids(self, partner_id: str) -> list[str]:
        """The suppliers the partner's events concerned (applied for, endorsed, inspected), newest first."""
        cursor = self.inputs.find({"partner": partner_id, "supplier_id": {"$ne": None}}, {"supplier_id": 1})
        seen: dict[str, None] = {}
        async for doc in cursor.sort("received_at", DESCENDING).limit(5000):
            seen.setdefault(doc["supplier_id"], None)
        return list(seen)

    async def get(self, command_id: str) -> dict | None:
        return await coalescer.find_by_id(self.inputs, command_id, {"outbox": 0})

    async def create(self, command_id: str, state: dict, envelopes: list[Envelope]) -> bool:
        """False if this command id is already recorded (a resent or redelivered event)."""
        try:
            await save_aggregate(self.inputs, command_id, 0, {**state, "version": 1}, envelopes)
        except DuplicateKeyError:
            return False
        return True

    async def answer(self, command_id: str, version: int, answered: dict, envelope: Envelope) -> None:
        """`answered`: the receipt, when it was answered, the supplier concerned."""
        await save_aggregate(self.inputs, command_id, version, {**answered, "version": version + 1}, [envelope])

    async def resend(self, command_id: str, version: int, envelope: Envelope) -> None:
        """The recorded receipt once more (a resent event's answer): versioned like any write."""
        await save_aggregate(self.inputs, command_id, version, {"version": version + 1}, [envelope])


class SupplierStore:
    """Onboarding's public supplier state, as its events tell it: for the suppliers partners brought."""

    def __init__(self, db: AsyncDatabase) -> None:
        self.suppliers = db["suppliers"]

    async def ensure_indexes(self) -> None:
        await self.suppliers.create_index([("submitted_by", ASCENDING)], name="by_submitter")

    async def apply(self, supplier_id: str, sequence: int, state: dict) -> None:
        await apply_if_newer(self.suppliers, supplier_id, sequence, state)

    async def brought_by(self, partner_id: str, supplier_ids: list[str]) -> list[dict]:
        """The suppliers it applied for, and those among `supplier_ids` (its events named them)."""
        query = {"$or": [{"submitted_by": partner_id}, {"_id": {"$in": supplier_ids[:5000]}}]}
        return await self.suppliers.find(query).sort("_id", ASCENDING).to_list()

