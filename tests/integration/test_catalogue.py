"""catalogue on real Kafka and the local store: learns supplier standing from events; only verified suppliers list."""

import json

from services.catalogue.main import Settings, build
from shared.contracts.envelope import Envelope
from tests import factories
from tests.integration.helpers import committed_past, eventually, header, publish, read_until, serving


async def test_verified_supplier_lists_and_product_listed_is_published(infrastructure, settings_for, unique, issuer):
    supplier_id = f"sup-{unique}"
    owner = issuer.auth(f"supplier:{supplier_id}")
    async with serving(build(settings_for(Settings))) as http:
        await publish(infrastructure.kafka, Envelope(factories.supplier_submitted(supplier_id), "/test"),
                      Envelope(factories.supplier_verified(supplier_id), "/test"))
        body = {"supplier_id": supplier_id, "listing": factories.listing().model_dump(mode="json")}

        async def listed():
            response = await http.post("/products", json=body, headers=owner)
            assert response.status_code == 201, response.text
            return response.json()

        product = await eventually(listed)
        record = await read_until(infrastructure.kafka, "catalogue.products",
                                  lambda r: r.key == product["product_id"].encode())
        assert header(record, "ce_type") == "ma.tijara.product.listed.v2"


async def test_unverified_supplier_is_refused_with_a_clear_409(infrastructure, settings_for, unique, issuer):
    supplier_id = f"sup-{unique}"
    owner = issuer.auth(f"supplier:{supplier_id}")
    async with serving(build(settings_for(Settings))) as http:
        await publish(infrastructure.kafka, Envelope(factories.supplier_submitted(supplier_id), "/test"))
        body = {"supplier_id": supplier_id, "listing": factories.listing().model_dump(mode="json")}

        async def refused():
            response = await http.post("/products", json=body, headers=owner)
            assert response.status_code == 409, response.text
            return response.json()

        answer = await eventually(refused)
        assert answer["supplier_status"] == "submitted" and "only verified suppliers" in answer["message"]


async def test_older_supplier_event_arriving_late_changes_nothing(infrastructure, settings_for, unique, issuer):
    settings = settings_for(Settings)
    supplier_id = f"sup-{unique}"
    owner = issuer.auth(f"supplier:{supplier_id}")
    async with serving(build(settings)) as http:
        _, stale = await publish(infrastructure.kafka, Envelope(factories.supplier_verified(supplier_id), "/test"),
                                 Envelope(factories.supplier_submitted(supplier_id), "/test"))  # seq 2, then 1
        await eventually(lambda: committed_past(infrastructure.kafka, settings.consumer_group, stale))
        body = {"supplier_id": supplier_id, "listing": factories.listing().model_dump(mode="json")}
        listed = await http.post("/products", json=body, headers=owner)
        assert listed.status_code == 201, listed.text  # still verified: the stale 'submitted' was ignored


async def test_suspension_delists_every_product_and_reinstatement_lets_them_back(infrastructure, settings_for,
                                                                                  unique, issuer):
    settings = settings_for(Settings)
    supplier_id = f"sup-{unique}"
    owner = issuer.auth(f"supplier:{supplier_id}")
    async with serving(build(settings)) as http:
        await publish(infrastructure.kafka, Envelope(factories.supplier_verified(supplier_id), "/test"))
        body = {"supplier_id": supplier_id, "listing": factories.listing().model_dump(mode="json")}

        async def listed():
            response = await http.post("/products", json=body, headers=owner)
            assert response.status_code == 201, response.text
            return response.json()["product_id"]

        products = [await eventually(listed), await eventually(listed)]
        suspended = Envelope(factories.supplier_suspended(supplier_id), "/test")
        await publish(infrastructure.kafka, suspended, suspended)  # redelivered: still one delisting each

        async def all_delisted():
            states = [(await http.get(f"/products/{p}")).json() for p in products]
            assert all(s["status"] == "delisted" and s["delisting_reason"] == "supplier suspended" for s in states)
            return states

        states = await eventually(all_delisted)
        assert {s["version"] for s in states} == {2}
        for product_id in products:
            record = await read_until(infrastructure.kafka, "catalogue.products",
                                      lambda r, p=product_id: r.key == p.encode()
                                      and header(r, "ce_type") == "ma.tijara.product.delisted.v1")
            assert json.loads(record.value)["listing"]["hs_code"] == "151590"
        refused = await http.post(f"/products/{products[0]}/relisting", headers=owner)
        assert refused.status_code == 409 and refused.json()["supplier_status"] == "suspended"

        reinstated = factories.supplier_verified(supplier_id, sequence=4)
        await publish(infrastructure.kafka, Envelope(reinstated, "/test"))

        async def relisted():
            response = await http.post(f"/products/{products[0]}/relisting", headers=owner)
            assert response.status_code == 200, response.text
            return response.json()

        assert (await eventually(relisted))["status"] == "listed"
        update = await http.put(f"/products/{products[0]}/listing",
                                json={"listing": factories.listing(lead_time_days=7).model_dump(mode="json")},
                                headers=owner)
        assert update.status_code == 200 and update.json()["listing"]["lead_time_days"] == 7


async def test_invalid_price_tiers_get_a_readable_422(settings_for, unique, issuer):
    async with serving(build(settings_for(Settings))) as http:
        listing = factories.listing().model_dump(mode="json")
        listing["price_tiers"] = [{"min_quantity": 50, "max_quantity": 499, "unit_price": "38"},
                                  {"min_quantity": 300, "max_quantity": None, "unit_price": "34"}]
        response = await http.post("/products", json={"supplier_id": f"sup-{unique}", "listing": listing},
                                   headers=issuer.auth(f"supplier:sup-{unique}"))
        assert response.status_code == 422 and "overlap" in response.json()["message"]
