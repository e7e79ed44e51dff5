"""Trust across the running marketplace (services and the local issuer as processes): the attacks of issue 8 fail,
each with a clear refusal, and the refused requests change nothing."""

import httpx

from tests import factories
from tests.e2e.test_marketplace_flow import apply, post_until, wait_for


def test_only_the_right_actor_can_act(marketplace):
    onboarding, catalogue = marketplace.url("onboarding"), marketplace.url("catalogue")
    inquiries = marketplace.url("inquiries")
    staff, auth = marketplace.auth("staff"), marketplace.auth

    # an SME applies for itself, then tries to take its own verification forward
    sme = "sup-atlas-argan"
    created = httpx.post(f"{onboarding}/suppliers", json={
        "profile": factories.profile(trade_name="Atlas Argan").model_dump(mode="json"),
        "documents": factories.documents()}, headers=auth(f"supplier:{sme}"), timeout=10)
    assert created.status_code == 201 and created.json()["supplier_id"] == sme, created.text
    for step, body in (("documents-verification", None), ("verification", {"decision": "verified"}),
                       ("endorsement", {"agency": "AMDIE"})):
        refused = httpx.post(f"{onboarding}/suppliers/{sme}/{step}", json=body, headers=auth(f"supplier:{sme}"))
        assert refused.status_code == 403 and "needs the role" in refused.json()["message"], refused.text
    anonymous = httpx.post(f"{onboarding}/suppliers/{sme}/verification", json={"decision": "verified"})
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == 'Bearer realm="tijara"'
    assert httpx.get(f"{onboarding}/suppliers/{sme}", headers=staff).json()["status"] == "submitted"

    # an agency endorses only as itself
    apply(onboarding, sme, "documents-verification", None, staff)
    as_other = httpx.post(f"{onboarding}/suppliers/{sme}/endorsement", json={"agency": "ASMEX"},
                          headers=auth("agency:AMDIE"))
    assert as_other.status_code == 403 and "you cannot endorse as ASMEX" in as_other.json()["message"]
    assert apply(onboarding, sme, "endorsement", {}, auth("agency:AMDIE"))["endorsed_by"] == "AMDIE"
    no_reason = httpx.post(f"{onboarding}/suppliers/{sme}/verification", json={"decision": "rejected"},
                           headers=staff)
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["message"]
    assert apply(onboarding, sme, "verification", {"decision": "verified"}, staff)["status"] == "verified"

    # another SME cannot touch its listings or read its inquiries
    owner, intruder = auth(f"supplier:{sme}"), auth("supplier:sup-rival-cooperative")
    listing = factories.listing().model_dump(mode="json")
    product = post_until(f"{catalogue}/products", {"listing": listing}, 201, owner).json()
    for method, path, body in (("PUT", f"/products/{product['product_id']}/listing", {"listing": listing}),
                               ("POST", f"/products/{product['product_id']}/delisting", {"reason": "sabotage"}),
                               ("POST", "/products", {"supplier_id": sme, "listing": listing})):
        refused = httpx.request(method, f"{catalogue}{path}", json=body, headers=intruder)
        assert refused.status_code == 403 and sme in refused.json()["message"], refused.text
    assert httpx.get(f"{catalogue}/products/{product['product_id']}").json()["version"] == 1

    inquiry = post_until(f"{inquiries}/inquiries", {
        "product_id": product["product_id"], "buyer_company": "Pacific Naturals", "buyer_country": "US",
        "contact_email": "buyer@pacific.example.com", "quantity": 200, "unit": "litre", "message": "Quote FOB?"},
        201).json()
    for path, headers in ((f"/inquiries?supplier_id={sme}", intruder), (f"/inquiries/{inquiry['inquiry_id']}",
                                                                         intruder),
                          (f"/inquiries?supplier_id={sme}", {})):
        refused = httpx.get(f"{inquiries}{path}", headers=headers)
        assert refused.status_code in (401, 403) and "pacific.example.com" not in refused.text
    mine = httpx.get(f"{inquiries}/inquiries", params={"supplier_id": sme}, headers=owner).json()
    assert [i["request"]["contact_email"] for i in mine] == ["buyer@pacific.example.com"]

    # the expiry run needs the operator role; an expired token is refused with the reason
    expiry = f"{onboarding}/operations/verification-expiry"
    far = {"now": "2031-01-01T00:00:00+00:00"}
    for headers in ({}, staff, owner):
        assert httpx.post(expiry, params=far, headers=headers).status_code in (401, 403)
    stale = {"Authorization": f"Bearer {marketplace.token('operator', lifetime=-600)}"}
    expired_token = httpx.post(expiry, params=far, headers=stale)
    assert expired_token.status_code == 401 and 'error="invalid_token"' in expired_token.headers["WWW-Authenticate"]
    assert "expired" in expired_token.json()["message"]
    assert httpx.get(f"{onboarding}/suppliers/{sme}", headers=staff).json()["status"] == "verified"
    ran = httpx.post(expiry, params=far, headers=auth("operator"), timeout=30)
    assert ran.status_code == 200 and sme in ran.json()["expired"]
    wait_for(lambda: _delisted(catalogue, product["product_id"]))


def _delisted(catalogue: str, product_id: str) -> None:
    assert httpx.get(f"{catalogue}/products/{product_id}").json()["status"] == "delisted"
