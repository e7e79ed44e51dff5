"""A second country from configuration, end to end: a Tunisian and a Moroccan supplier each go from application to
verified through the real services, and each shows on its own country's page only, with its products; then the
small Tunisian demo set (what `make run` seeds) fills the Tunisian page."""

import asyncio

import httpx

from deploy.local import demo
from services.onboarding.nations import NATIONS
from tests import factories
from tests.e2e.test_marketplace_flow import apply, post_until, wait_for


def verify(marketplace, application: dict, agency: str, applicant: str) -> str:
    onboarding = marketplace.url("onboarding")
    created = httpx.post(f"{onboarding}/suppliers", json=application, headers=marketplace.auth(applicant))
    assert created.status_code == 201, created.text
    supplier_id = created.json()["supplier_id"]
    staff = marketplace.auth("staff")
    apply(onboarding, supplier_id, "documents-verification", None, staff)
    apply(onboarding, supplier_id, "endorsement", {"agency": agency}, marketplace.auth(f"agency:{agency}"))
    assert apply(onboarding, supplier_id, "verification", {"decision": "verified"}, staff)["status"] == "verified"
    return supplier_id


def page(marketplace, code: str) -> dict:
    return httpx.get(f"{marketplace.url('showcase')}/api/countries/{code}",
                     params={"per_page": 100, "suppliers_per_page": 100}, timeout=10).json()


def test_each_supplier_shows_on_its_own_countrys_page_only(marketplace):
    tunisian = factories.tunisian_application(trade_name="Huilerie Kerkennah").model_dump(mode="json")
    tunisian["profile"]["company_id"] = "1500077/k/a/m/000"  # as typed on the tax card
    tunisian_id = verify(marketplace, tunisian, "CEPEX", "supplier:sup-kerkennah")
    moroccan = factories.application(trade_name="Argane Tiznit", ice=factories.ice(77))
    moroccan_id = verify(marketplace, moroccan.model_dump(mode="json"), "AMDIE", "partner:clementia")
    oil = factories.listing(title={"en": "Extra virgin olive oil, Chemlali"}, category="olive-oil-and-olives",
                            hs_code="150920", certifications=["organic"], port_of_loading="Sfax",
                            origin_region="Sfax").model_dump(mode="json")
    product = post_until(f"{marketplace.url('catalogue')}/products", {"supplier_id": tunisian_id, "listing": oil},
                         201, marketplace.auth(f"supplier:{tunisian_id}")).json()
    assert product["country"] == "TN"

    def shown():
        tn, ma = page(marketplace, "tn"), page(marketplace, "ma")
        assert [s["trade_name"] for s in tn["suppliers"]] == ["Huilerie Kerkennah"]
        assert [p["product_id"] for p in tn["products"]["items"]] == [product["product_id"]]
        assert tn["suppliers"][0]["region"] == "Sfax"
        assert moroccan_id in {s["supplier_id"] for s in ma["suppliers"]}
        return tn, ma

    tn, ma = wait_for(shown)
    assert tunisian_id not in {s["supplier_id"] for s in ma["suppliers"]}
    assert product["product_id"] not in {p["product_id"] for p in ma["products"]["items"]}
    assert moroccan_id not in {s["supplier_id"] for s in tn["suppliers"]}
    showcase = marketplace.url("showcase")
    assert httpx.get(f"{showcase}/countries/ma/suppliers/{tunisian_id}").status_code == 404
    assert httpx.get(f"{showcase}/countries/tn/suppliers/{moroccan_id}").status_code == 404
    html = httpx.get(f"{showcase}/countries/tn", params={"lang": "ar"}).text
    assert "Huilerie Kerkennah" in html and "صفاقس" in html and "Argane Tiznit" not in html
    assert 'value="Sfax"' in html and 'value="Souss-Massa"' not in html  # the filter offers Tunisia's governorates


def test_the_tunisian_demo_set_fills_the_tunisian_page(marketplace):
    before, ma_before = page(marketplace, "tn")["headline"], page(marketplace, "ma")["headline"]["verified_suppliers"]
    urls = {s: marketplace.url(s) for s in marketplace.ports}
    summary = asyncio.run(demo.seed(urls, marketplace.token, demo.TUNISIA_SCALE, show=False, market=demo.TUNISIA))
    assert summary["suppliers"] == 8 and summary["products"] == 30 and summary["inquiries"] == 40
    assert summary["rejected"] == 1 and summary["pending"] == 1

    def settled():
        tn = page(marketplace, "tn")
        assert tn["headline"]["verified_suppliers"] == before["verified_suppliers"] + summary["verified"]
        assert tn["headline"]["products"] == before["products"] + 30
        assert tn["headline"]["inquiries_30d"] == before["inquiries_30d"] + 40
        return tn

    tn = wait_for(settled, timeout=60)
    assert {s["region"] for s in tn["suppliers"]} <= {r.value for r in NATIONS["TN"].regions}
    assert page(marketplace, "ma")["headline"]["verified_suppliers"] == ma_before  # nothing spilled over
