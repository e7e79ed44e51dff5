"""Messages in the recipient's language: English, French or Arabic (right to left).

Each kind of message is one Jinja2 template (`<kind>.j2`) with three blocks, `subject`, `text` and `html` (the HTML
block escapes what it shows; `layout.html` wraps it with `lang`, `dir` and the unsubscribe link). Texts come from
gettext catalogues (`locale/<lang>/LC_MESSAGES/messages.po`, English msgids) compiled in memory with Babel at start,
as the showcase does, so no binary .mo is committed; numbers, dates and country names follow Babel's CLDR data.

    pybabel extract -F services/notifications/babel.cfg -o services/notifications/locale/messages.pot \
        services/notifications
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from shared.translations import compiled

LANGUAGES = ("en", "fr", "ar")
DEFAULT = "en"
RTL = frozenset({"ar"})
HERE = Path(__file__).parent
LOCALE_DIR = HERE.parent / "locale"


STANDING = ("supplier-verified", "supplier-rejected", "supplier-suspended", "supplier-reinstated",
            "verification-expiring", "verification-expired")
TEMPLATES = dict.fromkeys(STANDING, "standing")  # kind -> template, where it is not the kind's own


def language(asked: str | None, fallback: str = DEFAULT) -> str:
    return asked if asked in LANGUAGES else fallback


@functools.cache
def translations(lang: str) -> Translations:
    """The language's catalogue, compiled from its .po in memory (English is the msgids themselves)."""
    return compiled(LOCALE_DIR, lang, DEFAULT)


def _filters(lang: str) -> dict:
    locale = Locale.parse(lang)

    def day(value: date | datetime | str) -> str:
        value = datetime.fromisoformat(value) if isinstance(value, str) else value
        return format_date(value, format="long", locale=locale)

    return {"number": lambda n: format_decimal(n, locale=locale), "day": day,
            "country": lambda code: locale.territories.get(str(code).upper(), code)}


@functools.cache
def environment(lang: str) -> Environment:
    env = Environment(loader=FileSystemLoader(HERE), extensions=["jinja2.ext.i18n"], autoescape=False,
                      undefined=StrictUndefined, keep_trailing_newline=True)
    env.install_gettext_translations(translations(lang), newstyle=False)
    env.filters.update(_filters(lang))
    return env


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(kind: str, lang: str, facts: dict[str, Any], unsubscribe_url: str | None = None) -> Rendered:
    """The message of `kind` in `lang` from `facts` (every name its template uses)."""
    env = environment(lang)
    template = env.get_template(f"{TEMPLATES.get(kind, kind)}.j2")
    context = {**facts, "lang": lang, "kind": kind}

    def block(name: str) -> str:
        return "".join(template.blocks[name](template.new_context(context))).strip()

    subject = " ".join(block("subject").split())
    body = block("html")
    html = env.get_template("layout.html").render(lang=lang, rtl=lang in RTL, subject=subject, body=Markup(body),
                                                  unsubscribe_url=unsubscribe_url)
    return Rendered(subject, block("text") + "\n", html)
