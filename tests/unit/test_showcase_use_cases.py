"""showcase's use cases without servers: an event applied through the showcase's reader lands in the durable read
model (in-memory fake of its store), and the page model every process keeps (LiveModel, fed the same way) shows
verified suppliers, their listed products and their figures. Milliseconds."""

from datetime import timedelta

import pytest

from services.showcase import domain
from services.showcase.feed.readers import READERS
from services.showcase.model.live import LiveModel
from services.showcase.pages.countries import load
from services.showcase.pages.shapes import Filters
from services.showcase.service import Showcase
from shared.contracts.envelope import Envelope
from shared.messaging.decoding import decode
from tests import factories
from tests.factories import NOW
from tests.fakes import FakeShowcaseStore

MOROCCO = load(["MA"])["MA"]


def off_the_wire(event):
    envelope = Envelope(event, "/tijara/test")
    return decode({k: v.encode() for k, v in envelope.headers().items()}, envelope.value(), READERS)


EVENTS = [factories.supplier_verified("sup-1"), factories.supplier_submitted("sup-2"),
          factories.product_listed("prd-1", "sup-1"), factories.product_listed("prd-2", "sup-2"),
          factories.inquiry_received("inq-1", "sup-1", "prd-1", "US"),
          factories.inquiry_responded("inq-1", "sup-1", "prd-1", NOW + timedelta(hours=2)),
          factories.inquiry_received("inq-2", "sup-1", "prd-1", "FR")]


async def test_applying_lands_each_event_once_newest_first_in_the_read_model() -> None:
    store = FakeShowcaseStore()
    showcase = Showcase(store)
    for event in EVENTS + EVENTS[::-1]:  # every event twice, the second time newest first
        await showcase.apply(off_the_wire(event))
    docs = store.model.docs
    assert docs["suppliers"]["sup-1"]["status"] == "verified" and docs["products"]["prd-1"]["listed"] is True
    assert docs["inquiries"]["inq-1"]["sequence"] == 2 and docs["inquiries"]["inq-1"]["answered"] == 1
    snapshot = await store.snapshot(NOW - timedelta(days=30))
    assert {d["_id"] for d in snapshot["inquiries"]} == {"inq-1", "inq-2"}


@pytest.fixture
def live() -> LiveModel:
    model = LiveModel()
    for event in EVENTS:
        model.apply(off_the_wire(event).data)
    return model


def test_the_page_model_shows_verified_suppliers_their_products_and_figures(live) -> None:
    view, demand = live.shown("MA")
    page = domain.build_page(MOROCCO, view, demand, Filters(per_page=100))
    [card] = page.suppliers
    assert card.supplier_id == "sup-1" and card.products == 1
    assert [p.product_id for p in page.products.items] == ["prd-1"]
    assert live.legal_name("sup-1") == "Argane Souss SARL"


def test_a_suspension_takes_the_supplier_and_its_products_off_the_page(live) -> None:
    live.apply(off_the_wire(factories.supplier_suspended("sup-1")).data)
    view, _ = live.shown("MA")
    assert view.suppliers == [] and view.products == []
