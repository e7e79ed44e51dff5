"""The pages as bytes, ready before anyone asks: a request is a dictionary look-up, not a computation.

When the live model changes, one rebuild runs `debounce_seconds` later (events arriving meanwhile join it, so a
burst costs one rebuild and a lone event waits no longer than that): every country's default page as JSON and as
HTML in each language is serialised again. Other pages (a filter, a search, a supplier, a product) are rendered
on first request and kept until the next change. Each rendition carries an ETag taken from its bytes, so every
replica that converged to the same model answers the same ETag, and `If-None-Match` costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from services.showcase import domain
from services.showcase.live import LiveModel

log = logging.getLogger(__name__)
LAZY_LIMIT = 5000  # lazily rendered pages kept per version; beyond that the oldest half is forgotten


@dataclass(frozen=True)
class Rendition:
    body: bytes
    media_type: str
    etag: str

    @classmethod
    def of(cls, body: bytes, media_type: str) -> Rendition:
        return cls(body, media_type, f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"')


Render = Callable[[tuple], Rendition]  # a page's key -> its rendition, from the current views


class Renditions:
    def __init__(self, model: LiveModel, countries: list[str], render: Callable[[Renditions, tuple], Rendition],
                 defaults: Callable[[str], list[tuple]], debounce_seconds: float = 0.02) -> None:
        self.model = model
        self.countries = countries
        self.render = render  # (self, key) -> Rendition; reads self.views
        self.defaults = defaults  # country -> the keys rendered eagerly on every change
        self.debounce_seconds = debounce_seconds
        self.views: dict[str, tuple[domain.Shown, dict[str, int]]] = {}
        self.version = -1  # the model's change count the pages were built from
        self.built_at = datetime.now(UTC)
        self._pages: dict[tuple, Rendition] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def changed(self) -> None:
        self._wake.set()

    def get(self, key: tuple) -> Rendition:
        page = self._pages.get(key)
        if page is None:
            page = self.render(self, key)
            if len(self._pages) > LAZY_LIMIT:
                for old in list(self._pages)[: LAZY_LIMIT // 2]:
                    self._pages.pop(old)
            self._pages[key] = page
        return page

    def rebuild(self) -> None:
        now = datetime.now(UTC)
        self.model.expire(now - domain.WINDOW)
        version = self.model.changes
        self.views = {country: self.model.shown(country) for country in self.countries}
        self.version, self.built_at = version, now
        self._pages = {}
        for country in self.countries:
            for key in self.defaults(country):
                self._pages[key] = self.render(self, key)

    async def start(self) -> None:
        self.rebuild()
        self._task = asyncio.create_task(self._keep_current())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _keep_current(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):  # a quiet hour still ages the 30-day window
                await asyncio.wait_for(self._wake.wait(), timeout=60)
            await asyncio.sleep(self.debounce_seconds)
            self._wake.clear()
            try:
                self.rebuild()
            except Exception:  # keep serving the last good pages
                log.exception("rebuilding the country pages failed")
