"""One page from the current views to bytes, named by its `PageKey` (pages/key.py): its JSON, or its HTML in a
language (templating.py), with its schema.org description; the sitemap's parts (sitemap.py).
"""

from __future__ import annotations

from typing import Any

from services.showcase import domain
from services.showcase.model.live import LiveModel
from services.showcase.pages import i18n, sitemap
from services.showcase.pages.countries import Country
from services.showcase.pages.key import PageKey
from services.showcase.pages.prebuilt import Build, Rendition
from services.showcase.pages.shapes import Filters
from services.showcase.pages.templating import html
from shared.errors import NotFound

JSON, HTML = "application/json", "text/html; charset=utf-8"
DEFAULT_FILTERS = Filters().model_dump_json()


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
            return Rendition.of(sitemap.page(r.views, key.arg, self.base_url).encode(), "application/xml")
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
