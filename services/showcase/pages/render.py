"""One page from the current views to bytes: its JSON, or its HTML in a language (Jinja2 with gettext and Babel's
formats; autoescape on, so whatever a supplier wrote is text, never markup), named by its `PageKey` (pages/key.py).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.showcase import domain
from services.showcase.pages import i18n
from services.showcase.pages.countries import Country
from services.showcase.model.live import LiveModel
from services.showcase.pages.shapes import Filters
from services.showcase.pages.key import PageKey
from services.showcase.pages.prebuilt import Build, Rendition
from services.showcase.model.taxonomy import SECTOR_LABELS
from shared.errors import NotFound
from shared.vocabulary import Certification, Incoterm

JSON, HTML = "application/json", "text/html; charset=utf-8"
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "ar": "العربية"}
OG_LOCALES = {"en": "en_US", "fr": "fr_FR", "ar": "ar_AR"}
DEFAULT_FILTERS = Filters().model_dump_json()
SITEMAP_PATHS = 10_000  # pages per sitemap file: × 3 languages stays under the protocol's 50,000 URLs (and 50 MB)
INQUIRY_FIELDS = [  # (name, label, input type, attributes): the form the inquiries service accepts
    ("buyer_company", "Company", "text", 'required maxlength="200" autocomplete="organization"'),
    ("buyer_country", "Country", "country", 'required autocomplete="country"'),  # a list in the page's language
    ("contact_email", "Email", "email", 'required maxlength="200" autocomplete="email"'),
    ("quantity", "Quantity", "number", 'required min="1" max="100000000"'),
    ("unit", "Unit", "text", 'required maxlength="20"'),
    ("destination", "Destination port or city", "text", 'maxlength="200"'),
    ("message", "Message", "textarea", 'required maxlength="4000"'),
]


@functools.cache
def environment(lang: str) -> Environment:
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(default=True), extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(i18n.Formats(lang).filters(), t=i18n.translations(lang).gettext)
    env.globals.update(
        lang=lang, rtl=i18n.RTL, languages=i18n.LANGUAGES, language_names=LANGUAGE_NAMES, og_locales=OG_LOCALES,
        sector_labels={k.value: v for k, v in SECTOR_LABELS.items()},
        certifications=list(Certification), incoterms=list(Incoterm), inquiry_fields=INQUIRY_FIELDS,
        countries=i18n.countries(lang))
    return env


def html(lang: str, template: str, **context: Any) -> str:
    return environment(lang).get_template(template).render(**context)


class Pages:
    """Renders pages for `Renditions`, from its views and the live model."""

    def __init__(self, live: LiveModel, countries: dict[str, Country], base_url: str) -> None:
        self.live = live
        self.countries = countries
        self.base_url = base_url.rstrip("/")

    def defaults(self, code: str) -> list[PageKey]:
        return [PageKey("country", code, "json", None, DEFAULT_FILTERS),
                *(PageKey("country", code, "html", lang, DEFAULT_FILTERS) for lang in i18n.LANGUAGES)]

    def __call__(self, r: Build, key: PageKey) -> Rendition:
        if key.kind == "sitemap":
            return Rendition.of(self.sitemap(r, key.arg).encode(), "application/xml")
        page, jsonld = self.model(r, key)
        if key.format == "json":
            return Rendition.of(page.model_dump_json().encode(), JSON)
        html = self.html(self.countries[key.country], key.lang, key.kind, page, r, jsonld=jsonld)
        return Rendition.of(html.encode(), HTML)

    def model(self, r: Build, key: PageKey) -> tuple[Any, dict]:
        """The page's data and its schema.org description, from the current views."""
        kind, arg = key.kind, key.arg
        country = domain.configured(self.countries, key.country)
        view, demand = r.views[country.code]
        if kind == "country":
            filters = Filters.model_validate_json(arg)
            found = self.live.search(filters.q) if filters.q else None
            page = domain.build_page(country, view, demand, filters, found)
            return page, self.organizations(country, page.suppliers[:8])
        if kind == "supplier":
            page = domain.build_supplier_page(country, arg, view, self.live.legal_name(arg) or "")
            return page, self.organization(country, page.supplier)
        product = self.live.products.get(arg)
        if product is None:
            raise NotFound(f"no product {arg!r}", product_id=arg)
        page = domain.build_product_page(country, product, view)
        return page, self.product_jsonld(country, page)

    def html(self, country: Country, lang: str, kind: str, page: Any, r: Build, form: dict | None = None,
             errors: dict | None = None, jsonld: dict | None = None) -> str:
        path = f"/countries/{country.code.lower()}"
        if kind == "supplier":
            path += f"/suppliers/{page.supplier.supplier_id}"
        elif kind == "product":
            path += f"/products/{page.product.product_id}"
        return html(lang, f"{kind}.html", page=page, **self.common(country, lang, path), built_at=r.at,
                    form=form or {}, errors=errors or {}, jsonld=jsonld)

    def common(self, country: Country, lang: str, path: str) -> dict[str, Any]:
        return {"base_url": self.base_url, "path": path, "country_name": i18n.Formats(lang).country(country.code),
                "intro": country.intro.get(lang) or country.intro["en"], "country": country.code,
                "regions": country.regions}

    def organization(self, country: Country, s: Any) -> dict:
        return {"@context": "https://schema.org", "@type": "Organization", "name": s.trade_name,
                "url": f"{self.base_url}/countries/{country.code.lower()}/suppliers/{s.supplier_id}",
                "address": {"@type": "PostalAddress", "addressLocality": s.city, "addressRegion": s.region,
                            "addressCountry": country.code}}

    def organizations(self, country: Country, suppliers: list) -> dict:
        return {"@context": "https://schema.org", "@type": "ItemList",
                "itemListElement": [{"@type": "ListItem", "position": n + 1,
                                     "item": {k: v for k, v in self.organization(country, s).items() if k != "@context"}}
                                    for n, s in enumerate(suppliers)]}

    def product_jsonld(self, country: Country, page: Any) -> dict:
        p = page.product
        url = f"{self.base_url}/countries/{country.code.lower()}/products/{p.product_id}"
        return {"@context": "https://schema.org", "@type": "Product", "name": p.title.en,
                "description": page.description.en, "sku": p.product_id, "category": p.category_label,
                **({"image": page.image_urls} if page.image_urls else {}),
                "brand": {"@type": "Organization", "name": p.supplier_name},
                "offers": {"@type": "Offer", "priceCurrency": p.currency, "url": url, "price": str(p.from_price),
                           "availability": "https://schema.org/InStock",
                           "eligibleQuantity": {"@type": "QuantitativeValue", "minValue": p.moq,
                                                "unitText": p.moq_unit},
                           "seller": {"@type": "Organization", "name": p.supplier_name}}}

    def sitemap(self, r: Build, part: int | None) -> str:
        """`part` None: the sitemap index; else that part's pages in the three languages, each entry with its
        alternates (Google's hreflang sitemap form). A launch-sized country (55,000 pages) needs several parts."""
        paths = []
        for code, (view, _) in r.views.items():
            root = f"/countries/{code.lower()}"
            paths += [root, *(f"{root}/suppliers/{s.supplier_id}" for s in view.suppliers),
                      *(f"{root}/products/{p.product_id}" for p in view.products)]
        if part is None:
            parts = range(1, max(1, -(-len(paths) // SITEMAP_PATHS)) + 1)
            return html("en", "sitemap-index.xml", parts=parts, base_url=self.base_url)
        chunk = paths[(part - 1) * SITEMAP_PATHS:part * SITEMAP_PATHS]
        if part < 1 or not chunk and part > 1:
            raise NotFound(f"no sitemap part {part}", part=part)
        return html("en", "sitemap.xml", paths=chunk, base_url=self.base_url, languages=i18n.LANGUAGES)
