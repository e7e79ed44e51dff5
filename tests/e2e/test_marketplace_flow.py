"""The whole marketplace, started as a user would, driven over HTTP; the country page follows the events."""

import time

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


def post_until(url: str, body: dict, status: int) -> httpx.Response:
    """POST until the expected status: the next service learns of a change through Kafka, a moment later."""

    def attempt():
        response = httpx.post(url, json=body, timeout=10)
        assert response.status_code == status, response.text
        return response

    return wait_for(attempt)


def test_supplier_onboarded_verified_listed_and_inquired_shows_on_the_country_page(marketplace):
    onboarding, catalogue = marketplace.url("onboarding"), marketplace.url("catalogue")
    inquiries, showcase = marketplace.url("inquiries"), marketplace.url("showcase")

    verified = httpx.post(f"{onboarding}/suppliers", json={
        "profile": factories.profile(trade_name="Sardines de Safi", region="Marrakech-Safi", city="Safi",
                                     sectors=["seafood"]).model_dump(mode="json"),
        "submitted_by": "clementia"}).json()
    pending = httpx.post(f"{onboarding}/suppliers", json={
        "profile": factories.profile(trade_name="Dattes du Tafilalet").model_dump(mode="json")}).json()
    decided = httpx.post(f"{onboarding}/suppliers/{verified['supplier_id']}/verification",
                         json={"decision": "verified"})
    assert decided.status_code == 200

    listing = factories.listing(title="Canned sardines in olive oil, 125 g", category="seafood", hs_code="160413",
                                moq=500, moq_unit="carton", origin_region="Marrakech-Safi").model_dump(mode="json")
    product = post_until(f"{catalogue}/products", {"supplier_id": verified["supplier_id"], "listing": listing},
                         201).json()
    refused = post_until(f"{catalogue}/products", {"supplier_id": pending["supplier_id"], "listing": listing}, 409)
    assert "only verified suppliers can list" in refused.json()["message"]

    inquiry = post_until(f"{inquiries}/inquiries", {
        "product_id": product["product_id"], "buyer_company": "Atlantic Seafood Supply", "buyer_country": "US",
        "contact_email": "sourcing@atlantic.example.com", "quantity": 1000, "unit": "carton",
        "message": "Please quote CIF Port Newark for 1,000 cartons."}, 201).json()
    assert inquiry["supplier_id"] == verified["supplier_id"]

    def page_shows_everything():
        page = httpx.get(f"{showcase}/api/countries/ma", timeout=10).json()
        card = next((s for s in page["suppliers"] if s["supplier_id"] == verified["supplier_id"]), None)
        assert card is not None and card["inquiries"] == 1 and card["products"] == 1
        return page

    page = wait_for(page_shows_everything)
    assert page["headline"] == {"verified_suppliers": 1, "products": 1, "inquiries": 1}
    assert [p["title"] for p in page["products"]] == ["Canned sardines in olive oil, 125 g"]
    assert pending["supplier_id"] not in {s["supplier_id"] for s in page["suppliers"]}
    html = httpx.get(f"{showcase}/countries/ma", timeout=10)
    assert html.status_code == 200 and "Sardines de Safi" in html.text
    assert httpx.get(f"{showcase}/", follow_redirects=True).url.path == "/countries/ma"


def test_every_service_reports_health_and_readiness(marketplace):
    for service in marketplace.ports:
        assert httpx.get(f"{marketplace.url(service)}/healthz").json()["status"] == "ok"
        ready = httpx.get(f"{marketplace.url(service)}/readyz").json()
        assert ready == {"ready": True, "checks": {"mongodb": True, "kafka": True}}
        assert "tijara_" in httpx.get(f"{marketplace.url(service)}/metrics/").text
