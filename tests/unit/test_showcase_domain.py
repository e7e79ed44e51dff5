"""The country page from the read model: visibility, figures, ranking, filters, paging; and the property that any
delivery order with duplicates gives the exact page."""

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.showcase import domain
from services.showcase.pages import countries
from services.showcase.pages.shapes import Filters
from shared.contracts.suppliers import SupplierStatus, VerificationLevel
from shared.errors import NotFound
from tests import factories
from tests.factories import NOW
from tests.showcase_model import Projection, page_from_documents, shown
from tests.strategies import deliveries

ALL = Filters(per_page=100, suppliers_per_page=100)
MOROCCO = countries.load(["MA"])["MA"]


def page_of(*events, filters: Filters = ALL):
    return page_from_documents(MOROCCO, Projection().apply_all(events).docs, NOW, filters)


def test_only_listed_products_of_verified_suppliers_show() -> None:
    page = page_of(factories.supplier_verified("a"), factories.supplier_submitted("b"),
                   factories.product_listed("p1", "a"), factories.product_listed("p2", "b"),
                   factories.product_listed("p3", "a"), factories.product_delisted("p3", "a"),
                   factories.inquiry_received("i1", "a", "p1", "US"), factories.inquiry_received("i2", "a", "p1", "FR"),
                   factories.inquiry_received("i3", "b", "p2", "US"))
    assert [p.product_id for p in page.products.items] == ["p1"]
    assert page.headline.model_dump() == {"verified_suppliers": 1, "products": 1, "categories": 1,
                                          "inquiries_30d": 2, "north_america_share": 0.5}
    assert [(c.category, c.products) for c in page.categories] == [("argan-and-cosmetics", 1)]
    assert page.suppliers[0].products == 1 and page.suppliers[0].inquiries_30d == 2
    assert [r.name for r in page.demand.by_region] == ["Europe", "North America"]
    assert {p.name for p in page.partners} >= {"ASMEX", "Maroc PME", "SGS", "Clementia"}


def test_suspended_supplier_disappears_with_its_products() -> None:
    page = page_of(factories.supplier_verified("a"), factories.product_listed("p1", "a"),
                   factories.supplier_suspended("a"))
    assert page.headline.verified_suppliers == 0 and page.products.items == []


def test_response_rate_counts_answers_within_24_hours_over_30_days() -> None:
    events = [factories.supplier_verified("a"), factories.product_listed("p1", "a")]
    for n, hours in enumerate([2, 30, None, 5]):
        received = NOW - timedelta(days=2)
        events.append(factories.inquiry_received(f"i{n}", "a", "p1", received_at=received))
        if hours:
            events.append(factories.inquiry_responded(f"i{n}", "a", "p1", received + timedelta(hours=hours),
                                                      received_at=received))
    events.append(factories.inquiry_received("old", "a", "p1", received_at=NOW - timedelta(days=31)))
    card = page_of(*events).suppliers[0]
    assert card.inquiries_30d == 4 and card.response_rate == 0.5
    assert card.typical_response_hours == round((2 + 30 + 5) / 3, 2)


def test_suppliers_rank_by_level_then_response_rate_then_activity() -> None:
    def verified(sid, level, name):
        return factories.supplier_verified(sid, trade_name=name).model_copy(update={"verification_level": level})

    events = [verified("a", VerificationLevel.ENDORSED, "Atlas"), verified("b", VerificationLevel.INSPECTED, "Rif"),
              verified("c", VerificationLevel.INSPECTED, "Sahara"), factories.product_listed("p1", "b"),
              factories.inquiry_received("i1", "c", "p9"),
              factories.inquiry_responded("i1", "c", "p9", NOW + timedelta(hours=1))]
    assert [s.trade_name for s in page_of(*events).suppliers] == ["Sahara", "Rif", "Atlas"]


def test_filters_and_pagination() -> None:
    events = [factories.supplier_verified("a")]
    for n in range(5):
        events.append(factories.product_listed(f"p{n}", "a", title={"en": f"Item {n}"}, moq=50 + n * 100,
                                               price_tiers=[{"min_quantity": 50 + n * 100, "unit_price": "3"}],
                                               incoterms=["FOB"] if n % 2 else ["EXW"]))
    events.append(factories.product_listed("p9", "a", category="seafood", certifications=["ONSSA"]))
    assert page_of(*events, filters=Filters(category="seafood")).products.total == 1
    assert page_of(*events, filters=Filters(certification="ONSSA")).products.total == 1
    assert page_of(*events, filters=Filters(incoterm="FOB")).products.total == 3  # p1, p3 and p9 (FOB, CIF)
    assert page_of(*events, filters=Filters(max_moq=250)).products.total == 4  # p0, p1, p2, p9 (moq 50)
    assert page_of(*events, filters=Filters(region="Oriental")).products.total == 0
    grid = page_of(*events, filters=Filters(per_page=4, page=2)).products
    assert (grid.total, grid.pages, grid.page, len(grid.items)) == (6, 2, 2, 2)
    assert page_of(*events, filters=Filters(per_page=4, page=9)).products.page == 2  # past the end: the last page
    assert page_of(*events).headline.products == 6  # headline figures ignore the grid's filters


def test_suppliers_are_paged_apart_from_the_products() -> None:
    """At launch scale the JSON carries one page of the ranked suppliers, not thousands of cards."""
    events = [factories.supplier_verified(f"s{n:02}", trade_name=f"Cooperative {n:02}") for n in range(5)]
    events.append(factories.product_listed("p1", "s03"))
    ranked = [s.supplier_id for s in page_of(*events).suppliers]
    page = page_of(*events, filters=Filters(suppliers_per_page=2, suppliers_page=2))
    assert [s.supplier_id for s in page.suppliers] == ranked[2:4]
    assert page.supplier_paging.model_dump() == {"total": 5, "page": 2, "pages": 3, "per_page": 2}
    assert page.headline.verified_suppliers == 5 and page.products.total == 1  # the headline and products: all
    last = page_of(*events, filters=Filters(suppliers_per_page=2, suppliers_page=9))
    assert last.supplier_paging.page == 3 and [s.supplier_id for s in last.suppliers] == ranked[4:]


def test_supplier_page_shows_only_a_verified_supplier() -> None:
    docs = Projection().apply_all([factories.supplier_verified("a"), factories.supplier_submitted("b"),
                                   factories.product_listed("p1", "a")]).docs
    view = shown([domain.SupplierView.model_validate(d) for d in docs["suppliers"].values()],
                 [domain.ProductView.model_validate(d) for d in docs["products"].values()], {})
    page = domain.build_supplier_page(MOROCCO, "a", view, "Argane Souss SARL")
    assert page.supplier.badge == "Verified · on-site inspected" and [p.product_id for p in page.products] == ["p1"]
    try:
        domain.build_supplier_page(MOROCCO, "b", view, "x")
        raise AssertionError("an unverified supplier has no page")
    except NotFound:
        pass


def test_unknown_country() -> None:
    try:
        domain.configured({"MA": MOROCCO}, "zz")
        raise AssertionError("expected NotFound")
    except NotFound as error:
        assert "MA" in error.message


@settings(max_examples=150, deadline=None)
@given(deliveries())
def test_any_order_with_duplicates_gives_the_exact_page(delivery) -> None:
    in_order, delivered, expected = delivery
    page = page_of(*delivered)
    assert page == page_of(*in_order)
    assert {s.supplier_id for s in page.suppliers} == expected.verified
    assert {p.product_id for p in page.products.items} == expected.visible_products  # never an unverified one
    assert all(p.supplier_id in expected.verified for p in page.products.items)
    assert page.headline.verified_suppliers == len(expected.verified)
    assert page.headline.products == len(expected.visible_products)
    assert page.headline.categories == len(expected.categories)
    assert page.headline.inquiries_30d == expected.inquiries_30d
    share = round(expected.north_america / expected.inquiries_30d, 3) if expected.inquiries_30d else 0.0
    assert page.headline.north_america_share == share
    for card in page.suppliers:
        answered = expected.answered_in_24h.get(card.supplier_id)
        assert card.response_rate == (None if answered is None else round(answered / card.inquiries_30d, 3))
    assert sum(r.inquiries for r in page.demand.by_country) == expected.inquiries_30d


@given(st.lists(st.sampled_from([SupplierStatus.VERIFIED, SupplierStatus.SUSPENDED]), min_size=1, max_size=6))
def test_the_newest_supplier_event_decides_whatever_came_before(statuses) -> None:
    events = [factories.supplier_verified("a", sequence=n + 1).model_copy(update={"status": s})
              for n, s in enumerate(statuses)] + [factories.product_listed("p1", "a")]
    shows = statuses[-1] is SupplierStatus.VERIFIED
    assert page_of(*reversed(events)).headline.products == int(shows)
