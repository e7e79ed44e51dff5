"""Which country pages exist, from configuration: `countries/<code>.toml` (intro per language, partners, currency,
its regions for the page's filter) for each code in the `PAGE_COUNTRIES` setting. A country's name in each language comes from Babel's CLDR data."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, Field

from services.showcase.pages.shapes import Partner
from shared.contracts.vocabulary import Region

CONFIG_DIR = Path(__file__).parent / "countries"


class Country(BaseModel):
    code: str  # ISO 3166-1 alpha-2, upper case, as suppliers' profiles carry it
    currency: str
    intro: dict[str, str]  # by language; English required
    partners: list[Partner] = []
    regions: list[Region] = Field(min_length=1)  # the region filter's choices, in the file's order


def load(codes: list[str], directory: Path = CONFIG_DIR) -> dict[str, Country]:
    countries = {}
    for code in codes:
        path = directory / f"{code.lower()}.toml"
        if not path.exists():
            raise ValueError(f"PAGE_COUNTRIES names {code!r} but {path} does not exist")
        country = Country.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
        countries[country.code] = country
    return countries
