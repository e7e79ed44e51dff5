"""The whole marketplace, started as a user would, driven over HTTP; the country page follows the events."""

import time
from datetime import UTC, datetime, timedelta

import httpx

from tests import factories

TIMEOUT = 30.0


def wait_for(check, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def post_until(url: str, body: dict, status: int, headers: dict | None = None) -> httpx.Response:
    """POST until the expected status: the next service learns of a change through Kafka, a moment later."""

    def attempt():
        response = httpx.post(url, json=body, timeout=10, headers=headers)
        assert response.status_code == status, response.text
        return response

    return wait_for(attempt)


def apply(onboarding: str, supplier_id: str, step: str, body: dict | None, headers: dict) -> dict:
    response = httpx.post(f"{onboarding}/suppliers/{supplier_id}/{step}", json=body, timeout=10, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_whole_workflow_from_application_to_the_country_page_and_back(marketplace):
    onboarding, catalogue = marketplace.url("onboarding"), marketplace.url("catalogue")
    inquiries, showcase = marketplace.url("inquiries"), marketplace.url("showcase")
    staff = marketplace.auth("staff")

    profile = factories.profile(trade_name="Sardines de Safi", region="Marrakech-Safi", city="Safi",
                                sectors=["seafood"]).model_dump(mode="json")
    created = httpx.post(f"{onboarding}/suppliers", json={
        "profile": profile, "documents": factories.documents("ONSSA approval")},
        headers=marketplace.auth("partner:clementia"))
    assert created.status_code == 201, created.text
    supplier_id = created.json()["supplier_id"]
    assert created.json()["submitted_by"] == "clementia"
    owner = marketplace.auth(f"supplier:{supplier_id}")
    pending = httpx.post(f"{onboarding}/suppliers", json={
        "profile": factories.profile(trade_name="Dattes du Tafilalet").model_dump(mode="json"),
        "documents": factories.documents()}, headers=marketplace.auth("supplier:sup-dattes-tafilalet")).json()
    assert pending["supplier_id"] == "sup-dattes-tafilalet"
    apply(onboarding, supplier_id, "documents-verification", None, staff)
    apply(onboarding, supplier_id, "endorsement", {"agency": "ASMEX"}, marketplace.auth("agency:ASMEX"))
    inspected_on = (datetime.now(UTC) - timedelta(days=5)).date().isoformat()
    apply(onboarding, supplier_id, "inspection", {"body": "Bureau Veritas", "report_id": "BV-MA-7781",
                                                  "passed": True, "inspected_on": inspected_on},
          marketplace.auth("inspection:Bureau Veritas"))
    assert apply(onboarding, supplier_id, "verification", {"decision": "verified"}, staff)["status"] == "verified"

    listing = factories.listing(title={"en": "Canned sardines in olive oil, 125 g", "fr": "Sardines à l'huile"},
                                category="seafood", hs_code="160413", moq=500, moq_unit="carton",
                                price_tiers=[{"min_quantity": 500, "max_quantity": 1999, "unit_price": "24.00"},
                                             {"min_quantity": 2000, "unit_price": "21.50"}],
                                certifications=["ONSSA", "halal"], port_of_loading="Safi",
                                origin_region="Marrakech-Safi").model_dump(mode="json")
    product = post_until(f"{catalogue}/products", {"supplier_id": supplier_id, "listing": listing}, 201,
                         owner).json()
    refused = post_until(f"{catalogue}/products", {"supplier_id": pending["supplier_id"], "listing": listing}, 409,
                         marketplace.auth(f"supplier:{pending['supplier_id']}"))
    assert "only verified suppliers can list" in refused.json()["message"]

    inquiry = post_until(f"{inquiries}/inquiries", {
        "product_id": product["product_id"], "buyer_company": "Atlantic Seafood Supply", "buyer_country": "US",
        "contact_email": "sourcing@atlantic.example.com", "quantity": 1000, "unit": "carton",
        "target_price": "22.00", "currency": "USD", "destination": "Port Newark",
        "message": "Please quote CIF Port Newark for 1,000 cartons."}, 201).json()
    assert inquiry["supplier_id"] == supplier_id
    answered = httpx.post(f"{inquiries}/inquiries/{inquiry['inquiry_id']}/response",
                          json={"message": "1,000 cartons at 23.20 USD CIF Newark, 4 weeks."}, headers=owner)
    assert answered.status_code == 200

    def page_shows_everything():
        page = httpx.get(f"{showcase}/api/countries/ma", timeout=10).json()
        card = next((s for s in page["suppliers"] if s["supplier_id"] == supplier_id), None)
        assert card is not None and card["inquiries_30d"] == 1 and card["products"] == 1
        assert card["response_rate"] == 1.0
        return page

    page = wait_for(page_shows_everything)
    assert page["headline"] == {"verified_suppliers": 1, "products": 1, "categories": 1, "inquiries_30d": 1,
                                "north_america_share": 1.0}
    assert [p["title"]["en"] for p in page["products"]["items"]] == ["Canned sardines in olive oil, 125 g"]
    assert pending["supplier_id"] not in {s["supplier_id"] for s in page["suppliers"]}
    assert page["demand"]["by_region"] == [{"name": "North America", "inquiries": 1}]

    def html_follows():  # the HTML is rendered after the JSON, from the same views
        html = httpx.get(f"{showcase}/countries/ma", timeout=10)
        assert html.status_code == 200 and "Sardines de Safi" in html.text

    wait_for(html_follows)
    profile_page = httpx.get(f"{showcase}/countries/ma/suppliers/{supplier_id}", timeout=10)
    assert profile_page.status_code == 200 and "100%" in profile_page.text
    assert httpx.get(f"{showcase}/", follow_redirects=True).url.path == "/countries/ma"

    apply(onboarding, supplier_id, "suspension", {"reason": "ONSSA approval under review"}, staff)

    def delisted_and_gone():
        assert httpx.get(f"{catalogue}/products/{product['product_id']}").json()["status"] == "delisted"
        page = httpx.get(f"{showcase}/api/countries/ma", timeout=10).json()
        assert page["headline"]["verified_suppliers"] == 0 and page["products"]["items"] == []

    wait_for(delisted_and_gone)
    apply(onboarding, supplier_id, "reinstatement", None, staff)
    post_until(f"{catalogue}/products/{product['product_id']}/relisting", {}, 200, owner)

    def back_on_the_page():
        page = httpx.get(f"{showcase}/api/countries/ma", timeout=10).json()
        assert [p["product_id"] for p in page["products"]["items"]] == [product["product_id"]]

    wait_for(back_on_the_page)


def test_every_service_reports_health_and_readiness(marketplace):
    for service in marketplace.ports:
        assert httpx.get(f"{marketplace.url(service)}/healthz").json()["status"] == "ok"
        ready = httpx.get(f"{marketplace.url(service)}/readyz").json()
        assert ready == {"ready": True, "checks": {"mongodb": True, "kafka": True, "partitions": True}}
        assert "tijara_" in httpx.get(f"{marketplace.url(service)}/metrics/").text
