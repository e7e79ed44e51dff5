"""Inquiries: addressed to a listed product or a verified supplier; answered once; closed once."""

import pytest
from pydantic import ValidationError

from services.inquiries import domain
from shared.contracts.suppliers import SupplierStatus
from shared.errors import Conflict, NotFound
from tests.factories import NOW

ASK = {"product_id": "prd-1", "buyer_company": "Maple Leaf Foods Trading", "buyer_country": "CA",
       "contact_email": "sourcing@mapleleaf.example.com", "quantity": 500, "unit": "kg", "target_price": "0.85",
       "currency": "USD", "destination": "Port of Montreal",
       "message": "Clementines for the Canadian winter season, please quote CIF Montreal."}
REQUEST = domain.BuyerRequest(**ASK)
PRODUCT = domain.ListedProduct(product_id="prd-1", supplier_id="sup-1", sequence=1, listed=True)


def received():
    return domain.receive_inquiry("inq-1", REQUEST, PRODUCT, None, NOW)[0]


def test_inquiry_about_a_listed_product_goes_to_its_supplier() -> None:
    inquiry, (event,) = domain.receive_inquiry("inq-1", REQUEST, PRODUCT, None, NOW)
    assert inquiry.supplier_id == "sup-1" and inquiry.status is domain.InquiryStatus.OPEN
    assert (event.buyer_country, event.product_id, event.destination, str(event.target_price)) == \
        ("CA", "prd-1", "Port of Montreal", "0.85")


@pytest.mark.parametrize("listed", [None, False])
def test_inquiry_about_an_unknown_or_delisted_product_is_refused(listed: bool | None) -> None:
    product = None if listed is None else PRODUCT.model_copy(update={"listed": False})
    with pytest.raises(NotFound) as raised:
        domain.receive_inquiry("inq-1", REQUEST, product, None, NOW)
    assert "no listed product 'prd-1'" in raised.value.message


def test_inquiry_to_a_supplier_needs_it_verified() -> None:
    request = domain.BuyerRequest(**{**ASK, "product_id": None, "supplier_id": "sup-9"})
    verified = domain.KnownSupplier(supplier_id="sup-9", sequence=5, status=SupplierStatus.VERIFIED)
    inquiry, (event,) = domain.receive_inquiry("inq-1", request, None, verified, NOW)
    assert inquiry.supplier_id == event.supplier_id == "sup-9" and event.product_id is None
    with pytest.raises(Conflict):
        domain.receive_inquiry("inq-1", request, None, verified.model_copy(update={"status": SupplierStatus.SUSPENDED}), NOW)
    with pytest.raises(NotFound):
        domain.receive_inquiry("inq-1", request, None, None, NOW)


def test_product_and_supplier_must_agree() -> None:
    with pytest.raises(Conflict):
        domain.receive_inquiry("inq-1", REQUEST.model_copy(update={"supplier_id": "sup-2"}), PRODUCT, None, NOW)


@pytest.mark.parametrize("change", [{"product_id": None}, {"buyer_country": "USA"}, {"contact_email": "nope"},
                                    {"quantity": 0}, {"currency": None}, {"message": ""}])
def test_request_validations(change) -> None:
    with pytest.raises(ValidationError):
        domain.BuyerRequest(**(ASK | change))


def test_respond_then_close() -> None:
    answered, (event,) = domain.respond(received(), "We can ship 500 kg weekly from Berkane.", NOW)
    assert answered.status is domain.InquiryStatus.RESPONDED and event.responded_at == NOW
    assert event.received_at == answered.received_at and event.buyer_country == "CA" and event.sequence == 2
    with pytest.raises(Conflict):
        domain.respond(answered, "again", NOW)
    closed, (event,) = domain.close(answered, "ordered", NOW)
    assert closed.status is domain.InquiryStatus.CLOSED and event.responded_at == NOW and event.sequence == 3
    for illegal in (lambda: domain.close(closed, None, NOW), lambda: domain.respond(closed, "late", NOW)):
        with pytest.raises(Conflict) as raised:
            illegal()
        assert raised.value.details["current_state"] == "closed"


def test_an_open_inquiry_can_be_closed_unanswered() -> None:
    closed, (event,) = domain.close(received(), None, NOW)
    assert closed.status is domain.InquiryStatus.CLOSED and event.responded_at is None


def test_a_past_inquiry_keeps_its_times_and_is_never_in_the_future() -> None:
    from datetime import UTC, datetime, timedelta

    import pytest
    from pydantic import ValidationError

    from services.inquiries.domain import PastInquiry, check_past
    from shared.errors import MarketplaceError

    now = datetime.now(UTC)
    request = {"product_id": "p1", "buyer_company": "Maple", "buyer_country": "CA", "contact_email": "a@b.example",
               "quantity": 10, "unit": "kg", "message": "price?"}
    past = PastInquiry.model_validate({"request": request, "received_at": now - timedelta(days=3),
                                       "response": "quote attached", "responded_at": now - timedelta(days=1)})
    check_past(past, now)
    with pytest.raises(ValidationError):
        PastInquiry.model_validate({"request": request, "received_at": now, "response": "x",
                                    "responded_at": now - timedelta(hours=1)})
    with pytest.raises(MarketplaceError):
        check_past(past.model_copy(update={"received_at": now + timedelta(hours=1),
                                           "responded_at": now + timedelta(hours=2)}), now)
