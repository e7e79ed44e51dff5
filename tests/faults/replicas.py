"""For the replicas fault test: a marketplace driven over HTTP across two replicas of each service (suppliers
applying and being verified, products listed, inquiries sent and answered, some suppliers suspended), and the
ledger that counts, from the real topics, what each acknowledged write became and what every consumer did with it.

Truth is each aggregate's own store (its `version`: events 1..version must be on its topic, each once); effects
are the projections' `sequence`s, the showcase's page, and the Message-IDs that reached Mailpit.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from deploy.local.marketplace import Marketplace
from services.notifications.domain import Audience, Kind, Recipient, message_key
from tests import factories

SUSPEND_EVERY = 5  # every fifth supplier is suspended at the end: catalogue delists its product (a side effect)


@dataclass
class Load:
    """Drives `suppliers` suppliers through the marketplace, each request on the next replica (the other one when
    a replica is down). A create whose answer a kill cut off is looked up before it is sent again, so the client
    never makes a second aggregate itself; a step answered 409 after a cut had landed."""

    replicas: tuple[Marketplace, Marketplace]
    run: str
    suppliers: int = 60
    concurrency: int = 8
    acknowledged: Counter = field(default_factory=Counter)  # per kind of aggregate
    acked: Counter = field(default_factory=Counter)  # per aggregate: the writes its service acknowledged
    cuts: int = 0
    supplier_ids: list[str] = field(default_factory=list)
    _turn: itertools.count = field(default_factory=itertools.count)

    async def run_all(self) -> None:
        gate = asyncio.Semaphore(self.concurrency)
        async with httpx.AsyncClient(timeout=15) as self.http:
            async def one(n: int) -> None:
                async with gate:
                    await self.supplier_journey(n)
            await asyncio.gather(*(one(n) for n in range(self.suppliers)))

    @property
    def writes(self) -> int:
        return sum(self.acknowledged.values())

    def ack(self, kind: str, aggregate: str) -> None:
        self.acknowledged[kind] += 1
        self.acked[aggregate] += 1

    def auth(self, role: str) -> dict[str, str]:
        return self.replicas[0].auth(role)

    async def call(self, service: str, method: str, path: str, ok: set[int], body: dict | None = None,
                   headers: dict | None = None, retry: set[int] = frozenset(), landed=None) -> httpx.Response:
        """Until a status in `ok`; `retry`: statuses that mean "not yet" (a service learns of a change through
        Kafka a moment later). After a cut, `landed()` says whether the write is already there."""
        cut = False
        for attempt in range(400):
            market = self.replicas[next(self._turn) % 2]
            try:
                if cut and landed is not None and (found := await landed(market)) is not None:
                    return found
                answer = await self.http.request(method, f"{market.url(service)}{path}", json=body, headers=headers)
            except httpx.TransportError:  # a replica killed (or restarting): the other one, or this one again
                cut = True
                self.cuts += 1
                await asyncio.sleep(0.1)
                continue
            if answer.status_code in ok or (cut and answer.status_code == 409 and 409 not in retry):
                return answer
            assert answer.status_code in retry, f"{method} {path}: {answer.status_code} {answer.text}"
            await asyncio.sleep(0.3)
        raise AssertionError(f"{method} {path}: no answer in time")

    async def supplier_journey(self, n: int) -> None:
        sid, staff = f"sup-rp-{self.run}-{n}", self.auth("staff")
        owner = self.auth(f"supplier:{sid}")
        self.supplier_ids.append(sid)
        profile = factories.profile(ice=f"{random.randrange(10**14, 10**15)}", trade_name=f"Replica {n}",
                                    contact={"name": "Karim", "email": f"{sid}@safi.example.ma"})
        await self.call("onboarding", "POST", "/suppliers", {201}, body={
            "profile": profile.model_dump(mode="json"), "documents": factories.documents()}, headers=owner)
        self.ack("supplier", sid)
        inspected_on = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
        for step, body, who in (("documents-verification", None, staff),
                                ("endorsement", {"agency": "AMDIE"}, self.auth("agency:AMDIE")),
                                ("inspection", {"body": "SGS", "report_id": f"SGS-{n}", "passed": True,
                                                "inspected_on": inspected_on}, self.auth("inspection:SGS")),
                                ("verification", {"decision": "verified"}, staff)):
            await self.call("onboarding", "POST", f"/suppliers/{sid}/{step}", {200}, body, who)
            self.ack("supplier", sid)
        product = await self.list_product(sid, owner)
        inquiries = [await self.send_inquiry(sid, product, k) for k in range(2)]
        await self.call("inquiries", "POST", f"/inquiries/{inquiries[0]}/response", {200},
                        {"message": "1,000 cartons at 23.20 USD CIF, 4 weeks."}, owner)
        self.ack("inquiry", inquiries[0])
        if n % SUSPEND_EVERY == 0:
            await self.call("onboarding", "POST", f"/suppliers/{sid}/suspension", {200},
                            {"reason": "approval under review"}, staff)
            self.ack("supplier", sid)

    async def list_product(self, sid: str, owner: dict) -> str:
        async def landed(market: Marketplace) -> httpx.Response | None:
            found = await self.http.get(f"{market.url('catalogue')}/products", params={"supplier_id": sid})
            return found if found.status_code == 200 and found.json() else None

        listing = factories.listing().model_dump(mode="json")
        answer = await self.call("catalogue", "POST", "/products", {201}, {"supplier_id": sid, "listing": listing},
                                 owner, retry={404, 409}, landed=landed)  # until catalogue knows it is verified
        body = answer.json()
        product = (body[0] if isinstance(body, list) else body)["product_id"]
        self.ack("product", product)
        return product

    async def send_inquiry(self, sid: str, product: str, k: int) -> str:
        company = f"Replica {self.run} {sid} {k}"

        async def landed(market: Marketplace) -> httpx.Response | None:
            found = await self.http.get(f"{market.url('inquiries')}/inquiries", params={"supplier_id": sid},
                                        headers=self.auth("staff"))
            listed = found.json() if found.status_code == 200 else []
            mine = [i for i in listed if i["request"]["buyer_company"] == company]
            return httpx.Response(201, json=mine[0]) if mine else None

        answer = await self.call("inquiries", "POST", "/inquiries", {201}, {
            "product_id": product, "buyer_company": company, "buyer_country": "CA",
            "contact_email": f"buyer-{k}@{sid}.example.com", "quantity": 10, "unit": "carton",
            "message": f"Quote {sid} {k}"}, retry={404, 409}, landed=landed)  # until inquiries knows the product
        inquiry = answer.json()["inquiry_id"]
        self.ack("inquiry", inquiry)
        return inquiry


@dataclass
class Ledger:
    """The real topics, per aggregate: sequence -> the distinct event ids carrying it, and the last event."""

    events: dict[str, dict[int, set[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    last: dict[str, tuple[int, str, dict]] = field(default_factory=dict)  # subject -> (sequence, ce_type, data)
    by_id: dict[str, tuple[str, dict]] = field(default_factory=dict)  # event id -> (ce_type, data)
    records: int = 0

    @classmethod
    def of(cls, records: list, subjects: set[str]) -> Ledger:
        ledger = cls()
        for r in records:
            headers = {k: v.decode() for k, v in r.headers}
            subject = headers.get("ce_subject")
            if subject not in subjects:
                continue
            ledger.records += 1
            data = json.loads(r.value)
            seq, ce_id, ce_type = data["sequence"], headers["ce_id"], headers["ce_type"]
            ledger.events[subject][seq].add(ce_id)
            ledger.by_id[ce_id] = (ce_type, data)
            if subject not in ledger.last or ledger.last[subject][0] < seq:
                ledger.last[subject] = (seq, ce_type, data)
        return ledger

    def against(self, truth: dict[str, int]) -> tuple[int, int]:
        """(lost, duplicated): every aggregate's events 1..version on the log with one event id each."""
        lost = duplicated = 0
        for subject, version in truth.items():
            seen = self.events.get(subject, {})
            lost += sum(1 for s in range(1, version + 1) if s not in seen)
            duplicated += sum(len(ids) - 1 for ids in seen.values())
            duplicated += sum(len(ids) for s, ids in seen.items() if s > version)
        return lost, duplicated

    def distinct_events(self) -> int:
        return len(self.by_id)

    def expected_messages(self) -> set[str]:
        """The message keys notifications must send for these events (domain.py's rules, without partners)."""
        keys = set()
        for ce_id, (ce_type, data) in self.by_id.items():
            if ".inquiry.received." in ce_type:
                keys.add(message_key(ce_id, Recipient(Audience.SUPPLIER, data["supplier_id"]), Kind.INQUIRY_RECEIVED))
            elif ".inquiry.responded." in ce_type:
                keys.add(message_key(ce_id, Recipient(Audience.BUYER, data["inquiry_id"]), Kind.INQUIRY_ANSWERED))
            elif ".supplier.verified." in ce_type or ".supplier.suspended." in ce_type:
                kind = Kind.SUPPLIER_VERIFIED if ".verified." in ce_type else Kind.SUPPLIER_SUSPENDED
                keys.add(message_key(ce_id, Recipient(Audience.SUPPLIER, data["supplier_id"]), kind))
        return keys

    def headline(self) -> dict[str, dict[str, int]]:
        """Per country: the page's verified suppliers, products shown and inquiries, recounted from the log."""
        verified = {s: d["profile"]["country"] for s, (_, _, d) in self.last.items()
                    if "supplier_id" in d and "profile" in d and d.get("status") == "verified"}
        countries = {d["profile"]["country"] for _, _, d in self.last.values() if "profile" in d}
        figures = {c: {"verified_suppliers": 0, "products": 0, "inquiries_30d": 0} for c in countries}
        for s, c in verified.items():
            figures[c]["verified_suppliers"] += 1
        for _, ce_type, d in self.last.values():
            if ".product." in ce_type and ".delisted." not in ce_type and d["supplier_id"] in verified:
                figures[verified[d["supplier_id"]]]["products"] += 1
            if ".inquiry." in ce_type and d["supplier_id"] in verified:
                figures[verified[d["supplier_id"]]]["inquiries_30d"] += 1
        return figures
