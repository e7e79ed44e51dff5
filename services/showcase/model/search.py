"""Text search over the page's products, answered from the in-memory projection (the store has no `$text` on the
local server, and a page request must not query the store anyway): an inverted index of normalised words.

Words are compared without case, accents or Arabic diacritics and letter variants (أ إ آ -> ا, ة -> ه, ى -> ي),
and a searched word matches every indexed word it begins ("argan" finds "argane"). All searched words must match.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable

WORD = re.compile(r"\w+")
ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "ـ": None})
MIN_PREFIX = 2


def words(text: str) -> set[str]:
    if text.isascii():  # nothing to decompose, no accents or Arabic letters: most names (each event applied pays it)
        return set(WORD.findall(text.casefold()))
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(ARABIC_LETTERS)
    return set(WORD.findall(bare))


class WordIndex:
    """word -> the ids whose text has it; kept current one document at a time."""

    def __init__(self) -> None:
        self._ids: dict[str, set[str]] = {}
        self._words: dict[str, set[str]] = {}
        self._sorted: list[str] | None = None

    def put(self, _id: str, texts: Iterable[str | None]) -> None:
        new = set().union(*(words(t) for t in texts if t))
        old = self._words.get(_id, set())
        for word in old - new:
            self._ids[word].discard(_id)
            if not self._ids[word]:
                del self._ids[word]
                self._sorted = None
        for word in new - old:
            if word not in self._ids:
                self._ids[word] = set()
                self._sorted = None
            self._ids[word].add(_id)
        self._words[_id] = new

    def starting_with(self, prefix: str) -> set[str]:
        if self._sorted is None:
            self._sorted = sorted(self._ids)
        found: set[str] = set()
        at = bisect.bisect_left(self._sorted, prefix)
        while at < len(self._sorted) and self._sorted[at].startswith(prefix):
            found |= self._ids[self._sorted[at]]
            at += 1
        return found


def search(query: str, products: WordIndex, suppliers: WordIndex, supplier_of: dict[str, str]) -> set[str]:
    """The product ids matching every word of `query`, in the product's texts or its supplier's name."""
    result: set[str] | None = None
    for word in words(query):
        if len(word) < MIN_PREFIX:
            continue
        by_supplier = suppliers.starting_with(word)
        hits = products.starting_with(word) | {p for p, s in supplier_of.items() if s in by_supplier}
        result = hits if result is None else result & hits
    return result if result is not None else set(supplier_of)
