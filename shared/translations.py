"""Gettext catalogues compiled in memory from their .po files with Babel (no binary .mo committed): the one way the
services that write to people (the country page, the messages) load their translations. English is the msgids."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations


def compiled(locale_dir: Path, lang: str, source_lang: str = "en") -> Translations:
    """`locale_dir/<lang>/LC_MESSAGES/messages.po` as Translations; the source language (and a language without a
    catalogue) translates to the msgids themselves."""
    po = locale_dir / lang / "LC_MESSAGES" / "messages.po"
    if lang == source_lang or not po.exists():
        return Translations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=lang)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(mo)
