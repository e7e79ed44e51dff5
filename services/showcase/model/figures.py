"""Every figure the pages show, defined once, in the marketplace's words.

- **Inquiries (30 days)**: the inquiries received in the past 30 days (`WINDOW`), per supplier and in all.
- **Response rate**: the share of a supplier's inquiries of the past 30 days that it answered within 24 hours
  (`ANSWER_WINDOW`); none without inquiries. The page's headline promise to buyers, and the second key of the
  suppliers' ranking (domain.rank_of).
- **Typical response time**: the mean time to the first answer of those inquiries it answered, in hours; none
  before one is answered. A mean, not a median: a sum and a count move by deltas as inquiries come, are answered
  and leave the window; a median would need every value.
- **Demand**: the inquiries of the past 30 days per buyer country, and per buyer region (taxonomy.BUYER_REGIONS).
- **North-America share**: the share of those inquiries from buyers in the US, Canada and Mexico.

How they are kept: each inquiry's stored document carries what it adds to its supplier's sums (`inquiry_counts`,
written by feed/projection.py); the live model (live.py) moves a supplier's sums by the difference between an
inquiry's previous and new counts (`ResponseFigures.moved`), and takes them out when the inquiry leaves the window.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta

from pydantic import BaseModel

from services.showcase.model.taxonomy import NORTH_AMERICA, buyer_region

WINDOW = timedelta(days=30)  # the figures count the inquiries received in the past 30 days
ANSWER_WINDOW = timedelta(hours=24)  # answered "within 24 hours": what the response rate counts


def inquiry_counts(received_at: datetime, responded_at: datetime | None) -> dict[str, int | float]:
    """What one inquiry adds to its supplier's sums: answered or not, within 24 hours or not, and how long it took
    (0 while unanswered)."""
    seconds = (responded_at - received_at).total_seconds() if responded_at else 0.0
    return {"answered": int(responded_at is not None),
            "answered_in_24h": int(responded_at is not None and seconds <= ANSWER_WINDOW.total_seconds()),
            "response_seconds": seconds}


class ResponseFigures(BaseModel):
    """Sums over one supplier's inquiries of the past 30 days, from which its response rate and typical response
    time are read."""

    inquiries: int = 0
    answered: int = 0
    answered_in_24h: int = 0
    response_seconds: float = 0.0

    @property
    def rate(self) -> float | None:
        """The response rate: the share of the inquiries answered within 24 hours (0..1, three decimals)."""
        return round(self.answered_in_24h / self.inquiries, 3) if self.inquiries else None

    @property
    def typical_hours(self) -> float | None:
        """The typical response time: the mean time to first answer of the answered inquiries, in hours."""
        return round(self.response_seconds / self.answered / 3600, 2) if self.answered else None

    def moved(self, counts: Mapping[str, int | float], sign: int) -> ResponseFigures:
        """These sums with one inquiry's `inquiry_counts` added (`sign` +1) or taken out (-1)."""
        return ResponseFigures(
            inquiries=self.inquiries + sign, answered=self.answered + sign * counts["answered"],
            answered_in_24h=self.answered_in_24h + sign * counts["answered_in_24h"],
            response_seconds=self.response_seconds + sign * counts["response_seconds"])


def by_buyer_region(demand: Mapping[str, int]) -> Counter:
    """Inquiries per buyer region, from the inquiries per buyer country."""
    regions: Counter = Counter()
    for country, inquiries in demand.items():
        regions[buyer_region(country)] += inquiries
    return regions


def north_america_share(demand: Mapping[str, int]) -> float:
    """The share of the inquiries from buyers in North America (0..1, three decimals; 0 without inquiries)."""
    total = sum(demand.values())
    return round(sum(demand.get(c, 0) for c in NORTH_AMERICA) / total, 3) if total else 0.0
