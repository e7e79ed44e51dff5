"""A realistic Moroccan demo data set, sent through the public HTTP APIs so that the events flow for real.

Deterministic (seeded): the same command gives the same marketplace. Figures and places follow shared/DOMAIN.md.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

# sector -> (regions with cities, product templates: title, HS code, unit, moq, price USD, certifications)
SECTORS: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str, str, int, float, list[str]]]]] = {
    "argan-and-cosmetics": (
        [("Souss-Massa", "Agadir"), ("Souss-Massa", "Taroudant"), ("Marrakech-Safi", "Essaouira"),
         ("Drâa-Tafilalet", "Kelaat M'Gouna")],
        [("Organic cosmetic argan oil, cold-pressed", "151590", "litre", 50, 38.0, ["organic", "argan PGI"]),
         ("Culinary roasted argan oil", "151590", "litre", 100, 32.5, ["ONSSA", "argan PGI"]),
         ("Damask rose water, steam-distilled", "330190", "litre", 200, 6.8, ["organic"]),
         ("Ghassoul clay powder", "250810", "kg", 500, 2.9, ["ISO 9001"]),
         ("Prickly pear seed oil", "151590", "litre", 10, 290.0, ["organic"])],
    ),
    "olive-oil-and-olives": (
        [("Fès-Meknès", "Meknès"), ("Marrakech-Safi", "Marrakech"), ("Béni Mellal-Khénifra", "Béni Mellal")],
        [("Extra virgin olive oil, Picholine marocaine", "150920", "litre", 1000, 7.4, ["ONSSA"]),
         ("Green table olives, pitted, in brine", "200570", "kg", 2000, 2.1, ["ONSSA", "halal"]),
         ("Organic extra virgin olive oil, 500 ml bottles", "150920", "bottle", 1200, 6.2, ["organic", "ONSSA"])],
    ),
    "seafood": (
        [("Souss-Massa", "Agadir"), ("Marrakech-Safi", "Safi"), ("Laâyoune-Sakia El Hamra", "Laâyoune"),
         ("Dakhla-Oued Ed-Dahab", "Dakhla")],
        [("Canned sardines in olive oil, 125 g", "160413", "carton", 500, 24.0, ["ONSSA", "halal"]),
         ("Canned sardines in tomato sauce, 125 g", "160413", "carton", 500, 21.5, ["ONSSA"]),
         ("Frozen octopus, whole cleaned", "030752", "kg", 1000, 11.8, ["ONSSA"]),
         ("Canned mackerel fillets", "160415", "carton", 400, 27.0, ["ONSSA", "halal"])],
    ),
    "agri-food": (
        [("Souss-Massa", "Agadir"), ("Oriental", "Berkane"), ("Rabat-Salé-Kénitra", "Kénitra")],
        [("Fresh cherry tomatoes, vine", "070200", "kg", 5000, 1.6, ["ONSSA"]),
         ("Clementines, Berkane, calibre 1-2", "080521", "kg", 10000, 0.9, ["ONSSA"]),
         ("Fresh blueberries, 125 g punnets", "081040", "kg", 1000, 7.5, ["ONSSA"]),
         ("Avocados Hass, fresh", "080440", "kg", 4000, 2.4, ["ONSSA"])],
    ),
    "spices-and-dates": (
        [("Drâa-Tafilalet", "Errachidia"), ("Drâa-Tafilalet", "Zagora"), ("Souss-Massa", "Taliouine")],
        [("Medjool dates, jumbo", "080410", "kg", 500, 9.5, ["ONSSA", "organic"]),
         ("Taliouine saffron, category I", "091020", "gram", 100, 4.2, ["ONSSA"]),
         ("Cumin seeds, whole", "090931", "kg", 300, 3.8, ["ONSSA"])],
    ),
    "handicrafts": (
        [("Fès-Meknès", "Fès"), ("Marrakech-Safi", "Safi"), ("Marrakech-Safi", "Marrakech"),
         ("Béni Mellal-Khénifra", "Khénifra")],
        [("Zellige mosaic tiles, hand-cut, 10x10 cm", "690721", "m²", 50, 68.0, []),
         ("Hand-painted Safi ceramic tagine", "691200", "piece", 100, 14.0, []),
         ("Beni Ourain wool rug, hand-knotted", "570110", "piece", 5, 420.0, []),
         ("Hammered brass lantern", "940549", "piece", 50, 36.0, [])],
    ),
    "leather": (
        [("Fès-Meknès", "Fès"), ("Marrakech-Safi", "Marrakech")],
        [("Vegetable-tanned leather tote bag", "420221", "piece", 100, 48.0, []),
         ("Leather babouche slippers", "640399", "pair", 200, 12.5, []),
         ("Leather pouffe, unstuffed", "420500", "piece", 50, 29.0, [])],
    ),
    "textiles-and-garments": (
        [("Tanger-Tétouan-Al Hoceïma", "Tanger"), ("Casablanca-Settat", "Casablanca"),
         ("Fès-Meknès", "Fès")],
        [("Men's denim jeans, 5-pocket", "620342", "piece", 1000, 9.8, ["ISO 9001"]),
         ("Organic cotton T-shirts", "610910", "piece", 2000, 3.4, ["organic"]),
         ("Women's knitted cardigans", "611030", "piece", 800, 12.0, [])],
    ),
    "automotive-parts": (
        [("Tanger-Tétouan-Al Hoceïma", "Tanger"), ("Rabat-Salé-Kénitra", "Kénitra")],
        [("Automotive wiring harness, custom", "854430", "piece", 5000, 18.0, ["ISO 9001"]),
         ("Seat covers for passenger cars", "940190", "set", 1000, 22.0, ["ISO 9001"]),
         ("Stamped steel brackets", "870829", "piece", 10000, 0.8, ["ISO 9001"])],
    ),
    "aeronautics": (
        [("Casablanca-Settat", "Nouaceur")],
        [("Machined aluminium aircraft brackets", "880730", "piece", 200, 85.0, ["ISO 9001"]),
         ("Composite cabin panels", "880730", "piece", 50, 640.0, ["ISO 9001"])],
    ),
    "fertilisers": (
        [("Casablanca-Settat", "El Jadida"), ("Marrakech-Safi", "Safi")],
        [("Diammonium phosphate (DAP) 18-46-0", "310530", "tonne", 500, 610.0, ["ISO 9001"]),
         ("NPK 15-15-15 compound fertiliser", "310520", "tonne", 200, 520.0, [])],
    ),
    "building-materials": (
        [("Oriental", "Oujda"), ("Guelmim-Oued Noun", "Guelmim"), ("Casablanca-Settat", "Settat")],
        [("Tadelakt lime plaster", "252290", "kg", 1000, 1.9, []),
         ("Moroccan marble slabs, polished", "680221", "m²", 200, 42.0, [])],
    ),
}
NAME_PARTS = (["Atlas", "Souss", "Tafilalet", "Rif", "Anfa", "Menara", "Oasis", "Sahara", "Volubilis", "Majorelle",
               "Zagora", "Toubkal", "Ifrane", "Draa", "Amazigh", "Medina", "Andalous", "Tingis", "Mogador", "Chefchaouen"],
              ["Export", "Trading", "Coop", "Industries", "Naturals", "Crafts", "Foods", "Maroc", "Group", "Atelier"])
BUYER_COUNTRIES = [("US", 34), ("CA", 18), ("MX", 4), ("FR", 8), ("ES", 6), ("DE", 5), ("GB", 5), ("IT", 3),
                   ("NL", 3), ("BE", 2), ("AE", 3), ("SA", 2), ("SN", 2), ("NG", 1), ("JP", 2), ("BR", 1), ("CN", 1)]
BUYERS = ["Pacific Gourmet Imports", "Maple Leaf Foods Trading", "Hudson Home & Decor", "Great Lakes Provisions",
          "Lone Star Natural Goods", "Montreal Épicerie Fine", "Bay Area Artisan Market", "Atlantic Seafood Supply",
          "Rocky Mountain Wellness", "Toronto Design Collective", "Maison Provence SARL", "Iberia Delicatessen SL",
          "Berliner Feinkost GmbH", "Gulf Horizon Trading LLC", "Dakar Distribution SA", "Tokyo Select Foods KK"]
REJECTION_REASONS = ["RC extract does not match the ICE certificate", "ONSSA approval expired",
                     "on-site inspection found no production facility at the declared address"]


@dataclass(frozen=True)
class Scale:
    suppliers: int = 40
    products: int = 200
    inquiries: int = 300
    rejected: int = 3
    unverified: int = 3


def ice(rng: random.Random) -> str:
    """15 digits: 9 for the company, 4 for the establishment, 2 check digits (mod 97, as demo material)."""
    body = f"{rng.randrange(10**8, 10**9)}{rng.randrange(1, 10):04d}"
    return f"{body}{97 - int(body) % 97:02d}"


def supplier_applications(scale: Scale, rng: random.Random) -> list[dict]:
    sectors = list(SECTORS)
    applications = []
    for i in range(scale.suppliers):
        sector = sectors[i % len(sectors)]
        region, city = rng.choice(SECTORS[sector][0])
        name = f"{rng.choice(NAME_PARTS[0])} {rng.choice(NAME_PARTS[1])}"
        if any(a["profile"]["trade_name"] == name for a in applications):
            name = f"{name} {city}"
        applications.append({
            "profile": {
                "legal_name": f"{name} SARL", "trade_name": name, "ice": ice(rng), "region": region, "city": city,
                "sectors": [sector], "export_markets": rng.sample(["US", "CA", "FR", "ES", "DE", "AE"], 3),
            },
            "submitted_by": "clementia" if rng.random() < 0.7 else None,
        })
    return applications


def listing(sector: str, region: str, rng: random.Random) -> dict:
    title, hs_code, unit, moq, price, certifications = rng.choice(SECTORS[sector][1])
    return {
        "title": title, "category": sector, "hs_code": hs_code, "moq": moq, "moq_unit": unit,
        "unit_price": f"{price * rng.uniform(0.9, 1.15):.2f}", "currency": "USD",
        "incoterms": rng.sample(["FOB", "CIF", "EXW", "CFR", "DDP"], 2), "origin_region": region,
        "certifications": certifications,
        "image_urls": [f"https://images.tijara.example/{hs_code}/{rng.randrange(1000)}.jpg"],
    }


def inquiry(product: dict, rng: random.Random) -> dict:
    countries, weights = zip(*BUYER_COUNTRIES, strict=True)
    country = rng.choices(countries, weights)[0]
    company = rng.choice(BUYERS)
    quantity = product["listing"]["moq"] * rng.choice([1, 2, 5, 10])
    return {
        "product_id": product["product_id"], "buyer_company": company, "buyer_country": country,
        "contact_email": f"sourcing@{company.split()[0].lower()}.example.com", "quantity": quantity,
        "unit": product["listing"]["moq_unit"],
        "message": f"We are interested in {quantity} {product['listing']['moq_unit']} delivered to {country}. "
                   "Please quote your best price, lead time and Incoterms.",
    }


async def _retry(send, attempts: int = 60, delay: float = 0.5) -> httpx.Response:
    """Retry while the answer is 404/409 caused by an event not yet propagated to the next service."""
    for _ in range(attempts - 1):
        response = await send()
        if response.status_code not in (404, 409):
            return response
        await asyncio.sleep(delay)
    return await send()


async def seed(urls: dict[str, str], scale: Scale = Scale(), seed_value: int = 2024, show: bool = True) -> dict:
    """Onboard, verify or reject, list and inquire; return counts of what was created."""
    rng = random.Random(seed_value)
    applications = supplier_applications(scale, rng)
    total = len(applications) * 2 - scale.unverified + scale.products + scale.inquiries
    limits = asyncio.Semaphore(16)
    summary = {"suppliers": 0, "verified": 0, "rejected": 0, "products": 0, "refused_listings": 0, "inquiries": 0}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  disable=not show) as progress:
        task = progress.add_task("Seeding the Moroccan marketplace", total=total)
        async with httpx.AsyncClient(timeout=30) as http:

            async def call(method: str, url: str, body: dict, retry: bool = False) -> httpx.Response:
                async with limits:
                    send = lambda: http.request(method, url, json=body)  # noqa: E731
                    response = await (_retry(send) if retry else send())
                progress.advance(task)
                return response

            created = [await call("POST", f"{urls['onboarding']}/suppliers", a) for a in applications]
            suppliers = [r.raise_for_status().json() for r in created]
            summary["suppliers"] = len(suppliers)
            decisions = []
            for i, s in enumerate(suppliers):
                if i < scale.rejected:
                    decisions.append({"decision": "rejected", "reason": REJECTION_REASONS[i % 3]})
                elif i < scale.rejected + scale.unverified:
                    decisions.append(None)
                else:
                    decisions.append({"decision": "verified"})
            await asyncio.gather(*(
                call("POST", f"{urls['onboarding']}/suppliers/{s['supplier_id']}/verification", d)
                for s, d in zip(suppliers, decisions, strict=True) if d
            ))
            summary["verified"] = sum(1 for d in decisions if d and d["decision"] == "verified")
            summary["rejected"] = scale.rejected
            verified = [s for s, d in zip(suppliers, decisions, strict=True) if d and d["decision"] == "verified"]

            plans = []
            for i in range(scale.products):
                s = verified[i % len(verified)]
                body = {"supplier_id": s["supplier_id"],
                        "listing": listing(s["profile"]["sectors"][0], s["profile"]["region"], rng)}
                plans.append(body)
            responses = await asyncio.gather(*(call("POST", f"{urls['catalogue']}/products", b, True) for b in plans))
            products = [r.raise_for_status().json() for r in responses]
            summary["products"] = len(products)
            # An unverified supplier's listing is refused: the marketplace's rule, shown in the demo too.
            unverified = [s for s, d in zip(suppliers, decisions, strict=True) if d is None]
            for s in unverified[:1]:
                refused = await http.post(f"{urls['catalogue']}/products", json={
                    "supplier_id": s["supplier_id"], "listing": listing(s["profile"]["sectors"][0],
                                                                         s["profile"]["region"], rng)})
                summary["refused_listings"] += refused.status_code in (404, 409)

            asks = [inquiry(rng.choice(products), rng) for _ in range(scale.inquiries)]
            responses = await asyncio.gather(*(call("POST", f"{urls['inquiries']}/inquiries", a, True) for a in asks))
            summary["inquiries"] = sum(1 for r in responses if r.raise_for_status())
    return summary
