"""Composition root of partners: `python -m services.partners` (HTTP port 8004, database `tijara_partners`)."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from services.partners import api, consumers, gateway, partner_api, privacy
from services.partners.receipts import PartnerReads
from services.partners.service import PartnerIngress
from services.partners.store import InputStore, PartnerStore, SupplierStore
from services.partners.webhooks import WebhookSender
from shared.contracts.partners import PartnerTopic
from shared.contracts.privacy import PrivacyTopic
from shared.messaging.relay import OutboxRelay
from shared.messaging.topics import ensure_topics, partner_receipts_topics
from shared.settings import ServiceSettings
from shared.web.erasure_outcomes import OUTCOMES, ErasureOutcomes
from shared.web.privacy import operator_router
from shared.web.runtime import Runtime, create_app, every, serve


class Settings(ServiceSettings):
    service_name: str = "partners"
    http_port: int = 8004
    webhook_poll_seconds: float = 1.0
    webhook_backoff_seconds: float = 5.0  # the first retry's delay; doubled each time, at most an hour
    webhook_max_attempts: int = 8
    webhooks_allow_loopback_http: bool = False  # http://127.0.0.1 webhooks: tests and development only


def build(settings: Settings | None = None) -> FastAPI:
    runtime = Runtime.create(settings or Settings())
    partners, inputs, suppliers = PartnerStore(runtime.db), InputStore(runtime.db), SupplierStore(runtime.db)
    runtime.relay = OutboxRelay.of(runtime.broker, runtime.settings, [inputs.inputs, runtime.db[OUTCOMES]])
    runtime.publishes = [PartnerTopic.COMMANDS, PartnerTopic.RECEIPTS, PrivacyTopic.ERASURES]
    settings = runtime.settings
    ingress = PartnerIngress(partners, inputs, runtime.relay, partial(open_receipts, settings),
                             settings.webhooks_allow_loopback_http)
    reads = PartnerReads(inputs, suppliers)
    runtime.on_start += [partners.ensure_indexes, inputs.ensure_indexes, suppliers.ensure_indexes,
                         ingress.open_all_receipts]
    consumers.register(runtime.broker, ingress, reads, runtime.settings)
    partner_gateway = gateway.Gateway(ingress)
    webhooks = WebhookSender(partners, inputs, settings.webhook_poll_seconds, settings.webhook_backoff_seconds,
                             settings.webhook_max_attempts)
    runtime.background += [lambda: every(gateway.SIGNATURE_SWEEP_SECONDS, partner_gateway.forget_old_signatures),
                           webhooks.run]
    app = create_app(runtime, [gateway.router, partner_api.router, api.router, api.contacts, privacy.operator_reads,
                               operator_router(privacy.personal_data)],
                     "Partner ingress: the partner registry and keys, the signed HTTP gateway and the Kafka inbox.")
    app.state.ingress = ingress
    app.state.gateway = partner_gateway
    app.state.reads = reads
    app.state.webhooks = webhooks
    personal = privacy.PartnerPersonalData(partners, settings.privacy_secret.get_secret_value())
    runtime.on_start.append(personal.reads.ensure_indexes)
    runtime.on_stop.append(personal.reads.settle)
    app.state.personal_data = personal
    app.state.erasure_outcomes = ErasureOutcomes(runtime.db, privacy.SERVICE, runtime.relay)  # on privacy.erasures
    return app


async def open_receipts(settings: ServiceSettings, partner_ids: list[str]) -> None:
    """Each partner's own receipts topic, created if missing (a partner registered, or at start)."""
    specs = partner_receipts_topics(partner_ids, settings.kafka_topic_prefix, settings.topic_replication_factor,
                                    settings.topic_min_insync_replicas)
    if specs:
        await ensure_topics(settings.kafka_bootstrap_servers, specs, **settings.kafka_client_options())


def main() -> None:
    settings = Settings()
    serve(build(settings), settings)
