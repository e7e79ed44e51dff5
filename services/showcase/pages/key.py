"""Which page, in which form: the key the pages are rendered and kept under (pages/prebuilt.py).

A NamedTuple: hashable and compared as the tuple it is, so a request's look-up costs what a plain tuple's does but
for making it (~0.2 µs more, measured: a frozen dataclass costs ~0.8 µs more, its hash and equality being Python).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Kind = Literal["country", "supplier", "product", "sitemap"]


class PageKey(NamedTuple):
    kind: Kind
    country: str | None = None  # ISO code, upper case; None for the sitemap
    format: Literal["json", "html"] | None = None
    lang: str | None = None  # the HTML's language; None for JSON
    arg: str | int | None = None  # the country page's filters as JSON, a supplier or product id, a sitemap part
