"""Composition root of onboarding: `python -m services.onboarding`."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from services.onboarding import api, consumers, privacy
from services.onboarding.service import Onboarding
from services.onboarding.store import SupplierStore
from shared.contracts.envelope import Topic
from shared.contracts.partners import PartnerTopic
from shared.contracts.privacy import PrivacyTopic
from shared.messaging.relay import OutboxRelay
from shared.settings import ServiceSettings
from shared.web.erasure_outcomes import OUTCOMES, ErasureOutcomes
from shared.web.privacy import operator_router, retention_job
from shared.web.runtime import Runtime, create_app, every, serve


class Settings(ServiceSettings):
    service_name: str = "onboarding"
    http_port: int = 8001
    expiry_check_seconds: float = 3600.0  # how often verifications that ran out are expired
    rejected_contact_retention: timedelta = timedelta(days=365)  # a rejected applicant's contact, after rejection


def build(settings: Settings | None = None) -> FastAPI:
    runtime = Runtime.create(settings or Settings())
    store = SupplierStore(runtime.db)
    runtime.relay = OutboxRelay.of(runtime.broker, runtime.settings, [store.suppliers, store.answers,
                                                                      runtime.db[OUTCOMES]])
    runtime.publishes = [Topic.SUPPLIERS, PartnerTopic.OUTCOMES, PrivacyTopic.ERASURES]
    runtime.on_start.append(store.ensure_indexes)
    onboarding = Onboarding(store, runtime.relay)
    # several replicas may expire at once: each expiry is a versioned write, so a supplier expires once
    runtime.background.append(lambda: every(runtime.settings.expiry_check_seconds, onboarding.expire_verifications))
    personal = privacy.SupplierPersonalData(store, runtime.settings.privacy_secret.get_secret_value(),
                                            runtime.settings.rejected_contact_retention)
    runtime.on_start.append(personal.reads.ensure_indexes)
    runtime.on_stop.append(personal.reads.settle)
    outcomes = ErasureOutcomes(runtime.db, privacy.SERVICE, runtime.relay)  # what it erased, on privacy.erasures
    runtime.background.append(lambda: every(runtime.settings.retention_check_seconds, retention_job(personal, outcomes)))
    consumers.register(runtime.broker, onboarding, runtime.settings)
    app = create_app(runtime, [api.router, api.operations, privacy.supplier_reads, privacy.operator_reads,
                               operator_router(privacy.personal_data)],
                     "Suppliers and their verification; applies partner commands and answers their outcomes.")
    app.state.onboarding = onboarding
    app.state.personal_data = personal
    app.state.erasure_outcomes = outcomes
    return app


def main() -> None:
    settings = Settings()
    serve(build(settings), settings)
