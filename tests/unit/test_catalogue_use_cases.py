"""catalogue's use cases on in-memory fakes: who may list, each transition with its event in the outbox, and the
supplier events it reads (a suspension delists every listed product once; a stale one after reinstatement does
nothing). Milliseconds, no servers."""

import json

import pytest

from services.catalogue.domain import ListingStatus
from services.catalogue.readers import READERS
from services.catalogue.service import Catalogue
from shared.contracts.actors import Actor, Role
from shared.contracts.envelope import Envelope
from shared.errors import ConcurrentUpdate, Conflict, NotAllowed, NotFound
from shared.messaging.decoding import decode
from tests import factories
from tests.fakes import FakeCatalogueStore, FakeRelay


@pytest.fixture
def catalogue() -> Catalogue:
    return Catalogue(FakeCatalogueStore(), FakeRelay())


async def hears(catalogue: Catalogue, event, **sent_otherwise) -> None:
    """The supplier event as catalogue's reader reads it off the wire (with fields a newer producer sends
    otherwise), handed to the use case."""
    envelope = Envelope(event, "/tijara/onboarding")
    headers = {k: v.encode() for k, v in envelope.headers().items()}
    value = json.dumps(json.loads(envelope.value()) | sent_otherwise).encode()
    await catalogue.on_supplier_event(decode(headers, value, READERS).data)


def sme(supplier_id: str = "sup-1") -> Actor:
    return Actor(subject=f"user-{supplier_id}", role=Role.SUPPLIER, organisation=supplier_id)


def types(catalogue: Catalogue) -> list[str]:
    return [e.TYPE.split(".")[3] for e in catalogue.store.products.events()]


async def test_a_verified_supplier_lists_and_the_event_carries_the_listing(catalogue) -> None:
    await hears(catalogue, factories.supplier_verified("sup-1"))
    product = await catalogue.list_product("sup-1", factories.listing(), sme("sup-1"))
    assert product.status is ListingStatus.LISTED and await catalogue.get(product.product_id) == product
    [event] = catalogue.store.products.events()
    assert event.TYPE == "ma.tijara.product.listed.v2" and event.listing == factories.listing().on_the_wire()
    assert catalogue.relay.woken == [("products", product.product_id)]


async def test_an_sme_lists_only_for_itself(catalogue) -> None:
    await hears(catalogue, factories.supplier_verified("sup-1"))
    with pytest.raises(NotAllowed):
        await catalogue.list_product("sup-1", factories.listing(), sme("sup-9"))
    pid = (await catalogue.list_product("sup-1", factories.listing(), sme())).product_id
    with pytest.raises(NotAllowed):
        await catalogue.delist(pid, "not mine", sme("sup-9"))


async def test_only_a_known_verified_supplier_lists(catalogue) -> None:
    with pytest.raises(NotFound):
        await catalogue.list_product("sup-x", factories.listing(), sme("sup-x"))
    await hears(catalogue, factories.supplier_submitted("sup-2"))
    with pytest.raises(Conflict, match="only verified suppliers"):
        await catalogue.list_product("sup-2", factories.listing(), sme("sup-2"))
    assert catalogue.store.products.events() == []


async def test_update_delist_relist(catalogue) -> None:
    await hears(catalogue, factories.supplier_verified("sup-1"))
    pid = (await catalogue.list_product("sup-1", factories.listing(), sme("sup-1"))).product_id
    assert (await catalogue.update(pid, factories.listing(lead_time_days=9), sme())).listing.lead_time_days == 9
    assert (await catalogue.delist(pid, "sold out", sme())).status is ListingStatus.DELISTED
    with pytest.raises(Conflict):
        await catalogue.update(pid, factories.listing(), sme())
    assert (await catalogue.relist(pid, sme())).status is ListingStatus.LISTED
    assert types(catalogue) == ["listed", "updated", "delisted", "listed"]
    assert [e.sequence for e in catalogue.store.products.events()] == [1, 2, 3, 4]
    assert [p.product_id for p in await catalogue.of_supplier("sup-1")] == [pid]


async def test_a_suspension_delists_every_listed_product_once(catalogue) -> None:
    await hears(catalogue, factories.supplier_verified("sup-1"))
    listed = [(await catalogue.list_product("sup-1", factories.listing(), sme("sup-1"))).product_id for _ in range(3)]
    await catalogue.delist(listed[0], "paused", sme())
    suspension = factories.supplier_suspended("sup-1")
    await hears(catalogue, suspension)
    await hears(catalogue, suspension)  # redelivered: nothing left to delist
    delistings = [e for e in catalogue.store.products.events() if e.TYPE.endswith("delisted.v1")]
    assert sorted(e.product_id for e in delistings) == sorted(listed)
    assert {e.reason for e in delistings[1:]} == {"supplier suspended"}


async def test_a_stale_suspension_after_reinstatement_delists_nothing(catalogue) -> None:
    await hears(catalogue, factories.supplier_verified("sup-1", sequence=4))  # reinstated, newest
    pid = (await catalogue.list_product("sup-1", factories.listing(), sme("sup-1"))).product_id
    await hears(catalogue, factories.supplier_suspended("sup-1", sequence=3))  # older, arrives late
    assert (await catalogue.get(pid)).status is ListingStatus.LISTED


async def test_a_status_added_after_this_release_stops_listing_without_delisting(catalogue) -> None:
    await hears(catalogue, factories.supplier_verified("sup-1"))
    pid = (await catalogue.list_product("sup-1", factories.listing(), sme("sup-1"))).product_id
    await hears(catalogue, factories.supplier_verified("sup-1", sequence=3), status="on-hold")
    assert (await catalogue.get(pid)).status is ListingStatus.LISTED
    with pytest.raises(Conflict, match="is unknown"):
        await catalogue.list_product("sup-1", factories.listing(), sme("sup-1"))


async def test_a_concurrent_change_is_refused(catalogue) -> None:
    await hears(catalogue, factories.supplier_verified("sup-1"))
    product = await catalogue.list_product("sup-1", factories.listing(), sme("sup-1"))
    await catalogue.delist(product.product_id, "first", sme())
    with pytest.raises(ConcurrentUpdate):  # saving from a stale read (version 1) misses
        await catalogue.store.save_product(product.model_copy(update={"version": 2}), [])
