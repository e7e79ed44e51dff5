"""Composition root of onboarding: `python -m services.onboarding`."""

from __future__ import annotations

from fastapi import FastAPI

from services.onboarding import api
from services.onboarding.service import Onboarding
from services.onboarding.store import SupplierStore
from shared.messaging import OutboxRelay
from shared.runtime import Runtime, create_app, serve
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "onboarding"
    http_port: int = 8001


def build(settings: Settings | None = None) -> FastAPI:
    runtime = Runtime.create(settings or Settings())
    store = SupplierStore(runtime.db)
    runtime.relay = OutboxRelay(
        runtime.broker, [store.suppliers], runtime.settings.outbox_poll_seconds, runtime.settings.kafka_topic_prefix
    )
    runtime.on_start.append(store.ensure_indexes)
    app = create_app(runtime, [api.router], "Suppliers and their verification.")
    app.state.onboarding = Onboarding(store, runtime.relay)
    return app


def main() -> None:
    settings = Settings()
    serve(build(settings), settings)
