import pytest

from services.inquiries import domain
from shared.errors import NotFound
from tests.factories import NOW

REQUEST = domain.BuyerRequest(product_id="prd-1", buyer_company="Maple Leaf Foods Trading", buyer_country="CA",
                              contact_email="sourcing@mapleleaf.example.com", quantity=500, unit="kg",
                              message="Clementines for the Canadian winter season, please quote CIF Montreal.")


def test_inquiry_about_a_listed_product_goes_to_its_supplier() -> None:
    product = domain.ListedProduct(product_id="prd-1", supplier_id="sup-1", sequence=1, listed=True)
    inquiry, events = domain.receive_inquiry("inq-1", REQUEST, product, NOW)
    assert inquiry.supplier_id == "sup-1" and inquiry.status is domain.InquiryStatus.OPEN
    assert events[0].buyer_country == "CA" and events[0].product_id == "prd-1"


@pytest.mark.parametrize("listed", [None, False])
def test_inquiry_about_an_unknown_or_delisted_product_is_refused(listed: bool | None) -> None:
    product = None if listed is None else domain.ListedProduct(product_id="prd-1", supplier_id="s", sequence=2,
                                                               listed=False)
    with pytest.raises(NotFound) as raised:
        domain.receive_inquiry("inq-1", REQUEST, product, NOW)
    assert "no listed product 'prd-1'" in raised.value.message
