"""The country pages' read model held in memory, kept up to date event by event: what the page is built from.

Every showcase process holds one. It starts from the store's snapshot and then follows the log itself (see
feed/tail.py), so a replica that did not handle an event in the consumer group still sees it. Each change goes
through `put`, which merges by feed/projection.py's `newest` (newest sequence wins, as the store's
`apply_if_newer`); the figures that depend on the inquiries (model/figures.py: per supplier, the sums behind the
response rate and typical time, and the demand by buyer country) move by the delta between the inquiry's previous
and new state, so a repeated or older event moves nothing. The 30-day window is kept by expiring inquiries in order
of arrival (a heap), not by recounting. Each change marks the supplier it touched; `settle` re-places those alone
in their country's standings (standings.py), which a page's views are copied from.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from services.showcase import domain
from services.showcase.domain import ProductView, SupplierView
from services.showcase.feed.projection import INQUIRIES, PRODUCTS, SUPPLIERS, newest, route
from services.showcase.model.figures import ResponseFigures
from services.showcase.model.search import WordIndex, search
from services.showcase.model.standings import CountryStandings, Standing
from services.showcase.pages.shapes import ProductCard
from shared.contracts.envelope import Reader

NO_FIGURES = ResponseFigures()
SETTLE_SLICE = 100  # cards made between two turns of the event loop: ~3 ms (a product card takes ~40 µs)


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
        self._grids: dict[str, tuple[list[ProductCard], Counter]] = {}  # supplier -> its listed cards in order,
        # how many in each category; dropped when the supplier or its products change
        self._touched: set[str] = set()  # suppliers changed since their standing was placed
        self._standings: dict[str, CountryStandings] = {}  # per country: its verified suppliers, ranked
        self._placed: dict[str, str] = {}  # supplier id -> the country whose standings hold it
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
        doc = newest(self.docs[collection].get(_id), _id, fields, sequence)
        if doc is None:
            return False
        self.docs[collection][_id] = doc
        if collection == SUPPLIERS:
            self.suppliers[_id] = supplier = SupplierView.model_validate(doc)
            self.supplier_words.put(_id, [supplier.profile.trade_name])
            self._stale(_id)
        elif collection == PRODUCTS:
            before = self.products.get(_id)
            self.products[_id] = product = ProductView.model_validate(doc)
            if before is not None and before.supplier_id != product.supplier_id:
                self._of_supplier.get(before.supplier_id, {}).pop(_id, None)
                self._stale(before.supplier_id)
            self._of_supplier.setdefault(product.supplier_id, {})[_id] = product
            self._stale(product.supplier_id)
            listing = product.listing
            self.product_words.put(_id, [] if listing is None else [
                *listing.title.model_dump().values(), *listing.description.model_dump().values()])
        else:
            self._recount(_id, doc)
        self.changes += 1
        return True

    def _stale(self, supplier_id: str) -> None:
        self._grids.pop(supplier_id, None)
        self._touched.add(supplier_id)

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
        self._touched.add(supplier)
        self.figures[supplier] = self.figures.get(supplier, NO_FIGURES).moved(doc, sign)
        demand = self.demand.setdefault(supplier, Counter())
        demand[doc["buyer_country"]] += sign
        if demand[doc["buyer_country"]] <= 0:
            del demand[doc["buyer_country"]]

    def shown(self, country: str) -> tuple[domain.Shown, dict[str, int]]:
        """The verified suppliers and listed products of one country, and the demand for them: all a page needs.
        A copy: later changes leave it alone."""
        while self.settle():
            pass
        standings = self._standings.get(country)
        return standings.shown() if standings is not None else (domain.Shown.model_construct(
            suppliers=[], products=[], categories={}), {})

    def settle(self, budget: int = SETTLE_SLICE) -> bool:
        """Re-places suppliers that changed (the supplier, its products or its figures) in their country's
        standings, until about `budget` cards are made; True while some are left. A change touches a supplier or
        two; a catch-up after the start touches thousands, hence the slices (see Renditions)."""
        touched = self._touched
        while touched and budget > 0:
            budget -= self._place(touched.pop())
        return bool(touched)

    def _place(self, supplier_id: str) -> int:
        """Returns how many cards it made."""
        placed = self._placed.pop(supplier_id, None)
        if placed is not None:
            self._standings[placed].remove(supplier_id)
        supplier = self.suppliers.get(supplier_id)
        if not domain.verified(supplier):
            return 1
        made = 1 if supplier_id in self._grids else 1 + len(self._of_supplier.get(supplier_id, ()))
        products, categories = self._grid(supplier)
        card = domain.supplier_card(supplier, len(products), self.figures.get(supplier_id, NO_FIGURES))
        demand = dict(self.demand.get(supplier_id, {}))
        country = supplier.profile.country
        self._standings.setdefault(country, CountryStandings()).place(
            Standing(domain.rank_of(card), card, products, categories, demand))
        self._placed[supplier_id] = country
        return made

    def _grid(self, supplier: SupplierView) -> tuple[list[ProductCard], Counter]:
        """The supplier's listed product cards in title order and their categories, kept until it or its products
        change."""
        grid = self._grids.get(supplier.supplier_id)
        if grid is None:
            cards = sorted((domain.product_card(p, supplier)
                            for p in self._of_supplier.get(supplier.supplier_id, {}).values()
                            if domain.listed(p)), key=domain.title_order)
            self._grids[supplier.supplier_id] = grid = (cards, Counter(c.category for c in cards))
        return grid

    def search(self, query: str) -> set[str]:
        return search(query, self.product_words, self.supplier_words,
                      {p.product_id: p.supplier_id for p in self.products.values()})

    def legal_name(self, supplier_id: str) -> str | None:
        supplier = self.suppliers.get(supplier_id)
        return supplier.profile.legal_name if supplier else None
