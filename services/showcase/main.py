"""Composition root of showcase: `python -m services.showcase`."""

from __future__ import annotations

from fastapi import FastAPI

from services.showcase import api, consumers
from services.showcase.generations import GenerationalDatabase
from services.showcase.service import Showcase
from services.showcase.store import ShowcaseStore
from shared.runtime import Runtime, create_app, serve
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "showcase"
    http_port: int = 8000
    page_cache_seconds: float = 1.0  # how stale a served page may be, at most, beyond the event stream's own lag


def build(settings: Settings | None = None) -> FastAPI:
    runtime = Runtime.create(settings or Settings())
    live = GenerationalDatabase(runtime.db)  # follows the generation a replay swaps in
    store = ShowcaseStore(live)
    runtime.on_start += [live.start, store.ensure_indexes]
    runtime.on_stop.append(live.stop)
    showcase = Showcase(store, runtime.settings.page_cache_seconds)
    consumers.register(runtime.broker, showcase, runtime.settings)
    app = create_app(runtime, [api.router], "The country page, built from the event stream alone.",
                     api.ERROR_STATUSES)
    app.state.showcase = showcase
    return app


def main() -> None:
    settings = Settings()
    serve(build(settings), settings)
