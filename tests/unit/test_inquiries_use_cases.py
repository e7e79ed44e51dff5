"""inquiries' use cases on in-memory fakes: an inquiry reaches a listed product or a verified supplier (as learnt
from the catalogue's and onboarding's events), is answered once and closed, each step with its event."""

import pytest

from services.inquiries.domain import BuyerRequest, InquiryStatus
from services.inquiries.readers import READERS, ProductOffered
from services.inquiries.service import Inquiries
from shared.contracts.actors import Actor, Role
from shared.contracts.envelope import Envelope
from shared.errors import Conflict, NotAllowed, NotFound
from shared.messaging.decoding import decode
from tests import factories
from tests.fakes import FakeInquiryStore, FakeRelay


@pytest.fixture
def inquiries() -> Inquiries:
    return Inquiries(FakeInquiryStore(), FakeRelay())


async def hears(inquiries: Inquiries, event) -> None:
    envelope = Envelope(event, "/tijara/test")
    data = decode({k: v.encode() for k, v in envelope.headers().items()}, envelope.value(), READERS).data
    await (inquiries.on_product_event(data) if isinstance(data, ProductOffered) else inquiries.on_supplier_event(data))


SME = Actor(subject="user-sup-1", role=Role.SUPPLIER, organisation="sup-1")


def request(**changes) -> BuyerRequest:
    return BuyerRequest.model_validate({
        "product_id": "prd-1", "buyer_company": "Pacific Gourmet Imports", "buyer_country": "US",
        "contact_email": "buyer@pacific.example.com", "quantity": 500, "unit": "litre", "target_price": "33.00",
        "currency": "USD", "destination": "Port of Oakland", "message": "FOB Agadir, monthly?"} | changes)


async def test_an_inquiry_to_a_listed_product_reaches_its_supplier(inquiries) -> None:
    await hears(inquiries, factories.product_listed("prd-1", "sup-1"))
    inquiry = await inquiries.receive(request())
    assert inquiry.supplier_id == "sup-1" and inquiry.status is InquiryStatus.OPEN
    [event] = inquiries.store.inquiries.events()
    assert event.TYPE == "ma.tijara.inquiry.received.v1" and event.buyer_country == "US" and event.quantity == 500
    assert event.actor.role is Role.BUYER and event.actor.organisation == "Pacific Gourmet Imports"
    assert inquiries.relay.woken == [("inquiries", inquiry.inquiry_id)]


async def test_no_inquiry_to_a_delisted_or_unknown_product(inquiries) -> None:
    with pytest.raises(NotFound):
        await inquiries.receive(request())
    await hears(inquiries, factories.product_listed("prd-1", "sup-1"))
    await hears(inquiries, factories.product_delisted("prd-1", "sup-1"))
    with pytest.raises(NotFound, match="no listed product"):
        await inquiries.receive(request())
    await hears(inquiries, factories.product_listed("prd-1", "sup-1", sequence=1))  # stale: stays delisted
    with pytest.raises(NotFound):
        await inquiries.receive(request())


async def test_an_inquiry_to_a_supplier_needs_it_verified(inquiries) -> None:
    to_supplier = request(product_id=None, supplier_id="sup-2")
    await hears(inquiries, factories.supplier_submitted("sup-2"))
    with pytest.raises(Conflict, match="verified"):
        await inquiries.receive(to_supplier)
    await hears(inquiries, factories.supplier_verified("sup-2"))
    assert (await inquiries.receive(to_supplier)).supplier_id == "sup-2"


async def test_answer_once_then_close(inquiries) -> None:
    await hears(inquiries, factories.product_listed("prd-1", "sup-1"))
    iid = (await inquiries.receive(request())).inquiry_id
    answered = await inquiries.respond(iid, "Yes: 34.50 USD FOB Agadir", SME)
    assert answered.status is InquiryStatus.RESPONDED
    with pytest.raises(Conflict):
        await inquiries.respond(iid, "again", SME)
    assert (await inquiries.close(iid, "ordered", SME)).status is InquiryStatus.CLOSED
    with pytest.raises(Conflict, match="already closed"):
        await inquiries.close(iid, None, SME)
    responded, closed = inquiries.store.inquiries.events()[1:]
    assert responded.received_at == closed.received_at and closed.responded_at == responded.responded_at
    assert [i.inquiry_id for i in await inquiries.of_supplier("sup-1", SME)] == [iid]
    other = Actor(subject="user-sup-2", role=Role.SUPPLIER, organisation="sup-2")
    with pytest.raises(NotAllowed):
        await inquiries.read(iid, other)
    with pytest.raises(NotFound):
        await inquiries.get("inq-missing")


async def test_the_correspondence_carries_the_buyer_s_language_for_the_notifier_staff_and_the_supplier(
        inquiries) -> None:
    await hears(inquiries, factories.product_listed("prd-1", "sup-1"))
    iid = (await inquiries.receive(request(language="fr", contact_name="Chloé Tremblay"))).inquiry_id
    [received] = inquiries.store.inquiries.events()
    assert "language" not in received.model_dump() and "contact_name" not in received.model_dump()  # event unchanged
    notifier = Actor(subject="service-notifier", role=Role.NOTIFIER)
    before = await inquiries.correspondence(iid, notifier)
    assert (before.language, before.contact_name, before.contact_email) == ("fr", "Chloé Tremblay",
                                                                             "buyer@pacific.example.com")
    assert before.response is None and before.responded_at is None and before.product_id == "prd-1"
    await inquiries.respond(iid, "Oui : 34,50 USD FOB Agadir", SME)
    after = await inquiries.correspondence(iid, SME)
    assert after.response == "Oui : 34,50 USD FOB Agadir" and after.responded_at >= after.received_at
    assert (await inquiries.correspondence(iid, Actor(subject="s", role=Role.STAFF))).inquiry_id == iid
    for outsider in (Actor(subject="x", role=Role.SUPPLIER, organisation="sup-2"), Actor(subject="o",
                                                                                         role=Role.OPERATOR)):
        with pytest.raises(NotAllowed):
            await inquiries.correspondence(iid, outsider)
    with pytest.raises(NotAllowed):  # the notifier reads correspondence, not the inquiry itself
        await inquiries.read(iid, notifier)
    assert request().language == "en" and request().contact_name is None  # a buyer who says nothing: English
