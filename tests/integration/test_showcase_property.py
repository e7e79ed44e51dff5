"""The showcase's real store on FerretDB, fed any order of events with duplicates, gives exactly the page the pure
projection gives (a few examples: each one is a fresh database on the real server)."""

import uuid

from hypothesis import HealthCheck, given, settings

from services.showcase.page import Filters
from services.showcase.service import Showcase
from services.showcase.store import ShowcaseStore
from shared.mongo import connect
from tests.factories import NOW
from tests.showcase_model import Projection, as_read, page_from_documents
from tests.strategies import deliveries


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(delivery=deliveries())
async def test_store_on_ferretdb_matches_the_pure_projection(infrastructure, delivery) -> None:
    in_order, delivered, expected = delivery
    client = connect(infrastructure.mongodb)
    name = f"prop_{uuid.uuid4().hex[:8]}"
    try:
        store = ShowcaseStore(client[name])
        await store.ensure_indexes()
        for event in delivered:
            await store.apply(as_read(event))
        page = await Showcase(store).country_page("ma", Filters(per_page=100), now=NOW)
        assert page == page_from_documents("MA", Projection().apply_all(in_order).docs, NOW,
                                                  Filters(per_page=100))
        assert {p.product_id for p in page.products.items} == expected.visible_products
        assert page.headline.inquiries_30d == expected.inquiries_30d
    finally:
        await client.drop_database(name)
        await client.close()


async def test_response_figures_on_ferretdb(infrastructure) -> None:
    """Several sums over the same inquiries (FerretDB gets only the first accumulator of a $group right)."""
    from datetime import timedelta

    from tests import factories

    client = connect(infrastructure.mongodb)
    name = f"figures_{uuid.uuid4().hex[:8]}"
    try:
        store = ShowcaseStore(client[name])
        received = NOW - timedelta(days=1)
        events = [factories.supplier_verified("a"), factories.product_listed("p", "a")]
        for n, hours in enumerate([1, 30, None]):
            events.append(factories.inquiry_received(f"i{n}", "a", "p", "CA", received_at=received))
            if hours:
                events.append(factories.inquiry_responded(f"i{n}", "a", "p", received + timedelta(hours=hours),
                                                          "CA", received_at=received))
        for event in events:
            await store.apply(as_read(event))
        figures = await store.response_figures(["a"], NOW - timedelta(days=30))
        assert figures["a"].model_dump() == {"inquiries": 3, "answered": 2, "answered_in_24h": 1,
                                             "response_seconds": 31 * 3600}
        assert await store.demand_by_country(["a"], NOW - timedelta(days=30)) == {"CA": 3}
    finally:
        await client.drop_database(name)
        await client.close()
