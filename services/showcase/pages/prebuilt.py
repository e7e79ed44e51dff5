"""The pages as bytes, ready before anyone asks: a request is a dictionary look-up, not a computation.

When the live model changes, the views (what each country shows) and every country's page JSON are rebuilt
`debounce_seconds` later (events arriving meanwhile join the same rebuild; under a stream of events the wait grows
to the rebuild's own duration, so rebuilding never takes more than half the process), on the event loop: only the
suppliers that changed are re-placed (model/standings.py), so a write costs a millisecond or two at launch scale. Then
the HTML in each language is rendered from the same views in a worker thread (~3 ms a page), paced the same way,
the previous pages serving until the new are in. Other pages (a filter, a search, a supplier, a
product) are rendered on first request and kept until the next change. Each rendition carries an ETag taken from
its bytes, so every replica that converged to the same model answers the same ETag, and `If-None-Match` costs
nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import Histogram

from services.showcase import domain
from services.showcase.model.figures import WINDOW
from services.showcase.model.live import LiveModel
from services.showcase.pages.key import PageKey

log = logging.getLogger(__name__)
REBUILD_SECONDS = Histogram(  # from a change to its pages serving (the debounce grows to it)
    "tijara_showcase_page_rebuild_seconds", "Time to rebuild the country pages' views and JSON after a change",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5))
LAZY_LIMIT = 5000  # lazily rendered pages kept per version; beyond that the oldest half is forgotten


@dataclass(frozen=True)
class Rendition:
    body: bytes
    media_type: str
    etag: str

    @classmethod
    def of(cls, body: bytes, media_type: str) -> Rendition:
        return cls(body, media_type, f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"')

    @functools.cached_property
    def etag_bytes(self) -> bytes:
        return self.etag.encode()

    @functools.cached_property
    def headers(self) -> tuple[tuple[bytes, bytes], ...]:
        """Content-Length and Content-Type as HTTP bytes, made once for every answer of this rendition (a text type
        names its charset already: the renderers' HTML does)."""
        return (b"content-length", str(len(self.body)).encode()), (b"content-type", self.media_type.encode())


Views = dict[str, tuple[domain.Shown, dict[str, int]]]  # per country: what it shows, and the demand for it


@dataclass(frozen=True)
class Build:
    """One consistent state of the pages: the views they come from and when."""

    views: Views
    at: datetime


class Renditions:
    def __init__(self, model: LiveModel, countries: list[str], render: Callable[[Build, PageKey], Rendition],
                 defaults: Callable[[str], list[PageKey]], debounce_seconds: float = 0.005) -> None:
        self.model = model
        self.countries = countries
        self.render = render  # (build, key) -> Rendition
        self.defaults = defaults  # country -> the keys rendered eagerly on every change
        self.debounce_seconds = debounce_seconds
        self.build = Build({}, datetime.now(UTC))
        self.version = -1  # the model's change count the pages were built from
        self.last_rebuild_seconds = 0.0
        self._pages: dict[PageKey, Rendition] = {}
        self.html_version = -1
        self._eager_html: set[PageKey] = set()
        self._wake, self._html_wake = asyncio.Event(), asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    @property
    def views(self) -> Views:
        return self.build.views

    def changed(self) -> None:
        self._wake.set()

    def get(self, key: PageKey) -> Rendition:
        page = self._pages.get(key)
        if page is None:
            page = self.render(self.build, key)
            if len(self._pages) > LAZY_LIMIT:
                for old in list(self._pages)[: LAZY_LIMIT // 2]:
                    self._pages.pop(old)
            self._pages[key] = page
        return page

    async def get_off_loop(self, key: PageKey) -> Rendition:
        """`get` for a page rendered from the views alone (the sitemap: 10,000 pages a part), in a worker thread so
        requests keep being answered meanwhile; kept only if the views did not change while it rendered."""
        page = self._pages.get(key)
        if page is None:
            build = self.build
            page = await asyncio.to_thread(self.render, build, key)
            if build is self.build:
                self._pages[key] = page
        return page

    def _views(self) -> tuple[int, Build]:
        """On the event loop, between two events: the model is not changing under it."""
        now = datetime.now(UTC)
        self.model.expire(now - WINDOW)
        return self.model.changes, Build({c: self.model.shown(c) for c in self.countries}, now)

    def _render(self, build: Build, kind: str) -> dict[PageKey, Rendition]:
        """The eager pages of one format ("json" or "html") for every country."""
        return {key: self.render(build, key) for country in self.countries for key in self.defaults(country)
                if key.format == kind}

    def rebuild(self) -> None:
        """Views, JSON and HTML at once (what a test or the start wants)."""
        version, build = self._views()
        self.version, self.build, self.html_version = version, build, version
        self._pages = {**self._render(build, "json"), **self._render(build, "html")}

    async def refresh_json(self) -> None:
        """The views and the JSON. The suppliers that changed are re-placed on the event loop in slices, requests
        answered between them (a change is one slice of well under a millisecond; a catch-up after the start,
        many); the views are copied from the standings (~1 ms per launch-sized country) and the JSON rendered
        (one page of cards: 0.1 ms), on the loop too: a worker thread would cost more in waiting for the GIL.
        The previous pages serve until the new are in; the HTML follows."""
        started = time.perf_counter()
        now = datetime.now(UTC)
        self.model.expire(now - WINDOW)
        while self.model.settle():
            await asyncio.sleep(0)
        version, build = self.model.changes, Build({c: self.model.shown(c) for c in self.countries}, now)
        pages = self._render(build, "json")
        eager_html = {k: v for k, v in self._pages.items() if k in self._eager_html}
        self.version, self.build, self._pages = version, build, {**eager_html, **pages}
        self.last_rebuild_seconds = time.perf_counter() - started
        REBUILD_SECONDS.observe(self.last_rebuild_seconds)
        self._html_wake.set()

    async def refresh_html(self) -> None:
        """The HTML of each language for the newest views, in a worker thread so requests keep being answered."""
        version, build = self.version, self.build
        pages = await asyncio.to_thread(self._render, build, "html")
        if version > self.html_version:
            self.html_version = version
            self._pages.update(pages)

    async def start(self) -> None:
        self.rebuild()
        self._eager_html = set(self._render_keys("html"))
        self._tasks = [asyncio.create_task(self._keep_json()), asyncio.create_task(self._keep_html())]

    def _render_keys(self, kind: str) -> list[PageKey]:
        return [key for country in self.countries for key in self.defaults(country) if key.format == kind]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _keep_json(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):  # a quiet hour still ages the 30-day window
                await asyncio.wait_for(self._wake.wait(), timeout=60)
            # let more events join, at least as long as a rebuild takes: rebuilding never takes more than half
            # of the process's time, however fast events come
            await asyncio.sleep(max(self.debounce_seconds, self.last_rebuild_seconds))
            self._wake.clear()
            try:
                await self.refresh_json()
            except Exception:  # keep serving the last good pages
                log.exception("rebuilding the country pages failed")

    async def _keep_html(self) -> None:
        while True:
            await self._html_wake.wait()
            self._html_wake.clear()  # changes during the rendering wake it again: it renders the newest views
            started = time.perf_counter()
            try:
                await self.refresh_html()
            except Exception:
                log.exception("rendering the country pages' HTML failed")
            # the JSON may change every few milliseconds: the HTML renders at most half of the time
            await asyncio.sleep(time.perf_counter() - started)
