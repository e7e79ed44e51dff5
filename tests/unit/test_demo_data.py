"""The demo data set at full scale, without servers: what issue 3 asks of it holds, and it is deterministic."""

import random
from collections import Counter

from deploy.local import demo
from deploy.local.demo_partners import DEMO_PARTNERS
from services.catalogue.listing import Listing
from services.onboarding.application import SupplierApplication
from services.onboarding.nations import NATIONS
from services.partners import domain as partner_rules
from services.showcase.model.taxonomy import NORTH_AMERICA


def test_full_scale_covers_regions_sectors_and_buyer_countries() -> None:
    scale = demo.Scale()
    rng = random.Random(2024)
    applications = demo.supplier_applications(scale, rng)
    assert len(applications) >= 40
    for a in applications:
        SupplierApplication.model_validate(a)  # every application is complete and valid
    assert len({a["profile"]["region"] for a in applications}) >= 8
    assert len({a["profile"]["sectors"][0] for a in applications}) >= 8
    plans = [demo.workflow(i, scale, rng) for i in range(scale.suppliers)]
    assert sum(bool(p) and p[-1][0] == "verification" for p in plans) == scale.suppliers - scale.rejected - scale.pending
    levels = {tuple(step for step, _ in p) for p in plans if p and p[-1][0] == "verification"}
    assert len(levels) >= 3  # documents only, endorsed, inspected: the ranking has something to rank
    assert scale.products >= 200 and scale.inquiries >= 300
    products = [{"product_id": f"p{i}", "listing": demo.listing("seafood", "Souss-Massa", rng)} for i in range(20)]
    for p in products:
        Listing.model_validate(p["listing"])
    countries = Counter(demo.inquiry(rng.choice(products), rng)["buyer_country"] for _ in range(scale.inquiries))
    assert len(countries) >= 15
    assert sum(countries[c] for c in NORTH_AMERICA) / scale.inquiries > 0.4


def test_same_seed_same_data() -> None:
    assert demo.supplier_applications(demo.Scale(), random.Random(7)) == \
        demo.supplier_applications(demo.Scale(), random.Random(7))


def test_a_supplier_never_lists_the_same_title_twice_and_pictures_are_local() -> None:
    rng = random.Random(3)
    for sector in ("seafood", "aeronautics", "argan-and-cosmetics"):
        listings = [demo.listing(sector, "Souss-Massa", rng, nth, "http://127.0.0.1:8000/media/demo")
                    for nth in range(8)]
        for listing in listings:
            Listing.model_validate(listing)
        titles = [listing["title"]["en"] for listing in listings]
        assert len(set(titles)) == len(titles), titles
        assert all(url.startswith("http://127.0.0.1:8000/media/demo/") for x in listings for url in x["image_urls"])


def test_past_inquiries_are_answered_from_minutes_to_days_and_some_never() -> None:
    from datetime import UTC, datetime

    from services.inquiries.domain import PastInquiry

    rng, now = random.Random(5), datetime.now(UTC)
    ask = demo.inquiry({"product_id": "p1", "listing": demo.listing("seafood", "Souss-Massa", rng)}, rng)
    hours = {}
    for pace in demo.PACES:
        bodies = [PastInquiry.model_validate(demo.past_inquiry(ask, pace, rng, now)) for _ in range(60)]
        answered = [b for b in bodies if b.responded_at]
        assert 0 < len(answered) < len(bodies) or pace[0] >= 0.95
        hours[pace] = sorted((b.responded_at - b.received_at).total_seconds() / 3600 for b in answered)
    medians = [h[len(h) // 2] for h in hours.values()]
    assert min(medians) < 1 and max(medians) > 48  # the fastest answer within the hour, the slowest in days


def test_the_tunisian_set_is_small_complete_and_tunisian() -> None:
    """Every Tunisian application passes onboarding's rules for Tunisia (matricule fiscal, governorate, RNE
    documents), CEPEX endorses, and every listing is valid and loads from a Tunisian port."""
    scale, rng = demo.TUNISIA_SCALE, random.Random(2024)
    applications = demo.supplier_applications(scale, rng, demo.TUNISIA)
    assert len(applications) == 8 and scale.products == 30
    for a in applications:
        profile = SupplierApplication.model_validate(a).profile
        assert profile.country == "TN" and profile.ice is None and profile.region in NATIONS["TN"].regions
    assert len({a["profile"]["sectors"][0] for a in applications}) == 5
    plans = [demo.workflow(i, scale, rng, demo.TUNISIA) for i in range(scale.suppliers)]
    assert {body["agency"] for plan in plans for step, body in plan if step == "endorsement"} == {"CEPEX"}
    for sector, (places, templates) in demo.TUNISIA.data.SECTORS.items():
        for nth in range(len(templates) + 1):
            listing = Listing.model_validate(demo.listing(sector, places[0][0], rng, nth, market=demo.TUNISIA))
            assert listing.port_of_loading in {"Sfax", "Sousse", "Zarzis", "Radès"}


def test_the_demo_partner_registry_is_consistent() -> None:
    assert {p[0] for p in DEMO_PARTNERS} == {"clementia", "amdie", "maroc-pme", "asmex", "sgs",
                                             "tuv-rheinland", "intertek", "bureau-veritas"}
    for partner_id, name, kind, organisation in DEMO_PARTNERS:
        partner_rules.new_partner(partner_id, name, kind, organisation=organisation)  # each a valid registration
