"""showcase's use cases on an in-memory read model: events applied through its reader, the country page and a
supplier's page assembled from it, one computation shared while the cache holds. Milliseconds, no servers."""

import asyncio
from datetime import timedelta

import pytest

from services.showcase.page import Filters
from services.showcase.readers import READERS
from services.showcase.service import Showcase
from shared.envelope import Envelope, read
from shared.errors import NotFound
from tests import factories
from tests.factories import NOW
from tests.fakes import FakeShowcaseStore


async def apply_all(showcase: Showcase, *events) -> None:
    for event in events:
        envelope = Envelope(event, "/tijara/test")
        await showcase.apply(read({k: v.encode() for k, v in envelope.headers().items()}, envelope.value(), READERS))


@pytest.fixture
async def showcase() -> Showcase:
    showcase = Showcase(FakeShowcaseStore())
    await apply_all(showcase, factories.supplier_verified("sup-1"), factories.supplier_submitted("sup-2"),
                    factories.product_listed("prd-1", "sup-1"), factories.product_listed("prd-2", "sup-2"),
                    factories.inquiry_received("inq-1", "sup-1", "prd-1", "US"),
                    factories.inquiry_responded("inq-1", "sup-1", "prd-1", NOW + timedelta(hours=2)),
                    factories.inquiry_received("inq-2", "sup-1", "prd-1", "FR"))
    return showcase


async def test_the_country_page_shows_verified_suppliers_their_products_and_figures(showcase) -> None:
    page = await showcase.country_page("ma", Filters(per_page=100), now=NOW + timedelta(days=1))
    [card] = page.suppliers
    assert card.supplier_id == "sup-1" and card.products == 1 and card.inquiries_30d == 2
    assert card.response_rate == 0.5 and card.typical_response_hours == 2.0
    assert [p.product_id for p in page.products.items] == ["prd-1"]
    assert {r.name: r.inquiries for r in page.demand.by_country} == {"US": 1, "FR": 1}
    assert page.headline.north_america_share == 0.5


async def test_a_delisting_or_suspension_takes_products_off_the_page(showcase) -> None:
    await apply_all(showcase, factories.product_delisted("prd-1", "sup-1"))
    assert (await showcase.country_page("ma", now=NOW)).products.total == 0
    await apply_all(showcase, factories.product_listed("prd-1", "sup-1", sequence=3),
                    factories.supplier_suspended("sup-1"))
    page = await showcase.country_page("ma", now=NOW)
    assert page.products.total == 0 and page.suppliers == []


async def test_supplier_page_only_for_a_verified_supplier_of_a_known_country(showcase) -> None:
    page = await showcase.supplier_page("ma", "sup-1", now=NOW)
    assert page.legal_name == "Argane Souss SARL" and [p.product_id for p in page.products] == ["prd-1"]
    with pytest.raises(NotFound):
        await showcase.supplier_page("ma", "sup-2", now=NOW)
    with pytest.raises(NotFound):
        await showcase.country_page("zz")


async def test_concurrent_requests_share_one_computation_while_cached() -> None:
    store = FakeShowcaseStore()
    calls = 0
    verified = store.verified_suppliers

    async def counted(country):
        nonlocal calls
        calls += 1
        return await verified(country)

    store.verified_suppliers = counted  # type: ignore[method-assign]
    showcase = Showcase(store, cache_seconds=60)
    pages = await asyncio.gather(*(showcase.country_page("ma") for _ in range(5)))
    assert calls == 1 and len({p.model_dump_json() for p in pages}) == 1
