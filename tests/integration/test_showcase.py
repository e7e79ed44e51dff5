"""showcase on real Kafka and FerretDB: the page from events alone; poison goes to the DLQ, traffic goes on."""

from services.showcase.main import Settings, build
from shared.envelope import Envelope
from tests import factories
from tests.integration.helpers import eventually, header, publish, read_until, serving


async def test_country_page_shows_verified_supplier_product_and_inquiries(infrastructure, settings_for, unique):
    sup, hidden, prd, hidden_prd = f"sup-{unique}", f"sup-{unique}-h", f"prd-{unique}", f"prd-{unique}-h"
    async with serving(build(settings_for(Settings))) as http:
        await publish(
            infrastructure.kafka,
            Envelope(factories.supplier_verified(sup), "/test"),
            Envelope(factories.supplier_submitted(hidden), "/test"),
            Envelope(factories.product_listed(prd, sup), "/test"),
            Envelope(factories.product_listed(hidden_prd, hidden), "/test"),
            Envelope(factories.inquiry_received(f"inq-{unique}-1", sup, prd, "US"), "/test"),
            Envelope(factories.inquiry_received(f"inq-{unique}-2", sup, prd, "CA"), "/test"),
        )

        async def page_ready():
            page = (await http.get("/api/countries/ma")).json()
            card = next((s for s in page["suppliers"] if s["supplier_id"] == sup), None)
            assert card and card["inquiries_30d"] == 2 and card["products"] == 1
            return page

        page = await eventually(page_ready)
        product_ids = {p["product_id"] for p in page["products"]["items"]}
        assert prd in product_ids and hidden_prd not in product_ids
        assert hidden not in {s["supplier_id"] for s in page["suppliers"]}
        html = (await http.get("/countries/ma")).text
        assert f'data-product-id="{prd}"' in html and hidden_prd not in html


async def test_poison_goes_to_the_dead_letter_topic_and_valid_events_still_apply(infrastructure, settings_for, unique):
    sup = f"sup-{unique}"
    async with serving(build(settings_for(Settings))) as http:
        poison_headers = {"ce_specversion": "1.0", "ce_id": f"poison-{unique}", "ce_source": "/partner",
                          "ce_type": "ma.tijara.supplier.verified.v1"}
        await publish(infrastructure.kafka, raw=[("onboarding.suppliers", sup.encode(), b"{not json",
                                                  poison_headers)])
        await publish(infrastructure.kafka, Envelope(factories.supplier_verified(sup), "/test"))

        async def applied():
            page = (await http.get("/api/countries/ma")).json()
            assert sup in {s["supplier_id"] for s in page["suppliers"]}

        await eventually(applied)
        dead = await read_until(infrastructure.kafka, "onboarding.suppliers.dlq",
                                lambda r: header(r, "ce_id") == f"poison-{unique}")
        assert header(dead, "dlq_error_type") == "undecodable"
        assert header(dead, "dlq_consumer_group").startswith("it.") and dead.value == b"{not json"


async def test_unknown_country_is_a_404_with_the_known_ones(settings_for):
    async with serving(build(settings_for(Settings))) as http:
        response = await http.get("/api/countries/zz")
        assert response.status_code == 404 and "MA" in response.json()["message"]


async def test_supplier_text_is_escaped_and_the_supplier_page_shows(infrastructure, settings_for, unique):
    sup, prd = f"sup-{unique}", f"prd-{unique}"
    evil = '<script>alert("x")</script> Argan'
    async with serving(build(settings_for(Settings))) as http:
        await publish(infrastructure.kafka,
                      Envelope(factories.supplier_verified(sup, trade_name=evil), "/test"),
                      Envelope(factories.product_listed(prd, sup, title={"en": "<img src=x onerror=alert(1)>",
                                                                         "ar": "زيت الأركان"}), "/test"))

        async def shown():
            page = (await http.get(f"/api/countries/ma/suppliers/{sup}")).json()
            assert "supplier" in page, page
            assert page["supplier"]["trade_name"] == evil and len(page["products"]) == 1
            return page

        await eventually(shown)
        for path in ("/countries/ma", f"/countries/ma/suppliers/{sup}"):
            html = (await http.get(path, params={"per_page": 100})).text
            assert "<script>alert" not in html and "&lt;script&gt;alert" in html
            assert "<img src=x" not in html
        profile_html = (await http.get(f"/countries/ma/suppliers/{sup}")).text
        assert 'dir="rtl"' in profile_html and "Verified · on-site inspected" in profile_html
        assert (await http.get("/countries/ma/suppliers/sup-nobody")).status_code == 404
        bad = await http.get("/api/countries/ma", params={"category": "weapons", "page": 0})
        assert bad.status_code == 422


async def test_page_filters_over_http(infrastructure, settings_for, unique):
    sup = f"sup-{unique}"
    async with serving(build(settings_for(Settings))) as http:
        await publish(infrastructure.kafka, Envelope(factories.supplier_verified(sup), "/test"),
                      Envelope(factories.product_listed(f"prd-{unique}-1", sup), "/test"),
                      Envelope(factories.product_listed(f"prd-{unique}-2", sup, category="seafood", hs_code="160413",
                                                        certifications=["ONSSA"], incoterms=["EXW"]), "/test"))

        async def filtered():
            page = (await http.get("/api/countries/ma", params={"category": "seafood", "certification": "ONSSA",
                                                                "incoterm": "EXW", "max_moq": 50,
                                                                "region": "Souss-Massa"})).json()
            assert f"prd-{unique}-2" in {p["product_id"] for p in page["products"]["items"]}
            assert f"prd-{unique}-1" not in {p["product_id"] for p in page["products"]["items"]}

        await eventually(filtered)
