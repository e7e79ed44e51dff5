import pytest

from services.catalogue import domain
from services.catalogue.domain import SupplierStanding
from shared.errors import Conflict, NotFound
from shared.events import SupplierStatus
from tests.factories import NOW, listing


def standing(status: SupplierStatus) -> SupplierStanding:
    return SupplierStanding(supplier_id="sup-1", sequence=2, status=status)


def test_verified_supplier_lists_a_product() -> None:
    product, events = domain.list_product("prd-1", "sup-1", standing(SupplierStatus.VERIFIED), listing(), NOW)
    assert product.status is domain.ListingStatus.LISTED
    assert events[0].TYPE == "ma.tijara.product.listed.v1" and events[0].listing.hs_code == "151590"


@pytest.mark.parametrize("status", [SupplierStatus.SUBMITTED, SupplierStatus.REJECTED])
def test_unverified_supplier_is_refused_with_its_status(status: SupplierStatus) -> None:
    with pytest.raises(Conflict) as raised:
        domain.list_product("prd-1", "sup-1", standing(status), listing(), NOW)
    assert status.value in raised.value.message and "only verified suppliers" in raised.value.message


def test_unknown_supplier_is_not_found() -> None:
    with pytest.raises(NotFound):
        domain.list_product("prd-1", "sup-x", None, listing(), NOW)


def test_delisting_twice_is_a_conflict() -> None:
    product, _ = domain.list_product("prd-1", "sup-1", standing(SupplierStatus.VERIFIED), listing(), NOW)
    delisted, events = domain.delist(product, "sold out", NOW)
    assert events[0].sequence == 2
    with pytest.raises(Conflict):
        domain.delist(delisted, "again", NOW)
