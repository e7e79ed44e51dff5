"""The page's three languages: English, French and Arabic (right to left).

Texts come from gettext catalogues (`locale/<lang>/LC_MESSAGES/messages.po`, English msgids) compiled in memory with
Babel at start, so no binary .mo is committed; numbers, percentages, prices, durations, dates and country names are
formatted by Babel's CLDR data for the language. The language is `?lang` when given, else the best match of the
browser's Accept-Language (Babel's negotiation), else English.
"""

from __future__ import annotations

import functools
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.dates import format_date, format_timedelta
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import Translations

from shared.translations import compiled

LANGUAGES = ("en", "fr", "ar")
DEFAULT = "en"
RTL = frozenset({"ar"})
LOCALE_DIR = Path(__file__).parent / "locale"


# CLDR territories that are not ISO 3166-1 countries a buyer could be in (regions, groupings, private-use codes)
NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"})


@functools.cache
def countries(lang: str) -> tuple[tuple[str, str], ...]:
    """Every country a buyer can pick, as (ISO code, CLDR name in `lang`), in that language's alphabetical order."""
    names = Locale.parse(lang).territories
    found = [(code, name) for code, name in names.items()
             if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES]
    return tuple(sorted(found, key=lambda pair: _collation_key(pair[1])))


def _collation_key(name: str) -> str:
    """Accents aside, as a person looks a name up (Égypte between Éthiopie's neighbours, not after Zimbabwe)."""
    return "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))


def country_from(accept_language: str | None) -> str | None:
    """The region of the browser's first language that names one (`fr-CA` -> CA): the buyer's likely country."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().replace("_", "-").split("-")
        region = next((sub.upper() for sub in tag[1:] if len(sub) == 2 and sub.isalpha()), None)
        if region and region not in NOT_COUNTRIES:
            return region
    return None


@functools.lru_cache(maxsize=256)  # per header value: browsers send a few; bounded, as a visitor chooses it
def negotiate(asked: str | None, accept_language: str | None) -> str:
    if asked in LANGUAGES:
        return asked
    preferred = [part.split(";")[0].strip().replace("-", "_") for part in (accept_language or "").split(",")]
    return negotiate_locale([p for p in preferred if p and p != "*"], LANGUAGES, sep="_") or DEFAULT


@functools.cache
def translations(lang: str) -> Translations:
    """The language's catalogue, compiled from its .po in memory (English is the msgids themselves)."""
    return compiled(LOCALE_DIR, lang, DEFAULT)


def gettext(lang: str, text: str) -> str:
    return translations(lang).gettext(text)


class Formats:
    """Babel's formats for one language, as the templates' filters."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.locale = Locale.parse(lang)

    def number(self, value: float | int | Decimal) -> str:
        return format_decimal(value, locale=self.locale)

    def percent(self, share: float) -> str:
        return format_percent(share, locale=self.locale)

    def money(self, amount: Decimal, currency: str) -> str:
        return format_currency(amount, currency, locale=self.locale)

    def duration(self, hours: float) -> str:
        return format_timedelta(hours * 3600, threshold=1.5, locale=self.locale)

    def day(self, value: date | datetime) -> str:
        return format_date(value, format="long", locale=self.locale)

    def country(self, code: str) -> str:
        return self.locale.territories.get(code.upper(), code)

    def filters(self) -> dict:
        return {"number": self.number, "percent": self.percent, "money": self.money, "duration": self.duration,
                "day": self.day, "country": self.country}
