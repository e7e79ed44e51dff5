"""One country's verified suppliers kept in rank order, each with its card, its listed products and what it adds to
the page's sums, re-placed one supplier at a time: a change costs what it touched, not the country.

At launch scale (5,000 suppliers, 50,000 products) a pass over the whole country took 35 ms of CPU (~100 ms
under load), and a write waited for up to three of them. Re-placing one supplier is a bisect into the ranks.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import chain

from services.showcase import domain
from services.showcase.pages.shapes import ProductCard, SupplierCard


@dataclass(frozen=True, slots=True)
class Standing:
    """One verified supplier on its country's page."""

    rank: tuple  # domain.rank_of(card): unique, it ends with the supplier id
    card: SupplierCard
    products: list[ProductCard]  # listed, in domain.title_order; never changed once made
    categories: Mapping[str, int]  # how many of `products` in each category
    demand: Mapping[str, int]  # its inquiries in the window by buyer country, copied when placed


class CountryStandings:
    def __init__(self) -> None:
        self._standings: dict[str, Standing] = {}  # supplier id -> its standing
        self._ranks: list[tuple] = []  # sorted; _cards and _products follow the same order
        self._cards: list[SupplierCard] = []
        self._products: list[list[ProductCard]] = []
        self._categories: Counter = Counter()
        self._demand: Counter = Counter()
        self._shown: tuple[domain.Shown, dict[str, int]] | None = None  # the last copy, until a change

    def place(self, standing: Standing) -> None:
        self.remove(standing.card.supplier_id)
        self._shown = None
        at = bisect_left(self._ranks, standing.rank)
        self._ranks.insert(at, standing.rank)
        self._cards.insert(at, standing.card)
        self._products.insert(at, standing.products)
        self._standings[standing.card.supplier_id] = standing
        _add(self._categories, standing.categories, +1)
        _add(self._demand, standing.demand, +1)

    def remove(self, supplier_id: str) -> None:
        standing = self._standings.pop(supplier_id, None)
        if standing is None:
            return
        self._shown = None
        at = bisect_left(self._ranks, standing.rank)
        del self._ranks[at], self._cards[at], self._products[at]
        _add(self._categories, standing.categories, -1)
        _add(self._demand, standing.demand, -1)

    def shown(self) -> tuple[domain.Shown, dict[str, int]]:
        """A copy that later changes leave alone (a rendering may read it in a worker thread): ~1 ms at launch
        scale, mostly the 50,000 products laid out supplier by supplier in rank order), kept until a change."""
        if self._shown is None:
            view = domain.Shown.model_construct(suppliers=list(self._cards),
                                                products=list(chain.from_iterable(self._products)),
                                                categories=dict(self._categories))
            self._shown = view, dict(self._demand)
        return self._shown


def _add(total: Counter, counts: Mapping[str, int], sign: int) -> None:
    """Moves `total` by `counts`, dropping what falls to zero, so the sums hold only what the page shows."""
    for key, n in counts.items():
        left = total[key] + sign * n
        if left:
            total[key] = left
        else:
            del total[key]
