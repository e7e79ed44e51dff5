"""Listings: who may list, every transition, and the listing's validations (price tiers above all)."""

import pytest
from pydantic import ValidationError

from services.catalogue import domain
from services.catalogue.domain import ListingStatus, SupplierStanding
from shared.contracts.suppliers import SupplierStatus
from shared.errors import Conflict, NotFound
from tests.factories import NOW, listing


def standing(status: SupplierStatus = SupplierStatus.VERIFIED) -> SupplierStanding:
    return SupplierStanding(supplier_id="sup-1", sequence=2, status=status)


def listed():
    return domain.list_product("prd-1", "sup-1", standing(), listing(), NOW)[0]


def test_verified_supplier_lists_a_product_with_the_full_listing() -> None:
    product, (event,) = domain.list_product("prd-1", "sup-1", standing(), listing(), NOW)
    assert product.status is ListingStatus.LISTED
    assert event.TYPE == "ma.tijara.product.listed.v2" and event.listing.price_tiers[1].unit_price == 34.5


@pytest.mark.parametrize("status", [s for s in SupplierStatus if s is not SupplierStatus.VERIFIED])
def test_unverified_supplier_is_refused_with_its_status(status: SupplierStatus) -> None:
    with pytest.raises(Conflict) as raised:
        domain.list_product("prd-1", "sup-1", standing(status), listing(), NOW)
    assert status.value in raised.value.message and "only verified suppliers" in raised.value.message


def test_unknown_supplier_is_not_found() -> None:
    with pytest.raises(NotFound):
        domain.list_product("prd-1", "sup-x", None, listing(), NOW)


def test_update_carries_the_new_listing() -> None:
    updated, (event,) = domain.update(listed(), standing(), listing(lead_time_days=10), NOW)
    assert updated.version == event.sequence == 2 and event.TYPE == "ma.tijara.product.updated.v1"
    assert event.listing.lead_time_days == 10


def test_delist_relist_and_their_conflicts() -> None:
    delisted, (event,) = domain.delist(listed(), "sold out", NOW)
    assert event.sequence == 2 and event.listing == delisted.listing.on_the_wire()
    assert delisted.delisting_reason == "sold out"
    for illegal in (lambda: domain.delist(delisted, "again", NOW),
                    lambda: domain.update(delisted, standing(), listing(), NOW)):
        with pytest.raises(Conflict) as raised:
            illegal()
        assert raised.value.details["current_state"] == "delisted"
    with pytest.raises(Conflict):
        domain.relist(delisted, standing(SupplierStatus.SUSPENDED), NOW)
    back, (event,) = domain.relist(delisted, standing(), NOW)
    assert back.status is ListingStatus.LISTED and event.TYPE == "ma.tijara.product.listed.v2" and event.sequence == 3
    with pytest.raises(Conflict):
        domain.relist(back, standing(), NOW)


def test_update_by_a_suspended_supplier_is_refused() -> None:
    with pytest.raises(Conflict):
        domain.update(listed(), standing(SupplierStatus.SUSPENDED), listing(), NOW)


@pytest.mark.parametrize(("status", "reason"), [(SupplierStatus.SUSPENDED, "supplier suspended"),
                                                (SupplierStatus.EXPIRED, "supplier verification expired"),
                                                (SupplierStatus.VERIFIED, None), (SupplierStatus.SUBMITTED, None)])
def test_which_standings_take_products_off_the_catalogue(status, reason) -> None:
    assert domain.delisting_reason(standing(status)) == reason


def tiers(*rows):
    return [{"min_quantity": lo, "max_quantity": hi, "unit_price": p} for lo, hi, p in rows]


@pytest.mark.parametrize(("price_tiers", "problem"), [
    (tiers((100, 499, "38"), (500, None, "34")), "must start at the MOQ"),
    (tiers((50, 499, "38"), (400, None, "34")), "overlap"),
    (tiers((50, None, "38"), (500, None, "34")), "only the last"),
    (tiers((50, 499, "38"), (600, None, "34")), "gap"),
    (tiers((50, 40, "38")), "below min_quantity"),
    (tiers((50, None, "0")), "greater than 0"),
    ([], "at least 1"),
])
def test_price_tiers_are_validated(price_tiers, problem) -> None:
    with pytest.raises(ValidationError, match=problem):
        listing(price_tiers=price_tiers)


@pytest.mark.parametrize(("field", "value"), [
    ("hs_code", "1515"), ("currency", "usd"), ("incoterms", []), ("incoterms", ["FAS"]),
    ("origin_region", "Andalucía"), ("category", "oil"), ("title", {"fr": "sans anglais"}),
    ("description", {"en": ""}), ("image_urls", ["javascript:alert(1)"]), ("moq", 0), ("lead_time_days", 0),
    ("certifications", ["cheap"]),
])
def test_listing_fields_are_validated(field, value) -> None:
    with pytest.raises(ValidationError):
        listing(**{field: value})


def test_price_for_a_quantity_follows_the_tiers() -> None:
    item = listing()
    assert (item.price_for(49), item.price_for(50), item.price_for(499), item.price_for(10_000)) == \
        (None, item.price_tiers[0].unit_price, item.price_tiers[0].unit_price, item.price_tiers[1].unit_price)
    assert item.from_price == item.price_tiers[1].unit_price
