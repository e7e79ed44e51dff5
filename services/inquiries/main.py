"""Composition root of inquiries: `python -m services.inquiries`."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from services.inquiries import api, consumers, privacy
from services.inquiries.service import Inquiries
from services.inquiries.store import InquiryStore
from shared.contracts.envelope import Topic
from shared.contracts.privacy import PrivacyTopic
from shared.messaging.relay import OutboxRelay
from shared.settings import ServiceSettings
from shared.web.erasure_outcomes import OUTCOMES, ErasureOutcomes
from shared.web.privacy import operator_router, retention_job
from shared.web.runtime import Runtime, create_app, every, serve


class Settings(ServiceSettings):
    service_name: str = "inquiries"
    http_port: int = 8003
    inquiry_rate_limit: str = "20/minute"  # per client address, for POST /inquiries (the `limits` notation)
    buyer_contact_retention: timedelta = timedelta(days=730)  # a buyer's contact and texts, after the inquiry closed


def build(settings: Settings | None = None) -> FastAPI:
    runtime = Runtime.create(settings or Settings())
    store = InquiryStore(runtime.db)
    runtime.relay = OutboxRelay.of(runtime.broker, runtime.settings, [store.inquiries, runtime.db[OUTCOMES]])
    runtime.publishes = [Topic.INQUIRIES, PrivacyTopic.ERASURES]
    runtime.on_start.append(store.ensure_indexes)
    inquiries = Inquiries(store, runtime.relay)
    personal = privacy.BuyerPersonalData(store, runtime.settings.privacy_secret.get_secret_value(),
                                         runtime.settings.buyer_contact_retention)
    runtime.on_start.append(personal.reads.ensure_indexes)
    runtime.on_stop.append(personal.reads.settle)
    outcomes = ErasureOutcomes(runtime.db, privacy.SERVICE, runtime.relay)  # what it erased, on privacy.erasures
    runtime.background.append(lambda: every(runtime.settings.retention_check_seconds, retention_job(personal, outcomes)))
    consumers.register(runtime.broker, inquiries, runtime.settings)
    app = create_app(runtime, [api.router, privacy.operator_reads, operator_router(privacy.personal_data)],
                     "Buyer inquiries about listed products.")
    app.state.personal_data = personal
    app.state.erasure_outcomes = outcomes
    app.state.inquiries = inquiries
    app.state.buyer_limit = api.BuyerLimit(runtime.settings.inquiry_rate_limit)
    return app


def main() -> None:
    settings = Settings()
    serve(build(settings), settings)
