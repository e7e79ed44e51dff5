"""catalogue on real Kafka and FerretDB: learns supplier standing from events; only verified suppliers list."""

from services.catalogue.main import Settings, build
from shared.events import Envelope
from tests import factories
from tests.integration.helpers import committed_past, eventually, header, publish, read_until, serving


async def test_verified_supplier_lists_and_product_listed_is_published(infrastructure, settings_for, unique):
    supplier_id = f"sup-{unique}"
    async with serving(build(settings_for(Settings))) as http:
        await publish(infrastructure.kafka, Envelope(factories.supplier_submitted(supplier_id), "/test"),
                      Envelope(factories.supplier_verified(supplier_id), "/test"))
        body = {"supplier_id": supplier_id, "listing": factories.listing().model_dump(mode="json")}

        async def listed():
            response = await http.post("/products", json=body)
            assert response.status_code == 201, response.text
            return response.json()

        product = await eventually(listed)
        record = await read_until(infrastructure.kafka, "catalogue.products",
                                  lambda r: r.key == product["product_id"].encode())
        assert header(record, "ce_type") == "ma.tijara.product.listed.v1"


async def test_unverified_supplier_is_refused_with_a_clear_409(infrastructure, settings_for, unique):
    supplier_id = f"sup-{unique}"
    async with serving(build(settings_for(Settings))) as http:
        await publish(infrastructure.kafka, Envelope(factories.supplier_submitted(supplier_id), "/test"))
        body = {"supplier_id": supplier_id, "listing": factories.listing().model_dump(mode="json")}

        async def refused():
            response = await http.post("/products", json=body)
            assert response.status_code == 409, response.text
            return response.json()

        answer = await eventually(refused)
        assert answer["supplier_status"] == "submitted" and "only verified suppliers" in answer["message"]


async def test_older_supplier_event_arriving_late_changes_nothing(infrastructure, settings_for, unique):
    settings = settings_for(Settings)
    supplier_id = f"sup-{unique}"
    async with serving(build(settings)) as http:
        _, stale = await publish(infrastructure.kafka, Envelope(factories.supplier_verified(supplier_id), "/test"),
                                 Envelope(factories.supplier_submitted(supplier_id), "/test"))  # seq 2, then 1
        await eventually(lambda: committed_past(infrastructure.kafka, settings.consumer_group, stale))
        body = {"supplier_id": supplier_id, "listing": factories.listing().model_dump(mode="json")}
        listed = await http.post("/products", json=body)
        assert listed.status_code == 201, listed.text  # still verified: the stale 'submitted' was ignored
