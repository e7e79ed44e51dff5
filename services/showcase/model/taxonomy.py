"""How the country page groups and names things for buyers: sector labels, buyer regions. showcase's own rules."""

from __future__ import annotations

from collections.abc import Iterable

from shared.contracts.envelope import UNKNOWN
from shared.contracts.vocabulary import Sector

OTHER = "Other"  # what a visitor reads for a value this release does not know (translated, labels.BUYER_REGIONS)

SECTOR_LABELS = {
    Sector.AGRI_FOOD: "Fresh produce & agri-food", Sector.SEAFOOD: "Seafood & canned fish",
    Sector.ARGAN_AND_COSMETICS: "Argan oil & cosmetics", Sector.OLIVE_OIL_AND_OLIVES: "Olive oil & table olives",
    Sector.HANDICRAFTS: "Handicrafts & home decor", Sector.TEXTILES_AND_GARMENTS: "Textiles & garments",
    Sector.LEATHER: "Leather goods", Sector.AUTOMOTIVE_PARTS: "Automotive parts & wiring",
    Sector.AERONAUTICS: "Aeronautics", Sector.FERTILISERS: "Phosphates & fertilisers",
    Sector.SPICES_AND_DATES: "Spices, saffron & dates", Sector.BUILDING_MATERIALS: "Building materials & stone",
}
"""The product taxonomy's top level: Morocco's export sectors, as buyers read them."""

NORTH_AMERICA = frozenset({"US", "CA", "MX"})

BUYER_REGIONS = {
    "North America": set(NORTH_AMERICA),
    "Europe": {"FR", "ES", "DE", "GB", "IT", "NL", "BE", "PT", "CH", "SE", "PL", "IE", "AT", "DK"},
    "Middle East": {"AE", "SA", "QA", "KW", "OM", "BH", "JO", "TR"},
    "Africa": {"SN", "NG", "CI", "EG", "KE", "GH", "TN", "DZ", "ZA", "MR"},
    "Asia-Pacific": {"JP", "CN", "KR", "IN", "AU", "SG", "MY", "ID"},
    "Latin America": {"BR", "AR", "CL", "CO", "PE"},
}


def buyer_region(country: str) -> str:
    return next((region for region, members in BUYER_REGIONS.items() if country in members), "Other")


def sector_label(sector: str) -> str:
    """A sector added after this release (read as "unknown") has no label of ours: the visitor reads "Other"."""
    return SECTOR_LABELS.get(sector, OTHER)  # type: ignore[call-overload]


def visible(value: str) -> str:
    """A single value (a region) a reader did not know is never shown as the word "unknown": it reads "Other"."""
    return OTHER if value == UNKNOWN else value


def known(values: Iterable[str]) -> list[str]:
    """Lists (sectors, certifications, trade terms) leave out the values this release does not know."""
    return [v for v in values if v != UNKNOWN]
