"""The country pages' read model held in memory, kept up to date event by event: what the page is built from.

Every showcase process holds one. It starts from the store's snapshot and then follows the log itself (see
tail.py), so a replica that did not handle an event in the consumer group still sees it. Each change goes through
`put`, the same newest-sequence-wins merge as the store's `apply_if_newer`, and the figures that depend on the
inquiries (per supplier: inquiries, answers, answers within 24 h, response seconds, demand by buyer country) move
by the delta between the inquiry's previous and new state, so a repeated or older event moves nothing.
The 30-day window is kept by expiring inquiries in order of arrival (a heap), not by recounting.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from services.showcase import domain
from services.showcase.domain import ProductView, ResponseFigures, SupplierView
from services.showcase.page import ProductCard, SupplierCard
from services.showcase.projection import INQUIRIES, PRODUCTS, SUPPLIERS, route
from services.showcase.search import WordIndex, search
from shared.envelope import Reader
from shared.suppliers import SupplierStatus


class LiveModel:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, dict[str, Any]]] = {SUPPLIERS: {}, PRODUCTS: {}, INQUIRIES: {}}
        self.suppliers: dict[str, SupplierView] = {}
        self.products: dict[str, ProductView] = {}
        self.figures: dict[str, ResponseFigures] = {}  # per supplier, over the inquiries in the window
        self.demand: dict[str, Counter] = {}  # per supplier: inquiries in the window by buyer country
        self._counted: dict[str, dict[str, Any]] = {}  # inquiry id -> the state its figures were counted from
        self._arrivals: list[tuple[datetime, str]] = []  # (received_at, inquiry id), oldest first
        self.since: datetime | None = None  # start of the window; inquiries received before it count for nothing
        self.product_words, self.supplier_words = WordIndex(), WordIndex()
        self._of_supplier: dict[str, dict[str, ProductView]] = {}  # supplier id -> its products
        self._product_changes: Counter = Counter()  # supplier id -> changes to its products: when its grid is stale
        self._grids: dict[str, tuple[tuple, list[ProductCard], Counter]] = {}  # supplier -> (key, listed cards
        # in order, how many of them in each category)
        self._supplier_cards: dict[str, tuple[tuple, ResponseFigures, SupplierCard, tuple]] = {}
        self.changes = 0  # bumped by every change that lands: the rendered pages' version

    def apply(self, event: Reader) -> bool:
        routed = route(event)
        return routed is not None and self.put(routed[0], routed[1], routed[2], event.sequence)

    def load(self, collection: str, docs: Iterable[Mapping[str, Any]]) -> None:
        """Documents of the store's snapshot, merged exactly like events."""
        for doc in docs:
            fields = {k: v for k, v in doc.items() if k not in ("_id", "sequence")}
            self.put(collection, doc["_id"], fields, doc.get("sequence", 0))

    def put(self, collection: str, _id: str, fields: Mapping[str, Any], sequence: int) -> bool:
        stored = self.docs[collection].get(_id)
        if stored is not None and stored["sequence"] >= sequence:
            return False
        doc = {**(stored or {}), **fields, "sequence": sequence, "_id": _id}
        self.docs[collection][_id] = doc
        if collection == SUPPLIERS:
            self.suppliers[_id] = supplier = SupplierView.model_validate(doc)
            self.supplier_words.put(_id, [supplier.profile.trade_name])
        elif collection == PRODUCTS:
            before = self.products.get(_id)
            self.products[_id] = product = ProductView.model_validate(doc)
            if before is not None and before.supplier_id != product.supplier_id:
                self._of_supplier.get(before.supplier_id, {}).pop(_id, None)
                self._product_changes[before.supplier_id] += 1
            self._of_supplier.setdefault(product.supplier_id, {})[_id] = product
            self._product_changes[product.supplier_id] += 1
            listing = product.listing
            self.product_words.put(_id, [] if listing is None else [
                *listing.title.model_dump().values(), *listing.description.model_dump().values()])
        else:
            self._recount(_id, doc)
        self.changes += 1
        return True

    def expire(self, since: datetime) -> bool:
        """Moves the window's start to `since`: inquiries received before it leave the figures."""
        self.since = since
        expired = False
        while self._arrivals and self._arrivals[0][0] < since:
            _, inquiry_id = heapq.heappop(self._arrivals)
            counted = self._counted.pop(inquiry_id, None)
            if counted is not None and counted["received_at"] < since:
                self._count(counted, -1)
                self.docs[INQUIRIES].pop(inquiry_id, None)  # nothing left to show of it
                expired = True
            elif counted is not None:
                self._counted[inquiry_id] = counted
        if expired:
            self.changes += 1
        return expired

    def _recount(self, inquiry_id: str, doc: Mapping[str, Any]) -> None:
        before = self._counted.pop(inquiry_id, None)
        if before is not None:
            self._count(before, -1)
        received = doc.get("received_at")
        if received is None or (self.since is not None and received < self.since):
            return
        self._count(doc, +1)
        self._counted[inquiry_id] = doc
        if before is None or before["received_at"] != received:
            heapq.heappush(self._arrivals, (received, inquiry_id))

    def _count(self, doc: Mapping[str, Any], sign: int) -> None:
        supplier = doc["supplier_id"]
        f = self.figures.get(supplier, ResponseFigures())
        self.figures[supplier] = ResponseFigures(
            inquiries=f.inquiries + sign, answered=f.answered + sign * doc["answered"],
            answered_in_24h=f.answered_in_24h + sign * doc["answered_in_24h"],
            response_seconds=f.response_seconds + sign * doc["response_seconds"])
        demand = self.demand.setdefault(supplier, Counter())
        demand[doc["buyer_country"]] += sign
        if demand[doc["buyer_country"]] <= 0:
            del demand[doc["buyer_country"]]

    def shown(self, country: str) -> tuple[domain.Shown, dict[str, int]]:
        """The verified suppliers and listed products of one country, and the demand for them: all a page needs."""
        return self.prepare(country)()

    def prepare(self, country: str) -> Callable[[], tuple[domain.Shown, dict[str, int]]]:
        """On the event loop, between two events: takes what `shown` needs out of the model (a few milliseconds at
        launch scale) and returns the rest of the work, which reads only that and may run in a worker thread while
        events keep changing the model. Each supplier's listed cards and its card are kept until it, its products
        or its figures change."""
        verified = [s for s in self.suppliers.values()
                    if s.profile.country == country and s.status is SupplierStatus.VERIFIED]
        grids, kinds, stale, sequences, figures, demand = {}, {}, {}, {}, {}, Counter()
        docs, changes, all_figures, all_demand = self.docs[SUPPLIERS], self._product_changes, self.figures, self.demand
        for s in verified:
            supplier_id = s.supplier_id
            sequences[supplier_id] = sequence = docs[supplier_id]["sequence"]
            key = (sequence, changes[supplier_id])
            cached = self._grids.get(supplier_id)
            if cached is not None and cached[0] == key:
                grids[supplier_id], kinds[supplier_id] = cached[1], cached[2]
            else:
                stale[supplier_id] = (key, s, list(self._of_supplier.get(supplier_id, {}).values()))
            if (f := all_figures.get(supplier_id)) is not None:
                figures[supplier_id] = f
            if (d := all_demand.get(supplier_id)) is not None:
                demand.update(d)

        def rest() -> tuple[domain.Shown, dict[str, int]]:
            for supplier_id, (key, supplier, products) in stale.items():
                cards = sorted((domain.product_card(p, supplier) for p in products
                                if p.listed and p.listing is not None), key=domain.title_order)
                grids[supplier_id], kinds[supplier_id] = cards, Counter(c.category for c in cards)
                self._grids[supplier_id] = (key, cards, kinds[supplier_id])
            categories: Counter = Counter()
            for counts in kinds.values():
                categories.update(counts)

            ranks: dict[str, tuple] = {}

            def card(supplier: SupplierView, products: int, f: ResponseFigures) -> SupplierCard:
                key = (sequences[supplier.supplier_id], products)
                cached = self._supplier_cards.get(supplier.supplier_id)
                if cached is None or cached[0] != key or cached[1] is not f:
                    made = domain.supplier_card(supplier, products, f)
                    cached = (key, f, made, domain.rank_of(made))
                    self._supplier_cards[supplier.supplier_id] = cached
                ranks[supplier.supplier_id] = cached[3]
                return cached[2]

            shown = domain.arrange(verified, grids, figures, card, lambda c: ranks[c.supplier_id], categories)
            return shown, dict(demand)

        return rest

    def search(self, query: str) -> set[str]:
        return search(query, self.product_words, self.supplier_words,
                      {p.product_id: p.supplier_id for p in self.products.values()})

    def legal_name(self, supplier_id: str) -> str | None:
        supplier = self.suppliers.get(supplier_id)
        return supplier.profile.legal_name if supplier else None
