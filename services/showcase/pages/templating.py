"""The HTML's templates per language: Jinja2 over `templates/`, with gettext catalogues and Babel's formats
(i18n.py); autoescape on, so whatever a supplier wrote is text, never markup."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.showcase.model.taxonomy import SECTOR_LABELS
from services.showcase.pages import i18n
from services.showcase.pages.inquiry_form import INQUIRY_FIELDS
from shared.contracts.vocabulary import Certification, Incoterm

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "ar": "العربية"}
OG_LOCALES = {"en": "en_US", "fr": "fr_FR", "ar": "ar_AR"}


@functools.cache
def environment(lang: str) -> Environment:
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(default=True), extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(i18n.Formats(lang).filters(), t=i18n.translations(lang).gettext)
    env.globals.update(
        lang=lang, rtl=i18n.RTL, languages=i18n.LANGUAGES, language_names=LANGUAGE_NAMES, og_locales=OG_LOCALES,
        sector_labels={k.value: v for k, v in SECTOR_LABELS.items()},
        certifications=list(Certification), incoterms=list(Incoterm), inquiry_fields=INQUIRY_FIELDS,
        countries=i18n.countries(lang))
    return env


def html(lang: str, template: str, **context: Any) -> str:
    return environment(lang).get_template(template).render(**context)
