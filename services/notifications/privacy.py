"""The personal data notifications holds: the copy of each message as sent (`messages.rendered`: the address, the
subject and the text, which repeat what the buyer asked and the supplier answered) and the facts it was composed
from. Erased on request (`POST /privacy/erasure`) and `sent_message_retention` after the message was recorded, as
the retention always did here (store.purge_older_than): the address and the texts go, the message's id, kind and
outcome stay, so a replay of the log still finds it recorded and sends nothing again. A message still waiting to be
sent is left to be sent: it holds no copy yet, and its recipient is named by id (`buyer:inq-…`), not by address.
A copy *about* the person sent to someone else (the supplier's message quotes what the buyer wrote) is found through
the records the other services reported for the person (`records`: `inquiry inq-…`), which `tijara privacy` passes.

Addresses that unsubscribed are kept as SHA-256 hashes (`unsubscribed`): that choice must outlive an erasure."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from fastapi import Request

from services.notifications.store import DUE, HELD, NotificationStore
from shared.web.privacy import (
    ErasureReport,
    Holder,
    PersonalExport,
    RETENTION_ERASED,
    RetentionRun,
    same_address,
)

log = logging.getLogger(__name__)
SERVICE = "notifications"
COPY = "copy as sent (address, subject, text) and its facts"
SETTLED = {DUE: {"$exists": False}, HELD: {"$exists": False}}


def record_of(key: str) -> str:
    return f"message {key}"


class MessagePersonalData(Holder):
    """Copies of sent messages; it reads no contact of its own to others, so its read log stays empty."""

    def __init__(self, store: NotificationStore, secret: str, sent_message_retention: timedelta) -> None:
        super().__init__(SERVICE, store.messages.database, secret)
        self.store = store
        self.sent_message_retention = sent_message_retention

    async def holding(self, email: str, records: list[str]) -> list[dict]:
        """Copies sent to the person, and copies about the person's inquiries sent to others (the supplier's
        message quotes what the buyer wrote), whoever they went to."""
        inquiries = [r.removeprefix("inquiry ") for r in records if r.startswith("inquiry ")]
        about = [{"recipient": {"$in": [f"buyer:{i}" for i in inquiries]}},
                 {"facts.inquiry_id": {"$in": inquiries}}, {"facts.items.inquiry_id": {"$in": inquiries}}]
        query = {"$or": [{"rendered.to": same_address(email)}, *(about if inquiries else [])]}
        return await self.store.messages.find({**query, "rendered": {"$exists": True}}).to_list()

    async def erase(self, email: str, records: list[str] = ()) -> ErasureReport:
        async def erase_copies() -> tuple[list[str], list[str]]:
            found = await self.holding(email, list(records))
            keys = [m["_id"] for m in found]
            if keys:
                await self.store.messages.update_many(
                    {"_id": {"$in": keys}}, {"$unset": {"rendered": "", "facts": ""},
                                             "$set": {"purged": True, "erased_at": datetime.now(UTC)}})
            erased = [record_of(k) for k in keys]
            return erased, [f"{r}: {COPY}" for r in erased]

        return await self.erase_once(email, erase_copies)

    async def export(self, email: str, records: list[str] = ()) -> PersonalExport:
        records = [{"record": record_of(m["_id"]), "message_id": m.get("message_id"), "kind": m.get("kind"),
                    "status": m.get("status"), "created_at": _text(m.get("created_at")),
                    "sent_at": _text(m.get("sent_at")), "to": m["rendered"]["to"],
                    "subject": m["rendered"]["subject"], "text": m["rendered"]["text"]}
                   for m in await self.holding(email, list(records))]
        return PersonalExport(service=SERVICE, records=records)

    async def apply_retention(self, dry_run: bool = False, now: datetime | None = None) -> RetentionRun:
        """Sent-message copies go `sent_message_retention` after the message was recorded."""
        cutoff = (now or datetime.now(UTC)) - self.sent_message_retention
        due = [record_of(m["_id"]) for m in await self.store.messages.find(
            {"created_at": {"$lt": cutoff}, "rendered": {"$exists": True}, **SETTLED}, {"_id": 1}).to_list()]
        erased = 0 if dry_run else await self.store.purge_older_than(cutoff)
        if erased:
            RETENTION_ERASED.labels(SERVICE, "sent-message copy").inc(erased)
            log.info("retention: erased %d sent-message copies", erased)
        return RetentionRun(service=SERVICE, dry_run=dry_run, due=due, erased=[] if dry_run else due, what=COPY)


def _text(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def personal_data(request: Request) -> MessagePersonalData:
    return request.app.state.personal_data
