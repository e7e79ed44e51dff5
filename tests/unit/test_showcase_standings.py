"""The country views kept supplier by supplier (model/standings.py) equal the whole-country pass
(tests/showcase_model.py: shown) after any sequence of changes, read at any points between them: suppliers verified, suspended, renamed, moving country;
products listed, delisted, renamed, moving supplier; inquiries arriving, answered, leaving the window. And a change
touching thousands of suppliers (a catch-up) settles in slices, the event loop answering between them."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.showcase import domain
from services.showcase.model.figures import WINDOW
from services.showcase.model.live import LiveModel
from services.showcase.pages import countries
from services.showcase.pages.key import PageKey
from services.showcase.pages.prebuilt import Renditions
from services.showcase.pages.render import DEFAULT_FILTERS, Pages
from services.showcase.pages.shapes import Filters
from shared.contracts.suppliers import SupplierStatus, SupplierSuspended, SupplierVerified, VerificationLevel
from tests import factories
from tests.factories import NOW
from tests.showcase_model import as_read, shown

COUNTRIES = ["MA", "TN"]
PAGES = countries.load(COUNTRIES)
SUPPLIERS = [f"sup-{n}" for n in range(4)]
PRODUCTS = [f"prd-{n}" for n in range(6)]
NAMES = ["Atlas", "Argan", "Zitoun", "Atlas"]  # equal names: the supplier id breaks the tie


def supplier(sid: str, seq: int, verified: bool, country: str, name: str, level: VerificationLevel):
    profile = (factories.tunisian_profile(trade_name=name) if country == "TN"
               else factories.profile(trade_name=name, ice=factories.ice(seq)))
    facts = {"supplier_id": sid, "sequence": seq, "occurred_at": NOW, "verification_level": level,
             "profile": profile}
    if verified:
        return SupplierVerified(**facts, status=SupplierStatus.VERIFIED, verified_at=NOW,
                                valid_until=NOW + timedelta(days=300))
    return SupplierSuspended(**facts, status=SupplierStatus.SUSPENDED, reason="complaint")


suppliers = st.builds(supplier, st.sampled_from(SUPPLIERS), st.integers(1, 6), st.booleans(),
                      st.sampled_from(COUNTRIES), st.sampled_from(NAMES), st.sampled_from(list(VerificationLevel)))


def product(pid: str, sid: str, seq: int, listed: bool, title: str, category: str):
    if not listed:
        return factories.product_delisted(pid, sid, seq)
    return factories.product_listed(pid, sid, seq, title={"en": title}, category=category)


products = st.builds(product, st.sampled_from(PRODUCTS), st.sampled_from(SUPPLIERS), st.integers(1, 6), st.booleans(),
                     st.sampled_from(["Oil", "Dates", "Oil "]), st.sampled_from(["seafood", "handicrafts"]))


def inquiry(iid: str, sid: str, days: int, answered: int | None, country: str):
    received = NOW - timedelta(days=days)
    if answered is None:
        return factories.inquiry_received(iid, sid, "prd-0", country, received_at=received)
    return factories.inquiry_responded(iid, sid, "prd-0", received + timedelta(hours=answered), country,
                                       received_at=received)


inquiries = st.builds(inquiry, st.sampled_from([f"inq-{n}" for n in range(8)]), st.sampled_from(SUPPLIERS),
                      st.integers(0, 40), st.none() | st.integers(1, 48), st.sampled_from(["US", "FR", "AE"]))
steps = st.lists(st.one_of(suppliers, products, inquiries, st.just("read"), st.integers(0, 12)), max_size=40)


def whole_country_pass(model: LiveModel, country: str) -> tuple[domain.Shown, dict[str, int]]:
    """The page's view computed from scratch from the model's documents and figures."""
    present = [s for s in model.suppliers.values() if s.profile.country == country]
    view = shown(present, model.products.values(), model.figures)
    demand: Counter = Counter()
    for s in present:
        if s.status is SupplierStatus.VERIFIED:
            demand.update(model.demand.get(s.supplier_id, {}))
    return view, {k: n for k, n in demand.items() if n}


@settings(max_examples=300, deadline=None)
@given(steps)
def test_the_views_kept_per_supplier_equal_a_whole_country_pass(steps) -> None:
    model, days = LiveModel(), 0
    model.expire(NOW - WINDOW)
    for step in steps:
        if step == "read":
            for country in COUNTRIES:
                assert model.shown(country) == whole_country_pass(model, country)
        elif isinstance(step, int):  # the window moves on by that many days
            days += step
            model.expire(NOW + timedelta(days=days) - WINDOW)
        else:
            model.apply(as_read(step))
    for country in COUNTRIES:
        view, demand = model.shown(country)
        assert (view, demand) == whole_country_pass(model, country)
        assert domain.build_page(PAGES[country], view, demand, Filters(per_page=100)) == domain.build_page(
            PAGES[country], *whole_country_pass(model, country), Filters(per_page=100))


def test_a_view_already_read_is_left_alone_by_later_changes() -> None:
    model = LiveModel()
    for event in [factories.supplier_verified("a"), factories.product_listed("p", "a")]:
        model.apply(as_read(event))
    view, demand = model.shown("MA")
    model.apply(as_read(factories.product_listed("q", "a", title={"en": "Another"})))
    model.apply(as_read(factories.inquiry_received("i", "a", "p", "US")))
    assert [p.product_id for p in view.products] == ["p"] and demand == {} and view.suppliers[0].products == 1
    later, demand = model.shown("MA")
    assert sorted(p.product_id for p in later.products) == ["p", "q"] and demand == {"US": 1}


def test_a_change_settles_in_slices_of_cards() -> None:
    model = LiveModel()
    for n in range(30):
        model.apply(as_read(factories.supplier_verified(f"s{n}", trade_name=f"Trader {n}", ice=factories.ice(n))))
        for m in range(10):
            model.apply(as_read(factories.product_listed(f"p{n}-{m}", f"s{n}")))
    slices = 1
    while model.settle(budget=100):
        slices += 1
    assert slices == 3  # 30 suppliers x 11 cards: 10 suppliers (110 cards) a slice
    assert len(model.shown("MA")[0].products) == 300


async def test_a_catch_up_rebuilds_in_slices_with_requests_answered_between() -> None:
    model = LiveModel()
    pages = Pages(model, PAGES, "https://tijara.example")
    renditions = Renditions(model, COUNTRIES, pages, pages.defaults)
    renditions.rebuild()
    for n in range(40):  # a catch-up after the start: many suppliers changed at once
        model.apply(as_read(factories.supplier_verified(f"s{n}", trade_name=f"Trader {n}", ice=factories.ice(n))))
        for m in range(5):
            model.apply(as_read(factories.product_listed(f"p{n}-{m}", f"s{n}")))
    turns = 0

    async def requests() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    answering = asyncio.create_task(requests())
    await renditions.refresh_json()
    answering.cancel()
    assert turns >= 2  # 40 suppliers x 6 cards: three slices of about 100
    page = json.loads(renditions.get(PageKey("country", "MA", "json", None, DEFAULT_FILTERS)).body)
    assert page["headline"]["verified_suppliers"] == 40 and page["headline"]["products"] == 200
