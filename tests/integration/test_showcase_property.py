"""The showcase's real store, fed any order of events with duplicates, gives the in-memory page model a process
starts from exactly the page the pure projection gives (a few examples: each one is a fresh database on the real
server)."""

import uuid
from datetime import timedelta

from hypothesis import HealthCheck, given, settings

from services.showcase import domain
from services.showcase.model.figures import WINDOW
from services.showcase.model.live import LiveModel
from services.showcase.pages import countries
from services.showcase.pages.shapes import Filters
from services.showcase.store import ShowcaseStore
from shared.storage.mongo import connect
from tests import factories
from tests.factories import NOW
from tests.showcase_model import Projection, as_read, page_from_documents
from tests.strategies import deliveries

MOROCCO = countries.load(["MA"])["MA"]


async def model_from_store(store: ShowcaseStore) -> LiveModel:
    model = LiveModel()
    for collection, docs in (await store.snapshot(NOW - WINDOW)).items():
        model.load(collection, docs)
    model.expire(NOW - WINDOW)
    return model


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(delivery=deliveries())
async def test_store_snapshot_gives_the_pure_projections_page(infrastructure, delivery) -> None:
    in_order, delivered, expected = delivery
    client = connect(infrastructure.mongodb)
    name = f"prop_{uuid.uuid4().hex[:8]}"
    try:
        store = ShowcaseStore(client[name])
        await store.ensure_indexes()
        for event in delivered:
            await store.apply(as_read(event))
        view, demand = (await model_from_store(store)).shown("MA")
        page = domain.build_page(MOROCCO, view, demand, Filters(per_page=100))
        assert page == page_from_documents(MOROCCO, Projection().apply_all(in_order).docs, NOW,
                                                  Filters(per_page=100))
        assert {p.product_id for p in page.products.items} == expected.visible_products
        assert page.headline.inquiries_30d == expected.inquiries_30d
    finally:
        await client.drop_database(name)
        await client.close()


async def test_snapshot_carries_the_windows_inquiries_only(infrastructure) -> None:
    client = connect(infrastructure.mongodb)
    name = f"snapshot_{uuid.uuid4().hex[:8]}"
    try:
        store = ShowcaseStore(client[name])
        await store.ensure_indexes()
        received = NOW - timedelta(days=1)
        events = [factories.supplier_verified("a"), factories.product_listed("p", "a"),
                  factories.inquiry_received("old", "a", "p", "US", received_at=NOW - timedelta(days=45))]
        for n, hours in enumerate([1, 30, None]):
            events.append(factories.inquiry_received(f"i{n}", "a", "p", "CA", received_at=received))
            if hours:
                events.append(factories.inquiry_responded(f"i{n}", "a", "p", received + timedelta(hours=hours),
                                                          "CA", received_at=received))
        for event in events:
            await store.apply(as_read(event))
        snapshot = await store.snapshot(NOW - WINDOW)
        assert sorted(d["_id"] for d in snapshot["inquiries"]) == ["i0", "i1", "i2"]
        model = await model_from_store(store)
        assert model.figures["a"].model_dump() == {"inquiries": 3, "answered": 2, "answered_in_24h": 1,
                                                   "response_seconds": 31 * 3600}
        assert dict(model.demand["a"]) == {"CA": 3}
    finally:
        await client.drop_database(name)
        await client.close()
