"""The demo seeding (what `make run` does) through the public APIs of the running services, at a small scale:
the page then shows exactly the suppliers that ended verified, and nothing of the suspended one."""

import asyncio

import httpx

from deploy.local import demo
from tests.e2e.test_marketplace_flow import wait_for

SCALE = demo.Scale(suppliers=14, products=30, inquiries=40, rejected=3, pending=3, suspended=2)


def test_seeding_builds_a_consistent_country_page(marketplace):
    urls = {s: marketplace.url(s) for s in marketplace.ports}
    summary = asyncio.run(demo.seed(urls, marketplace.token, SCALE, show=False))
    assert summary["suppliers"] == 14 and summary["rejected"] == 3 and summary["pending"] == 3
    assert summary["products"] == 30 and summary["inquiries"] == 40 and summary["reinstated"] == 1

    def settled():
        page = httpx.get(f"{urls['showcase']}/api/countries/ma", params={"per_page": 100, "suppliers_per_page": 100},
                         timeout=10).json()
        assert page["headline"]["verified_suppliers"] == summary["verified"]
        assert page["headline"]["inquiries_30d"] == summary["inquiries"]
        answered = sum(round((s["response_rate"] or 0) * s["inquiries_30d"]) for s in page["suppliers"])
        assert answered == summary["answered_in_24h"]
        return page

    page = wait_for(settled, timeout=60)
    shown = {p["supplier_id"] for p in page["products"]["items"]}
    assert shown <= {s["supplier_id"] for s in page["suppliers"]}
    assert page["headline"]["products"] == len(page["products"]["items"]) < 30  # the suspended one's are gone
    assert page["headline"]["north_america_share"] > 0.3


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_the_country_page_in_headless_chromium(marketplace):
    """Debian's chromium driven by Playwright (never a browser download): figures, filters, a supplier's page."""
    from playwright.sync_api import sync_playwright

    showcase = marketplace.url("showcase")
    page_json = httpx.get(f"{showcase}/api/countries/ma", timeout=10).json()
    assert page_json["headline"]["verified_suppliers"] > 0, "runs after the seeding test"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{showcase}/countries/ma")
            assert page.locator("#verified-suppliers").inner_text() == str(page_json["headline"]["verified_suppliers"])
            assert page.locator("#products").inner_text() == str(page_json["headline"]["products"])
            category = page_json["categories"][0]
            page.select_option("select[name=category]", category["category"])
            page.click("button[type=submit]")
            page.wait_for_url(f"**category={category['category']}**")
            assert page.locator("#products-total").inner_text().startswith(f"{category['products']} product")
            texts = page.locator("#products-grid .product-card").all_inner_texts()
            assert texts and all(category["label"] in text for text in texts)
            first_supplier = page_json["suppliers"][0]
            page.click(f"[data-supplier-id='{first_supplier['supplier_id']}'] h3 a")
            page.wait_for_url(f"**/suppliers/{first_supplier['supplier_id']}?lang=en")
            assert page.locator("#trade-name").inner_text() == first_supplier["trade_name"]
            assert "Verified" in page.locator("#badge").inner_text()
            assert page.locator("#response-rate").inner_text().endswith("%")
        finally:
            browser.close()
