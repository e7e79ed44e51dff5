"""onboarding's collections: `suppliers` (the aggregate, with its outbox, and `partner_commands`: the ids of the
partner commands applied to it), `partner_command_answers` (commands refused, with the outcome in its outbox),
`contact_preferences` (each SME's language and digest: not public state, on no event; the last choice wins)."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.onboarding.contacts import Preferences
from services.onboarding.domain import Supplier
from services.onboarding.nations import nation
from shared.contracts.envelope import Envelope
from shared.errors import Conflict
from shared.storage import coalescer
from shared.storage.mongo import save_aggregate


class SupplierStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.suppliers = db["suppliers"]
        self.answers = db["partner_command_answers"]
        self.preferences = db["contact_preferences"]

    async def ensure_indexes(self) -> None:
        # one supplier per country and company identifier (ICE in Morocco, matricule fiscal in Tunisia); sparse:
        # a supplier stored before Tunisia joined gets its key at its next save
        await self.suppliers.create_index([("registration", ASCENDING)], unique=True, sparse=True,
                                          name="one_supplier_per_registration")
        if "one_supplier_per_ice" in await self.suppliers.index_information():
            await self.suppliers.drop_index("one_supplier_per_ice")  # Tunisian suppliers carry no ICE
        await self.suppliers.create_index([("status", ASCENDING), ("valid_until", ASCENDING)], name="by_expiry")

    async def get(self, supplier_id: str) -> Supplier | None:
        doc = await self.suppliers.find_one({"_id": supplier_id}, {"outbox": 0})
        return Supplier.model_validate(doc) if doc else None

    async def get_many(self, supplier_ids: list[str]) -> list[Supplier]:
        cursor = self.suppliers.find({"_id": {"$in": supplier_ids}}, {"outbox": 0})
        return [Supplier.model_validate(doc) async for doc in cursor]

    async def preferences_of_many(self, supplier_ids: list[str]) -> dict[str, Preferences]:
        cursor = self.preferences.find({"_id": {"$in": supplier_ids}})
        return {doc.pop("_id"): Preferences.model_validate(doc) async for doc in cursor}

    async def preferences_of(self, supplier_id: str) -> Preferences | None:
        doc = await self.preferences.find_one({"_id": supplier_id}, {"_id": 0})
        return Preferences.model_validate(doc) if doc else None

    async def save_preferences(self, supplier_id: str, preferences: Preferences) -> None:
        await self.preferences.replace_one({"_id": supplier_id}, preferences.model_dump(mode="json"), upsert=True)

    async def partner_commands(self, supplier_id: str) -> list[str]:
        """Ids of the partner commands applied to the supplier (a handful in its life: no bound needed)."""
        doc = await coalescer.find_by_id(self.suppliers, supplier_id, {"partner_commands": 1})  # a batch: one read
        return list(doc.get("partner_commands", [])) if doc else []

    async def refused_command(self, command_id: str) -> bool:
        return await coalescer.find_by_id(self.answers, command_id, {"_id": 1}) is not None

    async def refuse_command(self, command_id: str, envelope: Envelope) -> None:
        """The refusal and its outcome in one write; a second refusal of the same command changes nothing."""
        try:
            await save_aggregate(self.answers, command_id, 0, {"version": 1}, [envelope])
        except DuplicateKeyError:
            pass

    async def due_for_expiry(self, now: datetime) -> list[Supplier]:
        """Verified suppliers whose validity ended: a query, not a TTL index (expiry is a
        state transition with an event, not a deletion)."""
        cursor = self.suppliers.find({"status": "verified", "valid_until": {"$lte": now}}, {"outbox": 0})
        return [Supplier.model_validate(d) async for d in cursor]

    async def save(self, supplier: Supplier, envelopes: list[Envelope],
                   partner_commands: list[str] | None = None) -> None:
        state = supplier.model_dump(mode="json")
        if partner_commands is not None:
            state["partner_commands"] = partner_commands
        # datetimes stay BSON dates so the expiry query compares instants, not strings
        state["valid_until"] = supplier.valid_until
        state["registration"] = nation(supplier.profile.country).registration(supplier.profile)
        try:
            await save_aggregate(self.suppliers, supplier.supplier_id, supplier.version - 1, state, envelopes)
        except DuplicateKeyError:
            raise already_registered(supplier) from None


def already_registered(supplier: Supplier) -> Conflict:
    identifier = supplier.profile.ice or supplier.profile.company_id
    return Conflict(f"a supplier with {nation(supplier.profile.country).identifier} {identifier} is already registered",
                    **{"ice" if supplier.profile.ice else "company_id": identifier})
