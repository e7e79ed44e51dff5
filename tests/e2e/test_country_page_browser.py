"""The country pages as buyers use them, in Debian's Chromium driven by Playwright (never a browser download), on
the four services started as an operator runs them: the three languages (lang/dir, no English words of the
interface left in French or Arabic), axe-core's accessibility checks on every page type in every language, the
product page, search with filters, the inquiry form end to end with and without JavaScript, and a supplier's
script-like texts shown as text. Screenshots are kept in .stack/reports/screenshots/ for a person to look at."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po

from services.showcase.pages.i18n import LOCALE_DIR
from shared.contracts.envelope import Envelope
from tests import factories
from tests.e2e.test_marketplace_flow import wait_for
from tests.integration.helpers import publish

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / ".stack" / "reports" / "screenshots"
AXE = ROOT / ".stack" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
XSS_NAME = '<script>window.pwned=1</script>Dar <b>Argan</b>'
XSS_TITLE = '<img src=x onerror="window.pwned=2">Argan oil'
LANGS = {"en": "ltr", "fr": "ltr", "ar": "rtl"}


def _events(showcase: str) -> list:
    now = datetime.now(UTC)
    picture = f"{showcase}/media/demo/argan-oil.svg"
    events = [
        factories.supplier_verified("sup-argan", trade_name="Coopérative Tighanimine"),
        factories.supplier_verified("sup-fes", trade_name="Fès Tannery Atelier", region="Fès-Meknès", city="Fès",
                                    sectors=["leather"]),
        factories.supplier_verified("sup-xss", trade_name=XSS_NAME),
        factories.product_listed("prd-argan", "sup-argan", image_urls=[picture],
                                 title={"en": "Organic argan oil, cold-pressed", "fr": "Huile d'argan bio",
                                        "ar": "زيت الأركان العضوي"},
                                 description={"en": "Cold-pressed by a women's cooperative near Agadir.",
                                              "fr": "Pressée à froid par une coopérative de femmes près d'Agadir."}),
        factories.product_listed("prd-pouf", "sup-fes", category="leather", hs_code="420500",
                                 origin_region="Fès-Meknès", certifications=[], incoterms=["EXW"], image_urls=[],
                                 title={"en": "Leather pouf, hand-stitched"},
                                 description={"en": "Goatskin pouf, vegetable-tanned in Fès."}),
        factories.product_listed("prd-xss", "sup-xss", image_urls=[], title={"en": XSS_TITLE, "fr": XSS_TITLE, "ar": XSS_TITLE},
                                 description={"en": '<script>window.pwned=3</script>"quoted"'}),
        factories.supplier_verified("sup-sfax", trade_name="Huilerie Sfax Export", country="TN", region="Sfax",
                                    city="Sfax", sectors=["olive-oil-and-olives"]),
        factories.product_listed("prd-sfax", "sup-sfax", category="olive-oil-and-olives", hs_code="150920",
                                 origin_region="Sfax", port_of_loading="Sfax", certifications=["organic"],
                                 image_urls=[], title={"en": "Extra virgin olive oil, Chemlali",
                                                       "fr": "Huile d'olive extra vierge, Chemlali",
                                                       "ar": "زيت زيتون بكر ممتاز، شملالي"},
                                 description={"en": "Cold-pressed in Sfax."}).model_copy(update={"country": "TN"}),
    ]
    for n, hours in enumerate([0.2, 5, 50, None]):
        received = now - timedelta(days=2, hours=n)
        events.append(factories.inquiry_received(f"inq-{n}", "sup-argan", "prd-argan", "CA", received_at=received))
        if hours:
            events.append(factories.inquiry_responded(f"inq-{n}", "sup-argan", "prd-argan",
                                                      received + timedelta(hours=hours), "CA", received_at=received))
    return events


@pytest.fixture(scope="module")
def site(marketplace):
    showcase = marketplace.url("showcase")
    prefix = marketplace.extra_env["KAFKA_TOPIC_PREFIX"]
    envelopes = [Envelope(e, "/e2e") for e in _events(showcase)]  # published as a partner system would
    asyncio.run(publish(marketplace.kafka, raw=[(prefix + e.topic, e.key, e.value(), e.headers()) for e in envelopes]))

    def ready():
        page = httpx.get(f"{showcase}/api/countries/ma", timeout=10).json()
        assert page["headline"]["products"] == 3 and page["headline"]["inquiries_30d"] == 4
        assert httpx.get(f"{showcase}/api/countries/tn", timeout=10).json()["headline"]["products"] == 1
        html = httpx.get(f"{showcase}/countries/ma", timeout=10).text  # rendered after the JSON, from its views
        assert html.count("data-product-id=") == 3, "the HTML has not followed the JSON yet"
        inquiries = httpx.get(f"{marketplace.url('inquiries')}/inquiries", params={"supplier_id": "sup-argan"})
        assert inquiries.status_code in (200, 401, 403)  # inquiries is up; it learns the product from the log
        return page

    wait_for(ready, timeout=60)
    return showcase


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert AXE.exists(), f"{AXE} missing: `make setup` installs axe-core from the npm registry"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def english_phrases() -> set[str]:
    """Interface phrases (several words) whose French translation differs: none may show in fr or ar."""
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {re.sub(r"%\(\w+\)s", "", m.id).strip(" :.,") for m in read_po(po)
                if isinstance(m.id, str) and m.string != m.id and " " in m.id and len(m.id) > 8} - {""}


def check_page(page, lang: str, name: str) -> None:
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("html").get_attribute("dir") == LANGS[lang]
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{lang}.png"), full_page=True)
    assert violations == [], f"{name} ({lang}): {violations}"
    if lang != "en":
        text = page.evaluate("""() => { const copy = document.body.cloneNode(true);
            copy.querySelectorAll('[lang="en"], style, script').forEach(e => e.remove());
            return copy.innerText; }""")
        left = sorted(p for p in english_phrases() if p.split(" ")[0] and re.search(rf"\b{re.escape(p)}\b", text))
        context = [text[max(0, m.start() - 60):m.end() + 20] for p in left for m in [re.search(rf"\b{re.escape(p)}\b", text)]]
        assert left == [], f"English left on {name} ({lang}): {context}"


def test_every_page_type_in_every_language(site, browser):
    page = browser.new_page()
    pages = {"country": "/countries/ma", "search": "/countries/ma?q=argan&category=argan-and-cosmetics",
             "supplier": "/countries/ma/suppliers/sup-argan", "product": "/countries/ma/products/prd-argan",
             "sent": "/countries/ma/inquiries/sent", "not-found": "/countries/ma/products/nothing",
             "tunisia": "/countries/tn", "tunisia-supplier": "/countries/tn/suppliers/sup-sfax",
             "tunisia-product": "/countries/tn/products/prd-sfax"}  # the second country, from its file
    for lang in LANGS:
        for name, path in pages.items():
            page.goto(f"{site}{path}{'&' if '?' in path else '?'}lang={lang}")
            check_page(page, lang, name)
    page.close()


def test_the_language_switch_and_accept_language(site, browser):
    context = browser.new_context(locale="fr-FR", extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    page = context.new_page()
    page.goto(f"{site}/countries/ma")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == "Maroc : fournisseurs vérifiés"
    page.get_by_role("link", name="العربية").click()
    page.wait_for_url("**lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "المغرب" in page.locator("h1").inner_text()
    context.close()


def test_product_page_shows_pictures_and_terms(site, browser):
    page = browser.new_page()
    page.goto(f"{site}/countries/ma/products/prd-argan?lang=fr")
    assert page.locator("#product-title").inner_text() == "Huile d'argan bio"
    assert "coopérative de femmes" in page.locator("#description").inner_text()
    picture = page.locator(".product-media img").first
    assert picture.get_attribute("loading") == "lazy" and picture.get_attribute("width") == "640"
    assert picture.get_attribute("alt") == "Huile d'argan bio"
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", picture.element_handle())
    assert page.locator("#price-tiers tr").count() >= 2
    terms = page.locator("#terms").inner_text()
    for word in ("Commande minimale", "Délai de livraison", "Incoterms", "Certifications", "Échantillons"):
        assert word in terms
    assert "Coopérative Tighanimine" in page.locator("section.supplier").inner_text()
    page.goto(f"{site}/countries/ma/products/prd-pouf?lang=ar")  # English only: shown with a visible marker
    assert "بالإنجليزية" in page.locator("#product-title").inner_text()
    assert page.locator(".product-media img").first.get_attribute("src").startswith("/media/placeholder/")
    page.close()


def test_search_with_filters(site, browser):
    page = browser.new_page()
    page.goto(f"{site}/countries/ma?lang=en")
    page.fill("#search", "pouf")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**q=pouf**")
    assert page.locator("#products-grid .product-card").count() == 1
    assert "Leather pouf" in page.locator("#products-grid").inner_text()
    page.select_option("select[name=category]", "seafood")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**category=seafood**")
    assert page.locator("#products-grid .product-card").count() == 0
    page.goto(f"{site}/countries/ma?lang=fr&q=huile")  # the French title
    assert [c.get_attribute("data-product-id") for c in page.locator("#products-grid .product-card").all()] == [
        "prd-argan"]
    page.close()


def _inquiries_shown(site: str) -> int:
    return httpx.get(f"{site}/api/countries/ma", timeout=10).json()["headline"]["inquiries_30d"]


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_inquiry_form_end_to_end(site, browser, javascript):
    before = _inquiries_shown(site)
    context = browser.new_context(java_script_enabled=javascript, locale="fr-CA")  # a buyer in Montréal
    page = context.new_page()
    page.goto(f"{site}/countries/ma/products/prd-argan?lang=fr")
    country = page.locator("#f-buyer_country")  # a list in French, Canada already chosen from Accept-Language
    assert country.input_value() == "CA" and "États-Unis" in country.inner_text()
    page.fill("#f-contact_email", "pas-un-email")
    page.click("#inquiry button[type=submit]")
    assert page.locator("#inquiry-errors").is_visible()
    errors = page.locator("#inquiry-errors").inner_text()
    assert "Ce champ est obligatoire." in errors and "adresse e-mail valide" in errors
    page.screenshot(path=str(SCREENSHOTS / f"inquiry-errors-{'js' if javascript else 'nojs'}-fr.png"), full_page=True)
    page.fill("#f-buyer_company", "Épicerie Fine Montréal")
    assert page.locator("#f-buyer_country").input_value() == "CA"  # kept when the form came back with errors
    page.fill("#f-contact_email", "achats@epicerie.example")
    page.fill("#f-quantity", "200")
    page.fill("#f-unit", "litre")
    page.fill("#f-message", "Prix pour 200 litres livrés à Montréal ?")
    page.click("#inquiry button[type=submit]")
    page.wait_for_url("**/inquiries/sent**")
    assert page.locator("#sent").inner_text() == "Merci : votre demande a été envoyée"
    context.close()
    wait_for(lambda: _counted(site, before + 1), timeout=30)  # the inquiry counts on the page once received


def _counted(site: str, expected: int) -> None:
    assert _inquiries_shown(site) == expected


def test_supplier_texts_that_look_like_code_are_shown_as_text(site, browser):
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in ("/countries/ma?lang=en", "/countries/ma/suppliers/sup-xss?lang=fr",
                 "/countries/ma/products/prd-xss?lang=ar"):
        page.goto(site + path)
        assert page.evaluate("() => window.pwned") is None
        assert page.locator("img[src=x]").count() == 0
    assert XSS_NAME in page.locator("section.supplier h2").inner_text()
    assert XSS_TITLE in page.locator("#product-title").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "xss-as-text-ar.png"), full_page=True)
    assert dialogs == []
    page.close()
