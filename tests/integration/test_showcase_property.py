"""The showcase's real store on FerretDB, fed any order of events with duplicates, gives exactly the page the pure
projection gives (a few examples: each one is a fresh database on the real server)."""

import uuid

from hypothesis import HealthCheck, given, settings

from services.showcase import domain
from services.showcase.page import Filters
from services.showcase.projection import Projection
from services.showcase.service import Showcase
from services.showcase.store import ShowcaseStore
from shared.mongo import connect
from tests.factories import NOW
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
            await store.apply(event)
        page = await Showcase(store).country_page("ma", Filters(per_page=100), now=NOW)
        assert page == domain.page_from_documents("MA", Projection().apply_all(in_order).docs, NOW,
                                                  Filters(per_page=100))
        assert {p.product_id for p in page.products.items} == expected.visible_products
        assert page.headline.inquiries_30d == expected.inquiries_30d
    finally:
        await client.drop_database(name)
        await client.close()
