"""Personal data, platform side: how a person is found without keeping their e-mail (a keyed hash), the erasure
record that makes an erasure idempotent, the record of who read a contact, the retention metric, and the operator
routes every service holding personal data serves (`/privacy/...`); an erasure request and a retention run that
erased something publish their outcome on privacy.erasures (`erase_and_report`, `retain_and_report`, through
shared.web.erasure_outcomes). What a service holds, erases and keeps is its
own rule (services/<svc>/privacy.py); docs/personal-data.md says it for people.

The keyed hash (HMAC-SHA256 with the deployment's PRIVACY_SECRET) lets a service find "the reads of this person's
contact" or "was this person erased" without storing the e-mail, and cannot be reversed by hashing a list of
likely addresses without the secret."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Request
from prometheus_client import Counter
from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.actors import Actor, Role, system
from shared.contracts.envelope import Id
from shared.contracts.privacy import ErasureCause, ErasureOutcome
from shared.web.erasure_outcomes import ErasureOutcomes, new_request_id
from shared.web.http_errors import responses
from shared.web.identity import require

log = logging.getLogger(__name__)
AUTH = (401, 403, 503)
RETENTION_ERASED = Counter("tijara_privacy_retention_erased_total",
                           "Records whose personal data a retention run erased", ["service", "kind"])
READS_NOT_RECORDED = Counter("tijara_privacy_reads_not_recorded_total",
                             "Contact reads whose record could not be written (logged with the read)", ["service"])


def person_key(email: str, secret: str) -> str:
    """The person's e-mail as a keyed hash: stored instead of the address wherever a person must be found again."""
    return hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


def same_address(email: str) -> dict:
    """A store filter value matching `email` whatever its letter case (addresses are compared case-insensitively).
    An anchored case-insensitive regex reads the whole collection: fine for an operator's rare request and the
    hourly retention, not for a hot path."""
    return {"$regex": f"^{re.escape(email.strip())}$", "$options": "i"}


def purpose(request: Request) -> str:
    """Why a contact was read: the route that read it, e.g. `GET /suppliers/{supplier_id}/contact`."""
    route = request.scope.get("route")
    return f"{request.method} {getattr(route, 'path', request.url.path)}"


class PersonRequest(BaseModel):
    email: EmailStr = Field(description="The person's e-mail address, as they gave it to the marketplace")
    request_id: Id | None = Field(None, description="The erasure request's id, the same for every service asked (the "
                                  "outcomes on privacy.erasures carry it, never the person); one is made if absent")
    records: list[Annotated[str, Field(max_length=200)]] = Field(
        [], max_length=10_000, description="What other services reported holding about the person (e.g. "
        "`inquiry inq-…`): a service keeping copies of messages about those erases or exports them too")


class ErasureReport(BaseModel):
    """What one service did for an erasure request; the same report again for the same person."""

    service: str
    request_id: str | None = Field(None, description="The request this answers; its outcome on privacy.erasures "
                                   "carries the same id")
    records: list[str] = Field(description="The records that held the person's data (e.g. `inquiry inq-…`)")
    erased: list[str] = Field(description="What was erased or anonymised in them")
    already_erased: bool = Field(description="True when an earlier request erased it all (nothing new was found)")


class PersonalExport(BaseModel):
    service: str
    records: list[dict[str, Any]] = Field(description="Every record holding the person's data, as held")


class RetentionRun(BaseModel):
    service: str
    dry_run: bool
    due: list[str] = Field(description="Records whose personal data is past its retention")
    erased: list[str] = Field(description="Those erased by this run (none on a dry run)")
    what: str = Field("personal data", description="What retention erases in each of them")


class ContactRead(BaseModel):
    """One read of a person's contact: who (subject, role, organisation), when, and for what (the route)."""

    model_config = ConfigDict(frozen=True)
    record: str = Field(description="Whose contact: `supplier sup-…` or `inquiry inq-…`")
    actor: Actor
    purpose: str = Field(description="The route that read it, e.g. `GET /suppliers/{supplier_id}/contact`")
    read_at: AwareDatetime


class Erasures:
    """`erasures`: one document per erased person, `_id` the person's keyed hash (never the address)."""

    def __init__(self, db: AsyncDatabase) -> None:
        self.erasures = db["erasures"]

    async def earlier(self, key: str) -> dict | None:
        return await self.erasures.find_one({"_id": key})

    async def note(self, key: str, records: list[str], erased: list[str]) -> dict:
        """Adds to what was erased for the person (a second request that finds new data adds it)."""
        await self.erasures.update_one(
            {"_id": key}, {"$addToSet": {"records": {"$each": records}, "erased": {"$each": erased}},
                           "$setOnInsert": {"first_at": datetime.now(UTC)}, "$set": {"last_at": datetime.now(UTC)}},
            upsert=True)
        return await self.earlier(key) or {}


async def erase_once(service: str, erasures: Erasures, key: str,
                     erase: Callable[[], Awaitable[tuple[list[str], list[str]]]]) -> ErasureReport:
    """The idempotent shape every service's erasure takes: erase what is still there; report everything erased for
    the person so far, `already_erased` when this request found nothing new."""
    records, erased = await erase()
    if records:
        noted = await erasures.note(key, records, erased)
        return ErasureReport(service=service, records=sorted(noted["records"]), erased=sorted(noted["erased"]),
                             already_erased=False)
    earlier = await erasures.earlier(key)
    return ErasureReport(service=service, records=sorted(earlier["records"]) if earlier else [],
                         erased=sorted(earlier["erased"]) if earlier else [], already_erased=earlier is not None)


class ReadLog:
    """`contact_reads`: who read whose contact. A read does not wait for its record: `note` queues it and one writer
    inserts what is queued, all of it in one `insert_many` (reads arriving while a write is in flight form the next
    batch: group commit, no timer, so a lone read is written at once). What is queued is written at shutdown
    (`settle`); a failed insert is logged and counted. A process killed outright loses what it had not written yet
    (the reads of the last few milliseconds)."""

    def __init__(self, db: AsyncDatabase, service: str) -> None:
        self.reads = db["contact_reads"]
        self.service = service
        self._queued: list[dict] = []
        self._writer: asyncio.Task | None = None

    async def ensure_indexes(self) -> None:
        await self.reads.create_index([("record", ASCENDING), ("read_at", ASCENDING)], name="reads_by_record")
        await self.reads.create_index([("person", ASCENDING)], name="reads_by_person")

    def note(self, actor: Actor, purpose: str, people: list[tuple[str, str]]) -> None:
        """`people`: (record, the person's keyed hash) of each contact the caller was answered."""
        if not people:
            return
        now = datetime.now(UTC)
        self._queued += [{"record": record, "person": person, "actor": actor.model_dump(mode="json"),
                          "purpose": purpose, "read_at": now} for record, person in people]
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())

    async def _write(self) -> None:
        while self._queued:
            batch, self._queued = self._queued, []
            try:
                await self.reads.insert_many(batch, ordered=False)
            except Exception:
                READS_NOT_RECORDED.labels(self.service).inc(len(batch))
                log.exception("could not record %d contact read(s), first of %s", len(batch), batch[0]["record"])

    async def settle(self) -> None:
        """Wait until every read noted so far is written (at shutdown, and before listing)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def of(self, *, record: str | None = None, person: str | None = None, limit: int = 1000) -> list[ContactRead]:
        await self.settle()
        query = {k: v for k, v in (("record", record), ("person", person)) if v}
        cursor = self.reads.find(query, {"_id": 0}).sort("read_at", -1).limit(limit)
        return [ContactRead.model_validate(d) async for d in cursor]


class Holder:
    """What every service holding personal data keeps the same way: its name, the person's key (a keyed hash of the
    address, so no index or log holds the address itself), the record of its erasures and who read a contact."""

    def __init__(self, service: str, db: AsyncDatabase, secret: str) -> None:
        self.service = service
        self.secret = secret
        self.erasures = Erasures(db)
        self.reads = ReadLog(db, service)

    def key(self, email: str) -> str:
        return person_key(email, self.secret)

    def note_contact_read(self, actor: Actor, request: Request, record: str, email: str | None) -> None:
        """The caller was answered this record's contact (nothing is noted for an answer without one)."""
        if email is not None:
            self.reads.note(actor, purpose(request), [(record, self.key(email))])

    async def reads_of(self, record: str | None, email: str | None) -> list[ContactRead]:
        return await self.reads.of(record=record, person=email and self.key(email))

    async def erase_once(self, email: str, erase: Callable[[], Awaitable[tuple[list[str], list[str]]]]) -> ErasureReport:
        return await erase_once(self.service, self.erasures, self.key(email), erase)


class PersonalData(Protocol):
    """What a service's privacy module answers (services/<svc>/privacy.py)."""

    service: str

    async def erase(self, email: str, records: list[str]) -> ErasureReport: ...
    async def export(self, email: str, records: list[str]) -> PersonalExport: ...
    async def apply_retention(self, dry_run: bool = False) -> RetentionRun: ...


Operator = Annotated[Actor, Depends(require(Role.OPERATOR))]


def operator_router(holder: Callable[[Request], PersonalData]) -> APIRouter:
    """`/privacy/erasure`, `/privacy/export`, `/privacy/retention`: the same three operator routes on every service
    holding personal data; `holder` finds the service's PersonalData in the app."""
    router = APIRouter(prefix="/privacy", tags=["personal data"])

    @router.post("/erasure", responses=responses(*AUTH))
    async def erase(person: PersonRequest, actor: Operator, request: Request,
                    data: PersonalData = Depends(holder)) -> ErasureReport:
        """Erase or anonymise everything this service holds about the person, and publish what was erased on
        privacy.erasures (with the request id, never the person); the same report when asked again."""
        report = await erase_and_report(data, request.app.state.erasure_outcomes, str(person.email),
                                        person.records, person.request_id or new_request_id(), actor)
        log.info("erasure by %s %s: %d record(s), already erased: %s", actor.role.value, actor.subject,
                 len(report.records), report.already_erased)
        return report

    @router.post("/export", responses=responses(*AUTH))
    async def export(person: PersonRequest, _: Operator, data: PersonalData = Depends(holder)) -> PersonalExport:
        """Everything this service holds about the person, found as erasure finds it."""
        return await data.export(str(person.email), person.records)

    @router.post("/retention", responses=responses(*AUTH))
    async def retention(_: Operator, request: Request, data: PersonalData = Depends(holder),
                        dry_run: bool = False) -> RetentionRun:
        """Run the retention now (it also runs periodically); `dry_run=true` lists what is due and erases nothing.
        What it erases is published on privacy.erasures like an erasure request's outcome."""
        return await retain_and_report(data, request.app.state.erasure_outcomes, dry_run)

    return router


def report_of(outcome: ErasureOutcome) -> ErasureReport:
    return ErasureReport(service=outcome.service, request_id=outcome.request_id, records=outcome.records,
                         erased=outcome.erased, already_erased=outcome.already_erased)


async def erase_and_report(data: PersonalData, outcomes: ErasureOutcomes, email: str, records: list[str],
                           request_id: str, actor: Actor) -> ErasureReport:
    """An operator's erasure request: erased (unless this request id was handled already), its outcome published."""
    earlier = await outcomes.earlier(request_id)
    if earlier is not None:
        return report_of(earlier)
    report = await data.erase(email, records)
    outcome = outcomes.outcome(request_id, ErasureCause.REQUEST, actor, report.records, report.erased,
                               report.already_erased)
    return report_of(await outcomes.publish(outcome))


async def retain_and_report(data: PersonalData, outcomes: ErasureOutcomes, dry_run: bool = False) -> RetentionRun:
    """A retention run; when it erased something, its outcome published (a run erasing nothing publishes nothing:
    the job runs every hour)."""
    run = await data.apply_retention(dry_run)
    if run.erased and not dry_run:
        await outcomes.publish(outcomes.outcome(
            new_request_id(ErasureCause.RETENTION), ErasureCause.RETENTION, system(outcomes.service), run.erased,
            [f"{record}: {run.what}" for record in run.erased], already_erased=False))
    return run


def retention_job(data: PersonalData, outcomes: ErasureOutcomes) -> Callable[[], Awaitable[object]]:
    """The periodic retention's step (shared.web.runtime.every): a run, its outcome published."""
    async def retention_of_personal_data() -> RetentionRun:
        return await retain_and_report(data, outcomes)
    return retention_of_personal_data
