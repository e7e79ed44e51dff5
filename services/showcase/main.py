"""Composition root of showcase: `python -m services.showcase`."""

from __future__ import annotations

from fastapi import FastAPI

from services.showcase import api, consumers
from services.showcase.feed.generations import GenerationalDatabase
from services.showcase.feed.readers import READERS
from services.showcase.feed.tail import LogFollower
from services.showcase.model.live import LiveModel
from services.showcase.pages import countries
from services.showcase.pages.inquiry_form import InquiryForwarder
from services.showcase.pages.prebuilt import Renditions
from services.showcase.pages.render import Pages
from services.showcase.service import Showcase
from services.showcase.store import ShowcaseStore
from shared.messaging.decoding import DecodeOnce
from shared.settings import ServiceSettings
from shared.web.runtime import Runtime, create_app, serve


class Settings(ServiceSettings):
    service_name: str = "showcase"
    http_port: int = 8000
    page_countries: list[str] = ["MA"]  # each needs services/showcase/pages/countries/<code>.toml
    page_base_url: str = ""  # absolute URL the pages are published under (canonical, sitemap); default: this host
    page_debounce_seconds: float = 0.005  # a change waits this long for others before the pages are rebuilt
    page_cache_control: str = "public, max-age=0, s-maxage=5, stale-while-revalidate=30"  # browsers revalidate
    inquiries_url: str = "http://127.0.0.1:8003"  # where the inquiry form is forwarded (POST /inquiries)
    inquiry_rate_limit: str = "5/10 minutes"  # per client address, for the inquiry form


def build(settings: Settings | None = None) -> FastAPI:
    runtime = Runtime.create(settings or Settings())
    s: Settings = runtime.settings  # type: ignore[assignment]
    live_db = GenerationalDatabase(runtime.db)  # follows the generation a replay swaps in
    store = ShowcaseStore(live_db)
    model = LiveModel()
    pages = Pages(model, countries.load(s.page_countries), s.page_base_url or f"http://127.0.0.1:{s.http_port}")
    renditions = Renditions(model, list(pages.countries), pages, pages.defaults, s.page_debounce_seconds)
    read = DecodeOnce(READERS)  # the group consumer and the follower read the same records: decoded once
    follower = LogFollower(s, store, model, renditions.changed, read)
    forwarder = InquiryForwarder(s.inquiries_url, s.inquiry_rate_limit)
    # loaded before the runtime freezes the heap (shared.web.runtime.settle_heap)
    runtime.on_start += [live_db.start, store.ensure_indexes, follower.start, renditions.start]
    runtime.on_stop += [renditions.stop, follower.stop, live_db.stop, forwarder.close]
    consumers.register(runtime.broker, Showcase(store), s, read)
    app = create_app(runtime, [api.router], "The country pages, built from the event stream alone.",
                     api.ERROR_STATUSES)
    app.state.renditions, app.state.pages, app.state.inquiry_forwarder = renditions, pages, forwarder
    app.state.cache_control = s.page_cache_control
    return app


def main() -> None:
    settings = Settings()
    serve(build(settings), settings)
