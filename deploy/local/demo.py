"""A realistic Moroccan demo data set (and a small Tunisian one: `TUNISIA`, `TUNISIA_SCALE`), sent through the
public HTTP APIs so that the events flow for real.

Deterministic (seeded): the same command gives the same marketplace. Each supplier goes through the verification
workflow (documents, endorsement, inspection, some rejected at one step or left pending); verified ones list
products with quantity price tiers; buyers (North America first) send inquiries, most answered; a few suppliers
are suspended (their products delisted) and one is reinstated (its products re-listed).
"""

from __future__ import annotations

import asyncio
import functools
import math
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import ModuleType

import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from deploy.local import demo_data, demo_tunisia
from deploy.local.demo_data import ANSWERS, BUYER_COUNTRIES, BUYERS

INSPECTORS = ["SGS", "TÜV Rheinland", "Intertek", "Bureau Veritas"]
DEMO_PICTURES = "http://127.0.0.1:8000/media/demo"
PACES = [(0.95, 0.3, 0.6), (0.9, 2.0, 0.8), (0.8, 6.0, 0.9), (0.7, 20.0, 0.7), (0.5, 60.0, 0.6),
         (0.25, 96.0, 0.5)]  # (share answered, typical hours, spread): from within the hour to days, or rarely
VARIANTS = [  # (English, MOQ factor, French, Arabic): a supplier's further listings of the same product
    ("bulk export packing", 4, "conditionnement export en vrac", "تعبئة تصدير بالجملة"),
    ("private label", 2, "marque de distributeur", "علامة خاصة"),
    ("retail-ready packs", 1, "emballages prêts à la vente", "عبوات جاهزة للبيع بالتقسيط"),
]
CERT_DOCUMENTS = {"ISO 9001": "ISO 9001 certificate", "organic": "organic certificate", "halal": "halal certificate"}


@dataclass(frozen=True)
class Scale:
    suppliers: int = 46
    products: int = 210
    inquiries: int = 300
    rejected: int = 3
    pending: int = 3
    suspended: int = 2  # the first of them is reinstated


def ice(rng: random.Random) -> str:
    """15 digits: 9 for the company, 4 for the establishment, 2 check digits (mod 97, as demo material)."""
    body = f"{rng.randrange(10**8, 10**9)}{rng.randrange(1, 10):04d}"
    return f"{body}{97 - int(body) % 97:02d}"


def matricule(rng: random.Random) -> str:
    """A Tunisian matricule fiscal: 7 digits, a control letter (never I, O, U), VAT code A, category M, main
    establishment 000 (the form python-stdnum's stdnum.tn.mf checks; the letter is demo material)."""
    return f"{rng.randrange(10**6, 10**7):07d}{rng.choice('ABCDEFGHJKLMNPQRSTVWXYZ')}AM000"


@dataclass(frozen=True)
class Market:
    """One country's demo material and the identity its onboarding asks of a company."""

    code: str
    adjective: str
    data: ModuleType  # SECTORS, NAME_PARTS, FIRST_NAMES, LAST_NAMES, FRENCH_TITLES, ARABIC_TITLES, PORTS, ...
    agencies: tuple[str, ...]
    identity: Callable[[random.Random, str], dict]  # the profile's company identifiers, given the city
    documents: tuple[str, ...]  # identity documents
    food_documents: tuple[str, ...]
    phone: Callable[[random.Random], str]
    default_port: str


FOOD = {"agri-food", "seafood", "olive-oil-and-olives", "spices-and-dates"}
MOROCCO = Market(
    "MA", "Moroccan", demo_data, ("AMDIE", "Maroc PME", "ASMEX"),
    lambda rng, city: {"ice": ice(rng), "rc_number": str(rng.randrange(10_000, 600_000)), "rc_city": city},
    ("RC extract", "ICE certificate"), ("ONSSA approval",),
    lambda rng: f"+212 5{rng.randrange(10, 40)} {rng.randrange(100000, 999999)}", "Casablanca")
TUNISIA = Market(
    "TN", "Tunisian", demo_tunisia, ("CEPEX",), lambda rng, city: {"company_id": matricule(rng)},
    ("RNE extract", "tax identification card"), (),
    lambda rng: f"+216 7{rng.randrange(1, 9)} {rng.randrange(100000, 999999)}", "Radès")
TUNISIA_SCALE = Scale(suppliers=8, products=30, inquiries=40, rejected=1, pending=1, suspended=0)


def supplier_applications(scale: Scale, rng: random.Random, market: Market = MOROCCO) -> list[dict]:
    sector_table = market.data.SECTORS
    sectors = list(sector_table)
    applications, names = [], set()
    for i in range(scale.suppliers):
        sector = sectors[i % len(sectors)]
        region, city = rng.choice(sector_table[sector][0])
        name = f"{rng.choice(market.data.NAME_PARTS[0])} {rng.choice(market.data.NAME_PARTS[1])}"
        name = f"{name} {city}" if name in names else name
        names.add(name)
        certifications = sorted({c for t in sector_table[sector][1] for c in t[5] if c in CERT_DOCUMENTS})
        kinds = [*market.documents, *(market.food_documents if sector in FOOD else ()),
                 *(CERT_DOCUMENTS[c] for c in certifications)]
        person = f"{rng.choice(market.data.FIRST_NAMES)} {rng.choice(market.data.LAST_NAMES)}"
        domain = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
        applications.append({
            "profile": {
                "legal_name": f"{name} SARL", "trade_name": name, "country": market.code,
                **market.identity(rng, city), "region": region, "city": city,
                "sectors": [sector], "export_markets": rng.sample(["US", "CA", "FR", "ES", "DE", "AE"], 3),
                "contact": {"name": person, "email": f"export@{domain}.example.{market.code.lower()}",
                            "phone": market.phone(rng)},
            },
            "documents": [{"kind": k, "reference": f"{k[:3].upper()}-{rng.randrange(10**5, 10**6)}",
                           "url": f"https://docs.tijara.example/{rng.randrange(10**8)}.pdf"} for k in kinds],
            "submitted_by": "clementia" if rng.random() < 0.7 else None,
        })
    return applications


def workflow(i: int, scale: Scale, rng: random.Random, market: Market = MOROCCO) -> list[tuple[str, dict | None]]:
    """The verification steps one supplier goes through (by position, so the data set is always the same)."""
    today = datetime.now(UTC).date()
    inspection = {"body": rng.choice(INSPECTORS), "report_id": f"{market.code}-{rng.randrange(10**5, 10**6)}",
                  "passed": True, "inspected_on": (today - timedelta(days=rng.randrange(5, 200))).isoformat()}
    docs = ("documents-verification", {"reviewer": "clementia-kyc"})
    endorse = ("endorsement", {"agency": market.agencies[i % len(market.agencies)]})
    reasons = market.data.REJECTION_REASONS
    if i < scale.rejected:  # rejected at different steps, with a reason
        return [[("rejection", {"reason": reasons[0]})],
                [docs, ("rejection", {"reason": reasons[1]})],
                [docs, endorse, ("inspection", {**inspection, "passed": False, "reason": reasons[2]})]][i]
    if i < scale.rejected + scale.pending:  # still on the way
        return [[], [docs], [docs, endorse]][i - scale.rejected]
    steps = [docs]
    if i % 3:
        steps.append(endorse)
    if i % 4 != 1:
        steps.append(("inspection", inspection))
    return [*steps, ("verification", {"decision": "verified"})]


def listing(sector: str, region: str, rng: random.Random, nth: int = 0, pictures: str = DEMO_PICTURES,
            market: Market = MOROCCO) -> dict:
    """The supplier's `nth` listing: its sector's products in turn, then variants, so no title repeats."""
    templates = market.data.SECTORS[sector][1]
    title, hs_code, unit, moq, price, certifications = templates[nth % len(templates)]
    variant = VARIANTS[(nth // len(templates) - 1) % len(VARIANTS)] if nth >= len(templates) else None
    base_title = title
    if variant:
        title = f"{title}, {variant[0]}"
        moq *= variant[1]
    price *= rng.uniform(0.9, 1.15)
    tiers = [{"min_quantity": moq, "max_quantity": moq * 5 - 1, "unit_price": f"{price:.2f}"},
             {"min_quantity": moq * 5, "max_quantity": moq * 20 - 1, "unit_price": f"{price * 0.93:.2f}"},
             {"min_quantity": moq * 20, "max_quantity": None, "unit_price": f"{price * 0.87:.2f}"}]
    return {
        "title": {"en": title, "fr": _variant(market.data.FRENCH_TITLES.get(base_title), variant, 2),
                  "ar": _variant(market.data.ARABIC_TITLES.get(base_title), variant, 3)},
        "description": {"en": f"{title}, from {region}. Export packaging, documents for customs clearance provided."},
        "category": sector, "hs_code": hs_code, "moq": moq, "moq_unit": unit, "currency": "USD",
        "price_tiers": _open_ended(tiers[:rng.choice([1, 2, 3])] if rng.random() < 0.3 else tiers),
        "lead_time_days": rng.choice([7, 14, 21, 30, 45]),
        "supply_ability": {"quantity": moq * rng.choice([20, 50, 100]), "unit": unit, "period": "month"},
        "samples": {"available": rng.random() < 0.6}, "incoterms": rng.sample(["FOB", "CIF", "EXW", "CFR", "DDP"], 2),
        "port_of_loading": market.data.PORTS.get(region, market.default_port), "origin_region": region,
        "certifications": certifications,
        "image_urls": [] if rng.random() < 0.1 else [f"{pictures}/{_slug(base_title)}.svg"],
    }


def past_inquiry(ask: dict, pace: tuple[float, float, float], rng: random.Random, now: datetime,
                 days: float = 27) -> dict:
    """An inquiry of the past `days` (four weeks by default), answered (or not) at its supplier's pace: (share
    answered, typical hours to answer, spread), log-normal, so one supplier answers in minutes and another in days."""
    share, typical_hours, spread = pace
    received = now - timedelta(hours=rng.uniform(6, days * 24))
    body = {"request": ask, "received_at": received.isoformat()}
    if rng.random() < share:
        hours = min(rng.lognormvariate(math.log(typical_hours), spread), (now - received).total_seconds() / 3600)
        body |= {"response": rng.choice(ANSWERS), "responded_at": (received + timedelta(hours=hours)).isoformat()}
    return body


def _hours(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 3600


def _variant(title: str | None, variant: tuple | None, language: int) -> str | None:
    return f"{title}, {variant[language]}" if title and variant else title


def _slug(title: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split())[:60]


def _open_ended(tiers: list[dict]) -> list[dict]:
    """The last tier is 'and above', so every quantity from the MOQ up has a price."""
    return [*tiers[:-1], {**tiers[-1], "max_quantity": None}]


def inquiry(product: dict, rng: random.Random) -> dict:
    countries, weights = zip(*BUYER_COUNTRIES, strict=True)
    country = rng.choices(countries, weights)[0]
    company = rng.choice(BUYERS)
    quantity = product["listing"]["moq"] * rng.choice([1, 2, 5, 10])
    unit = product["listing"]["moq_unit"]
    return {
        "product_id": product["product_id"], "buyer_company": company, "buyer_country": country,
        "contact_email": f"sourcing@{company.split()[0].lower()}.example.com", "quantity": quantity, "unit": unit,
        "target_price": product["listing"]["price_tiers"][-1]["unit_price"], "currency": "USD",
        "destination": {"US": "Port Newark", "CA": "Port of Montreal"}.get(country, f"main port, {country}"),
        "message": f"We are interested in {quantity} {unit} delivered to {country}. "
                   "Please quote your best price, lead time and Incoterms.",
    }


async def _retry(send, attempts: int = 120, delay: float = 0.5) -> httpx.Response:
    """Retry while the answer is 404/409 caused by an event not yet propagated to the next service."""
    for _ in range(attempts - 1):
        response = await send()
        if response.status_code not in (404, 409):
            return response
        await asyncio.sleep(delay)
    return await send()


def acting_as(step: str, body: dict | None) -> str:
    """Who takes a verification step: staff, or the agency / inspection body named in the step."""
    if step == "endorsement":
        return f"agency:{body['agency']}"
    if step == "inspection":
        return f"inspection:{body['body']}"
    return "staff"


def fresh_tokens(token: Callable[[str], str], renew_seconds: float = 600) -> Callable[[str], str]:
    """`token`, got once per role and again every `renew_seconds` (the local issuer's tokens live an hour, the
    Keycloak realm's 15 minutes; a seeding may last longer)."""
    cached = functools.cache(lambda role, _period: token(role))
    return lambda role: cached(role, int(time.monotonic() // renew_seconds))


async def seed(urls: dict[str, str], token: Callable[[str], str], scale: Scale = Scale(), seed_value: int = 2024,
               show: bool = True, market: Market = MOROCCO) -> dict:
    """Onboard and verify (or reject), list, inquire and answer, suspend and reinstate; return what was created.
    Each call acts in its proper role: `token("agency:AMDIE")` gives a bearer token (the local issuer's, or the
    identity provider's: Marketplace.token)."""
    tokens = fresh_tokens(token)
    rng = random.Random(seed_value)
    applications = supplier_applications(scale, rng, market)
    plans = [workflow(i, scale, rng, market) for i in range(scale.suppliers)]
    total = scale.suppliers + sum(map(len, plans)) + scale.products + scale.inquiries * 2 + scale.suspended * 3
    limits = asyncio.Semaphore(16)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  disable=not show) as progress:
        task = progress.add_task(f"Seeding the {market.adjective} marketplace", total=total)
        async with httpx.AsyncClient(timeout=30) as http:

            async def call(method: str, url: str, body: dict | None = None, retry: bool = False,
                           role: str | None = None) -> httpx.Response:
                headers = {"Authorization": f"Bearer {tokens(role)}"} if role else None
                async with limits:
                    send = lambda: http.request(method, url, json=body, headers=headers)  # noqa: E731
                    response = await (_retry(send) if retry else send())
                progress.advance(task)
                return response.raise_for_status()

            async def onboard(application: dict, plan: list) -> dict:
                partner = application.pop("submitted_by")  # else the SME applies itself, for its own supplier id
                applicant = f"partner:{partner}" if partner else f"supplier:sup-{uuid.uuid4().hex[:12]}"
                supplier = (await call("POST", f"{urls['onboarding']}/suppliers", application, role=applicant)).json()
                for step, body in plan:
                    supplier = (await call("POST", f"{urls['onboarding']}/suppliers/{supplier['supplier_id']}/{step}",
                                           body, role=acting_as(step, body))).json()
                return supplier

            progress.update(task, description="Onboarding and verifying suppliers")
            suppliers = await asyncio.gather(*(onboard(a, p) for a, p in zip(applications, plans, strict=True)))
            verified = [s for s in suppliers if s["status"] == "verified"]

            progress.update(task, description="Listing products")
            pictures = f"{urls.get('showcase', 'http://127.0.0.1:8000')}/media/demo"  # served locally
            bodies = [{"supplier_id": s["supplier_id"],
                       "listing": listing(s["profile"]["sectors"][0], s["profile"]["region"], rng,
                                          i // len(verified), pictures, market)}
                      for i, s in ((i, verified[i % len(verified)]) for i in range(scale.products))]
            products = [r.json() for r in await asyncio.gather(
                *(call("POST", f"{urls['catalogue']}/products", b, retry=True, role=f"supplier:{b['supplier_id']}")
                  for b in bodies))]

            progress.update(task, description="Suspending and reinstating")
            suspended = verified[-scale.suspended:] if scale.suspended else []
            for s in suspended:
                await call("POST", f"{urls['onboarding']}/suppliers/{s['supplier_id']}/suspension",
                           {"reason": "ONSSA approval under review after a buyer complaint"}, role="staff")
            reinstated = suspended[:1]
            for s in reinstated:
                await call("POST", f"{urls['onboarding']}/suppliers/{s['supplier_id']}/reinstatement", role="staff")
            relisted = 0
            for s in suspended:  # wait until the catalogue has delisted them (it learns through Kafka)
                await _until_delisted(http, urls["catalogue"], s["supplier_id"])
                progress.advance(task)
            for s in reinstated:
                for p in (p for p in products if p["supplier_id"] == s["supplier_id"]):
                    await call("POST", f"{urls['catalogue']}/products/{p['product_id']}/relisting", retry=True,
                               role=f"supplier:{s['supplier_id']}")
                    relisted += 1
                progress.advance(task)
            gone = {s["supplier_id"] for s in suspended[len(reinstated):]}
            active = [p for p in products if p["supplier_id"] not in gone]

            progress.update(task, description="Buyers sending inquiries")
            pace = {s["supplier_id"]: rng.choice(PACES) for s in verified}  # how each supplier answers
            chosen = [rng.choice(active) for _ in range(scale.inquiries)]
            asks = [inquiry(p, rng) for p in chosen]
            fresh = max(1, len(asks) // 10)  # arriving now, not answered yet; the rest came over the past weeks
            now = datetime.now(UTC)
            past = [past_inquiry(a, pace[p["supplier_id"]], rng, now) for a, p in zip(asks, chosen)][fresh:]
            inquiries = [r.json() for r in await asyncio.gather(
                *(call("POST", f"{urls['inquiries']}/inquiries", a, retry=True) for a in asks[:fresh]),
                *(call("POST", f"{urls['inquiries']}/inquiries/history", p, retry=True, role="operator")
                  for p in past))]

            progress.update(task, description="Suppliers answering")
            answers = [i for i in inquiries if i["status"] == "responded"]
            closed = answers[: len(answers) // 4]
            await asyncio.gather(*(call("POST", f"{urls['inquiries']}/inquiries/{i['inquiry_id']}/closing",
                                        {"reason": "quotation sent"}, role=f"supplier:{i['supplier_id']}")
                                   for i in closed))
            progress.update(task, completed=total, description="Demo marketplace ready")
    return {
        "suppliers": len(suppliers), "verified": len(verified) - len(gone),
        "rejected": sum(s["status"] == "rejected" for s in suppliers),
        "pending": sum(s["status"] not in ("verified", "rejected") for s in suppliers),
        "suspended": len(suspended), "reinstated": len(reinstated), "products": len(products),
        "relisted": relisted, "inquiries": len(inquiries), "answered": len(answers),
        "answered_in_24h": sum(_hours(i["received_at"], i["responded_at"]) <= 24 for i in answers),
        "buyer_countries": len({a["buyer_country"] for a in asks}),
        "regions": len({s["profile"]["region"] for s in suppliers}),
        "sectors": len({s["profile"]["sectors"][0] for s in suppliers}),
    }


async def _until_delisted(http: httpx.AsyncClient, catalogue: str, supplier_id: str, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        products = (await http.get(f"{catalogue}/products", params={"supplier_id": supplier_id})).json()
        if all(p["status"] == "delisted" for p in products):
            return
        await asyncio.sleep(0.3)
    raise TimeoutError(f"the catalogue did not delist {supplier_id}'s products within {timeout:.0f}s")
