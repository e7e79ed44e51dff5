"""showcase on real Kafka and the MongoDB-wire store: the page from events alone; poison goes to the DLQ, traffic
goes on; replicas of one consumer group all show every event; ETag and languages over HTTP."""

import time

from services.showcase.main import Settings, build
from shared.contracts.envelope import Envelope
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
            card = (await http.get(f"/api/countries/ma/suppliers/{sup}")).json().get("supplier")
            assert card and card["inquiries_30d"] == 2 and card["products"] == 1
            return (await http.get("/api/countries/ma", params={"per_page": 100})).json()

        page = await eventually(page_ready)
        product_ids = {p["product_id"] for p in page["products"]["items"]}
        assert prd in product_ids and hidden_prd not in product_ids
        assert (await http.get(f"/api/countries/ma/suppliers/{hidden}")).status_code == 404
        # a filtered page is rendered on request from the JSON's views; the default HTML follows a rendering later
        html = (await http.get("/countries/ma", params={"per_page": 100})).text
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
            assert (await http.get(f"/api/countries/ma/suppliers/{sup}")).status_code == 200

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
        assert "Verified · on-site inspected" in profile_html
        arabic = (await http.get(f"/countries/ma/suppliers/{sup}", params={"lang": "ar"})).text
        assert '<html lang="ar" dir="rtl">' in arabic and "زيت الأركان" in arabic
        assert (await http.get("/countries/ma/suppliers/sup-nobody")).status_code == 404
        bad = await http.get("/api/countries/ma", params={"category": "weapons", "page": 0})
        assert bad.status_code == 422
        too_many = await http.get("/api/countries/ma", params={"suppliers_per_page": 1000})
        assert too_many.status_code == 422 and "suppliers_per_page" in too_many.text


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


async def test_replicas_sharing_a_group_all_show_every_event(infrastructure, settings_for, unique):
    """Two replicas split the partitions in the consumer group, yet each page shows every event; a third replica
    started afterwards starts from the store and the log and shows the same page."""
    settings = settings_for(Settings)
    suppliers = [f"sup-{unique}-{n}" for n in range(6)]
    async with serving(build(settings)) as first, serving(build(settings)) as second:
        await publish(infrastructure.kafka, *(Envelope(factories.supplier_verified(s), "/test") for s in suppliers),
                      *(Envelope(factories.product_listed(f"prd-{s}", s), "/test") for s in suppliers))

        async def all_shown(http):
            page = (await http.get("/api/countries/ma", params={"per_page": 100, "suppliers_per_page": 100})).json()
            assert set(suppliers) <= {s["supplier_id"] for s in page["suppliers"]}
            total = page["supplier_paging"]["total"]
            second = (await http.get("/api/countries/ma", params={"suppliers_per_page": 3, "suppliers_page": 2})).json()
            assert second["supplier_paging"] == {"total": total, "page": 2, "pages": -(-total // 3), "per_page": 3}
            assert second["suppliers"] == page["suppliers"][3:6]
            assert {f"prd-{s}" for s in suppliers} <= {p["product_id"] for p in page["products"]["items"]}
            return page

        await eventually(lambda: all_shown(first))
        await eventually(lambda: all_shown(second))
        first_etag = (await first.get("/api/countries/ma")).headers["etag"]
        await eventually(lambda: _same_etag(second, first_etag))
    async with serving(build(settings)) as third:
        await eventually(lambda: all_shown(third))


async def _same_etag(http, etag):
    assert (await http.get("/api/countries/ma")).headers["etag"] == etag


async def test_etag_304_cache_control_and_no_staleness_window(infrastructure, settings_for, unique):
    sup = f"sup-{unique}"
    async with serving(build(settings_for(Settings))) as http:
        first = await http.get("/api/countries/ma")
        assert first.headers["cache-control"].startswith("public") and "s-maxage" in first.headers["cache-control"]
        again = await http.get("/api/countries/ma", headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        before = first.json()["headline"]["verified_suppliers"]
        await publish(infrastructure.kafka, Envelope(factories.supplier_verified(sup), "/test"))
        started = time.monotonic()

        async def changed():
            response = await http.get("/api/countries/ma", headers={"If-None-Match": first.headers["etag"]})
            assert response.status_code == 200
            assert response.json()["headline"]["verified_suppliers"] == before + 1

        await eventually(changed, interval=0.01)
        assert time.monotonic() - started < 2.0


async def test_languages_over_http(settings_for):
    async with serving(build(settings_for(Settings))) as http:
        french = await http.get("/countries/ma", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
        assert '<html lang="fr" dir="ltr">' in french.text and "Fournisseurs à la une" in french.text
        assert french.headers["vary"] == "Accept-Language" and french.headers["content-language"] == "fr"
        arabic = await http.get("/countries/ma", params={"lang": "ar"}, headers={"Accept-Language": "fr"})
        assert '<html lang="ar" dir="rtl">' in arabic.text and "vary" not in arabic.headers
        assert (await http.get("/countries/ma/products/nothing", params={"lang": "fr"})).status_code == 404
        robots = (await http.get("/robots.txt")).text
        assert "Sitemap: " in robots and "/sitemaps/1.xml" in (await http.get("/sitemap.xml")).text
        assert "<urlset" in (await http.get("/sitemaps/1.xml")).text
        assert (await http.get("/sitemaps/99.xml")).status_code == 404
        picture = await http.get("/media/placeholder/seafood.svg")
        assert picture.headers["content-type"] == "image/svg+xml"


async def test_inquiry_form_abuse_controls_and_errors_in_the_visitors_language(infrastructure, settings_for, unique):
    """Checked before anything is forwarded (no inquiries service here: nothing reaches it)."""
    sup = f"sup-{unique}"
    settings = settings_for(Settings).model_copy(update={"inquiry_rate_limit": "1/minute",
                                                         "inquiries_url": "http://127.0.0.1:9"})
    async with serving(build(settings)) as http:
        await publish(infrastructure.kafka, Envelope(factories.supplier_verified(sup), "/test"))
        await eventually(lambda: _shows(http, sup))
        url, form = "/countries/ma/inquiries?lang=fr", {"supplier_id": sup, "buyer_company": "", "message": "x"}
        invalid = await http.post(url, data=form)
        assert invalid.status_code == 422 and "Ce champ est obligatoire." in invalid.text
        assert 'aria-invalid="true"' in invalid.text and 'value="x"' not in invalid.text  # message is a textarea
        bot = await http.post(url, data={**form, "website": "http://spam.example"})
        assert bot.status_code == 303 and bot.headers["location"] == "/countries/ma/inquiries/sent?lang=fr"
        too_big = await http.post(url, data={**form, "message": "x" * 20_000})
        assert too_big.status_code == 413 and "raccourcir" in too_big.text
        limited = await http.post(url, data=form)
        assert limited.status_code == 429 and "quelques minutes" in limited.text


async def _shows(http, supplier_id):
    assert (await http.get(f"/api/countries/ma/suppliers/{supplier_id}")).status_code == 200


async def test_the_inquiry_form_tells_the_inquiries_service_the_page_s_language(infrastructure, settings_for, unique,
                                                                               issuer):
    """A buyer writing from the French page: the real inquiries service (in-process, over HTTP) stores the inquiry
    with `language: fr`, which the notifier reads to answer the buyer in French."""
    from services.inquiries.main import Settings as InquiriesSettings
    from services.inquiries.main import build as build_inquiries

    sup, prd = f"sup-{unique}", f"prd-{unique}"
    showcase = build(settings_for(Settings))
    async with serving(build_inquiries(settings_for(InquiriesSettings))) as inquiries, serving(showcase) as http:
        forwarder = showcase.state.inquiry_forwarder
        await forwarder.http.aclose()
        forwarder.http = inquiries  # the form's POST /inquiries reaches the inquiries app itself
        await publish(infrastructure.kafka, Envelope(factories.supplier_verified(sup), "/test"),
                      Envelope(factories.product_listed(prd, sup), "/test"))
        form = {"product_id": prd, "buyer_company": "Épicerie Boréale", "buyer_country": "ca",
                "contact_email": "achats@boreale.example.ca", "quantity": "40", "unit": "carton",
                "message": "Huile d'argan alimentaire, prix FOB ?"}

        async def sent():
            answer = await http.post("/countries/ma/inquiries?lang=fr", data=form)
            assert answer.status_code == 303, answer.text[:300]

        await eventually(sent)
        [inquiry] = (await inquiries.get("/inquiries", params={"supplier_id": sup},
                                         headers=issuer.auth(f"supplier:{sup}"))).json()
        letter = (await inquiries.get(f"/inquiries/{inquiry['inquiry_id']}/correspondence",
                                      headers=issuer.auth("notifier"))).json()
        assert (letter["language"], letter["buyer_country"], letter["contact_email"]) == (
            "fr", "CA", "achats@boreale.example.ca")
