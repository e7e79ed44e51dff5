"""inquiries on real Kafka and the local MongoDB-wire store: only listed products can be asked about."""

import json

from services.inquiries.main import Settings, build
from shared.contracts.envelope import Envelope
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


async def test_supplier_answers_then_closes_and_events_follow(infrastructure, settings_for, unique, issuer):
    product_id, supplier_id = f"prd-{unique}", f"sup-{unique}"
    owner = issuer.auth(f"supplier:{supplier_id}")
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
                                   json={"message": "20 rugs ship in 6 weeks, FOB Casablanca."}, headers=owner)
        assert answered.status_code == 200 and answered.json()["status"] == "responded"
        again = await http.post(f"/inquiries/{inquiry['inquiry_id']}/response", json={"message": "again"},
                                headers=owner)
        assert again.status_code == 409 and again.json()["current_state"] == "responded"
        closed = await http.post(f"/inquiries/{inquiry['inquiry_id']}/closing", json={"reason": "ordered"},
                                 headers=owner)
        assert closed.json()["status"] == "closed"
        for verb in ("received", "responded", "closed"):
            await read_until(infrastructure.kafka, "inquiries.inquiries",
                             lambda r: r.key == inquiry["inquiry_id"].encode()
                             and header(r, "ce_type") == f"ma.tijara.inquiry.{verb}.v1")
        mine = (await http.get("/inquiries", params={"supplier_id": supplier_id}, headers=owner)).json()
        assert {i["inquiry_id"] for i in mine} == {inquiry["inquiry_id"], direct["inquiry_id"]}
        record = await read_until(infrastructure.kafka, "inquiries.inquiries",
                                  lambda r: r.key == inquiry["inquiry_id"].encode()
                                  and header(r, "ce_type") == "ma.tijara.inquiry.received.v1")
        received_event = json.loads(record.value)
        assert received_event["actor"] == {"subject": "buyer", "role": "buyer", "organisation": "Hudson Home & Decor"}
        assert "buying@hudson.example.com" not in record.value.decode()  # the buyer's contact stays in inquiries


async def test_buyers_are_rate_limited_per_client_and_the_honeypot_refuses(settings_for) -> None:
    settings = settings_for(Settings)
    settings.inquiry_rate_limit = "3/minute"
    async with serving(build(settings)) as http:
        bot = await http.post("/inquiries", json={**ask("prd-x"), "website": "http://spam.example"})
        assert bot.status_code == 400 and "automated" in bot.json()["message"]
        answers = [await http.post("/inquiries", json=ask("prd-x")) for _ in range(3)]
        assert [a.status_code for a in answers] == [404, 404, 429]
        assert answers[-1].json()["error"] == "too many requests" and int(answers[-1].headers["Retry-After"]) >= 1
        huge = await http.post("/inquiries", json={**ask("prd-x"), "message": "x" * 300_000})
        assert huge.status_code == 413 and huge.json()["error"] == "body too large"


async def test_the_notifier_reads_the_correspondence_in_the_buyer_s_language(infrastructure, settings_for, unique,
                                                                             issuer):
    """The language rides with the stored inquiry, not on the event; the notifier reads the correspondence and
    nothing else of the inquiry."""
    product_id, supplier_id = f"prd-{unique}", f"sup-{unique}"
    async with serving(build(settings_for(Settings))) as http:
        await publish(infrastructure.kafka, Envelope(factories.product_listed(product_id, supplier_id), "/test"))

        async def received():
            response = await http.post("/inquiries", json={**ask(product_id), "language": "ar",
                                                           "contact_name": "Sara Haddad"})
            assert response.status_code == 201, response.text
            return response.json()

        inquiry = await eventually(received)
        iid, notifier = inquiry["inquiry_id"], issuer.auth("notifier")
        await http.post(f"/inquiries/{iid}/response", json={"message": "Available in 6 weeks."},
                        headers=issuer.auth(f"supplier:{supplier_id}"))
        answer = await http.get(f"/inquiries/{iid}/correspondence", headers=notifier)
        assert answer.status_code == 200, answer.text
        letter = answer.json()
        assert set(letter) == {"inquiry_id", "supplier_id", "product_id", "buyer_company", "buyer_country",
                               "contact_name", "contact_email", "language", "message", "response", "received_at",
                               "responded_at"}
        assert (letter["language"], letter["contact_name"], letter["contact_email"], letter["response"]) == (
            "ar", "Sara Haddad", "buying@hudson.example.com", "Available in 6 weeks.")
        many = await http.post("/inquiries/correspondence", json={"inquiry_ids": [iid, "inq-unknown", iid]},
                               headers=notifier)  # a sending batch's: the unknown one left out
        assert many.status_code == 200 and many.json() == [letter], many.text
        assert (await http.post("/inquiries/correspondence", json={"inquiry_ids": [iid]},
                                headers=issuer.auth(f"supplier:{supplier_id}"))).status_code == 403
        assert (await http.post("/inquiries/correspondence", json={"inquiry_ids": []},
                                headers=notifier)).status_code == 422
        assert (await http.get(f"/inquiries/{iid}", headers=notifier)).status_code == 403
        assert (await http.get(f"/inquiries/{iid}/correspondence",
                               headers=issuer.auth("supplier:sup-other"))).status_code == 403
        assert (await http.get(f"/inquiries/{iid}/correspondence")).status_code == 401
        bad = await http.post("/inquiries", json={**ask(product_id), "language": "de"})
        assert bad.status_code == 422 and "language" in bad.json()["message"]
        record = await read_until(infrastructure.kafka, "inquiries.inquiries", lambda r: r.key == iid.encode())
        assert "language" not in json.loads(record.value) and "Sara" not in record.value.decode()
