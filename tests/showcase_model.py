"""The showcase's read model held in memory, with the store's semantics (newest by sequence wins) and the pure
whole-country pass over it (`shown`): the oracle the property tests check the real store's page and the live model's
standings against, and the in-memory fake of ShowcaseStore the fast use-case tests run on. Test code: production
never imports it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from operator import attrgetter
from typing import Any

from services.showcase.domain import (
    ProductView,
    Shown,
    SupplierView,
    build_page,
    listed,
    product_card,
    rank_of,
    supplier_card,
    title_order,
    verified,
)
from services.showcase.feed.projection import INQUIRIES, PRODUCTS, SUPPLIERS, newest, route
from services.showcase.feed.readers import READERS
from services.showcase.model.figures import WINDOW, ResponseFigures
from services.showcase.pages.countries import Country
from services.showcase.pages.shapes import CountryPage, Filters, ProductCard
from shared.contracts.envelope import Event, Reader


def as_read(event: Event | Reader) -> Reader:
    """A producer's event as the showcase's reader sees it (the matrix and the consumer tests cover the JSON hop)."""
    if isinstance(event, Reader):
        return event
    return READERS[event.TYPE].model_validate(event.model_dump())


class Projection:
    """The read model in memory: {collection: {id: document}}, with apply_if_newer's semantics."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, dict[str, Any]]] = {SUPPLIERS: {}, PRODUCTS: {}, INQUIRIES: {}}

    def apply(self, event: Event | Reader) -> bool:
        event = as_read(event)
        routed = route(event)
        if routed is None:
            return False
        collection, _id, fields = routed
        doc = newest(self.docs[collection].get(_id), _id, fields, event.sequence)
        if doc is not None:
            self.docs[collection][_id] = doc
        return doc is not None

    def apply_all(self, events: Iterable[Event | Reader]) -> Projection:
        for event in events:
            self.apply(event)
        return self


def recent(docs: Iterable[Mapping[str, Any]], supplier_ids: Iterable[str], since: datetime) -> list[Mapping]:
    ids = set(supplier_ids)
    return [d for d in docs if d.get("supplier_id") in ids and d.get("received_at") and d["received_at"] >= since]


def response_figures(inquiries: Iterable[Mapping[str, Any]]) -> dict[str, ResponseFigures]:
    """Pure twin of the live model's sums, over already matched inquiry documents."""
    sums: dict[str, ResponseFigures] = {}
    for d in inquiries:
        sums[d["supplier_id"]] = sums.get(d["supplier_id"], ResponseFigures()).moved(d, +1)
    return sums


def demand_by_country(inquiries: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    return dict(Counter(d["buyer_country"] for d in inquiries))


def page_from_documents(country: Country, docs: Mapping[str, Mapping[str, Mapping[str, Any]]], now: datetime,
                        filters: Filters = Filters()) -> CountryPage:
    """The whole page from a read model held in memory (see Projection): the pure path."""
    code = country.code
    suppliers = [SupplierView.model_validate(d) for d in docs["suppliers"].values() if d.get("country") == code]
    products = [ProductView.model_validate(d) for d in docs["products"].values() if d.get("country") == code]
    ids = [s.supplier_id for s in suppliers if s.status == "verified"]
    inquiries = recent(docs["inquiries"].values(), ids, now - WINDOW)
    view = shown(suppliers, products, response_figures(inquiries))
    return build_page(country, view, demand_by_country(inquiries), filters)


def shown(suppliers: Iterable[SupplierView], products: Iterable[ProductView],
          figures: Mapping[str, ResponseFigures]) -> Shown:
    """The whole-country pass: the verified suppliers ranked, each one's listed products in title order after it.
    The live model keeps the same result supplier by supplier (model/standings.py); the tests check they agree."""
    on_page = {s.supplier_id: s for s in suppliers if verified(s)}
    cards_of: dict[str, list[ProductCard]] = {}
    for p in products:
        if listed(p) and p.supplier_id in on_page:
            cards_of.setdefault(p.supplier_id, []).append(product_card(p, on_page[p.supplier_id]))
    none = ResponseFigures()
    cards = sorted((supplier_card(s, len(cards_of.get(s.supplier_id, ())), figures.get(s.supplier_id, none))
                    for s in on_page.values()), key=rank_of)
    shown_products = [p for c in cards for p in sorted(cards_of.get(c.supplier_id, ()), key=title_order)]
    categories = Counter(map(attrgetter("category"), shown_products))
    return Shown.model_construct(suppliers=cards, products=shown_products, categories=dict(categories))
