"""inquiries on real Kafka and FerretDB: only listed products can be asked about."""

from services.inquiries.main import Settings, build
from shared.envelope import Envelope
from tests import factories
from tests.integration.helpers import eventually, header, publish, read_until, serving


def ask(product_id: str | None) -> dict:
    return {"product_id": product_id, "buyer_company": "Hudson Home & Decor", "buyer_country": "US",
            "contact_email": "buying@hudson.example.com", "quantity": 20, "unit": "piece",
            "message": "Beni Ourain rugs for our New York showroom."}


async def test_inquiry_about_listed_product_is_received(infrastructure, settings_for, unique):
    product_id, supplier_id = f"prd-{unique}", f"sup-{unique}"
    async with serving(build(settings_for(Settings))) as http:
        await publish(infrastructure.kafka, Envelope(factories.product_listed(product_id, supplier_id), "/test"))

        async def received():
            response = await http.post("/inquiries", json=ask(product_id))
            assert response.status_code == 201, response.text
            return response.json()

        inquiry = await eventually(received)
        assert inquiry["supplier_id"] == supplier_id
        record = await read_until(infrastructure.kafka, "inquiries.inquiries",
                                  lambda r: r.key == inquiry["inquiry_id"].encode())
        assert header(record, "ce_type") == "ma.tijara.inquiry.received.v1"


async def test_unknown_product_gets_a_clear_404(settings_for):
    async with serving(build(settings_for(Settings))) as http:
        response = await http.post("/inquiries", json=ask("prd-does-not-exist"))
        assert response.status_code == 404
        assert "no listed product 'prd-does-not-exist'" in response.json()["message"]


async def test_bad_email_and_country_get_a_readable_422(settings_for):
    async with serving(build(settings_for(Settings))) as http:
        response = await http.post("/inquiries", json={**ask("p"), "contact_email": "nope", "buyer_country": "usa"})
        assert response.status_code == 422
        message = response.json()["message"]
        assert "contact_email" in message and "buyer_country" in message


async def test_supplier_answers_then_closes_and_events_follow(infrastructure, settings_for, unique):
    product_id, supplier_id = f"prd-{unique}", f"sup-{unique}"
    async with serving(build(settings_for(Settings))) as http:
        await publish(infrastructure.kafka, Envelope(factories.product_listed(product_id, supplier_id), "/test"),
                      Envelope(factories.supplier_verified(supplier_id), "/test"))

        async def received(body):
            response = await http.post("/inquiries", json=body)
            assert response.status_code == 201, response.text
            return response.json()

        inquiry = await eventually(lambda: received({**ask(product_id), "target_price": "410.00", "currency": "USD",
                                                     "destination": "Port Newark"}))
        direct = await eventually(lambda: received({**ask(None), "supplier_id": supplier_id}))
        assert direct["supplier_id"] == supplier_id
        answered = await http.post(f"/inquiries/{inquiry['inquiry_id']}/response",
                                   json={"message": "20 rugs ship in 6 weeks, FOB Casablanca."})
        assert answered.status_code == 200 and answered.json()["status"] == "responded"
        again = await http.post(f"/inquiries/{inquiry['inquiry_id']}/response", json={"message": "again"})
        assert again.status_code == 409 and again.json()["current_state"] == "responded"
        closed = await http.post(f"/inquiries/{inquiry['inquiry_id']}/closing", json={"reason": "ordered"})
        assert closed.json()["status"] == "closed"
        for verb in ("received", "responded", "closed"):
            await read_until(infrastructure.kafka, "inquiries.inquiries",
                             lambda r: r.key == inquiry["inquiry_id"].encode()
                             and header(r, "ce_type") == f"ma.tijara.inquiry.{verb}.v1")
        mine = (await http.get("/inquiries", params={"supplier_id": supplier_id})).json()
        assert {i["inquiry_id"] for i in mine} == {inquiry["inquiry_id"], direct["inquiry_id"]}
