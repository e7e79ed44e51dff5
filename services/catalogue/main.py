"""Composition root of catalogue: `python -m services.catalogue`."""

from __future__ import annotations

from fastapi import FastAPI

from services.catalogue import api, consumers
from services.catalogue.service import Catalogue
from services.catalogue.store import CatalogueStore
from shared.contracts.envelope import Topic
from shared.messaging.relay import OutboxRelay
from shared.settings import ServiceSettings
from shared.web.runtime import Runtime, create_app, serve


class Settings(ServiceSettings):
    service_name: str = "catalogue"
    http_port: int = 8002


def build(settings: Settings | None = None) -> FastAPI:
    runtime = Runtime.create(settings or Settings())
    store = CatalogueStore(runtime.db)
    runtime.relay = OutboxRelay.of(runtime.broker, runtime.settings, [store.products])
    runtime.publishes = [Topic.PRODUCTS]
    runtime.on_start.append(store.ensure_indexes)
    catalogue = Catalogue(store, runtime.relay)
    consumers.register(runtime.broker, catalogue, runtime.settings, runtime.db["handled_events"])
    app = create_app(runtime, [api.router], "Product listings of verified suppliers.")
    app.state.catalogue = catalogue
    return app


def main() -> None:
    settings = Settings()
    serve(build(settings), settings)
