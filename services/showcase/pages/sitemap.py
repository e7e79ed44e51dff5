"""The sitemap: an index, and parts that list every page of every country in the three languages, each entry with
its alternates (Google's hreflang sitemap form)."""

from __future__ import annotations

from services.showcase.pages import i18n
from services.showcase.pages.prebuilt import Views
from services.showcase.pages.templating import html
from shared.errors import NotFound

SITEMAP_PATHS = 10_000  # pages per sitemap file: × 3 languages stays under the protocol's 50,000 URLs (and 50 MB)


def page(views: Views, part: int | None, base_url: str) -> str:
    """`part` None: the sitemap index; else that part's pages. A launch-sized country (55,000 pages) needs several
    parts."""
    paths = []
    for code, (view, _) in views.items():
        root = f"/countries/{code.lower()}"
        paths += [root, *(f"{root}/suppliers/{s.supplier_id}" for s in view.suppliers),
                  *(f"{root}/products/{p.product_id}" for p in view.products)]
    if part is None:
        parts = range(1, max(1, -(-len(paths) // SITEMAP_PATHS)) + 1)
        return html("en", "sitemap-index.xml", parts=parts, base_url=base_url)
    chunk = paths[(part - 1) * SITEMAP_PATHS:part * SITEMAP_PATHS]
    if part < 1 or not chunk and part > 1:
        raise NotFound(f"no sitemap part {part}", part=part)
    return html("en", "sitemap.xml", paths=chunk, base_url=base_url, languages=i18n.LANGUAGES)
