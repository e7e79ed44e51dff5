"""The showcase's read model held in memory, with the store's semantics (newest by sequence wins) and the pure
twins of its aggregations: the oracle the property tests check the real store's page against, and the in-memory
fake of ShowcaseStore the fast use-case tests run on. Test code: production never imports it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from services.showcase.pages.countries import Country
from services.showcase.domain import WINDOW, ProductView, ResponseFigures, SupplierView, build_page, shown
from services.showcase.pages.shapes import CountryPage, Filters
from services.showcase.feed.projection import INQUIRIES, PRODUCTS, SUPPLIERS, route
from services.showcase.feed.readers import READERS
from shared.envelope import Event, Reader


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
        stored = self.docs[collection].get(_id)
        if stored is not None and stored["sequence"] >= event.sequence:
            return False
        self.docs[collection][_id] = {**(stored or {}), **fields, "sequence": event.sequence, "_id": _id}
        return True

    def apply_all(self, events: Iterable[Event | Reader]) -> Projection:
        for event in events:
            self.apply(event)
        return self


def recent(docs: Iterable[Mapping[str, Any]], supplier_ids: Iterable[str], since: datetime) -> list[Mapping]:
    ids = set(supplier_ids)
    return [d for d in docs if d.get("supplier_id") in ids and d.get("received_at") and d["received_at"] >= since]


def response_figures(inquiries: Iterable[Mapping[str, Any]]) -> dict[str, ResponseFigures]:
    """Pure twin of the store's aggregation, over already matched inquiry documents."""
    sums: dict[str, ResponseFigures] = {}
    for d in inquiries:
        f = sums.setdefault(d["supplier_id"], ResponseFigures())
        sums[d["supplier_id"]] = ResponseFigures(
            inquiries=f.inquiries + 1, answered=f.answered + d["answered"],
            answered_in_24h=f.answered_in_24h + d["answered_in_24h"],
            response_seconds=f.response_seconds + d["response_seconds"])
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
