"""Composition root of partners: `python -m services.partners` (HTTP port 8004, database `tijara_partners`)."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from services.partners import api, consumers, gateway, partner_api
from services.partners.receipts import PartnerReads
from services.partners.service import PartnerIngress
from services.partners.store import InputStore, PartnerStore, SupplierStore
from shared.messaging import OutboxRelay
from shared.partners import PartnerTopic
from shared.runtime import Runtime, create_app, serve
from shared.settings import ServiceSettings
from shared.topics import ensure_topics, partner_receipts_topics


class Settings(ServiceSettings):
    service_name: str = "partners"
    http_port: int = 8004


def build(settings: Settings | None = None) -> FastAPI:
    runtime = Runtime.create(settings or Settings())
    partners, inputs, suppliers = PartnerStore(runtime.db), InputStore(runtime.db), SupplierStore(runtime.db)
    runtime.relay = OutboxRelay(
        runtime.broker, [inputs.inputs], runtime.settings.outbox_poll_seconds, runtime.settings.kafka_topic_prefix
    )
    runtime.publishes = [PartnerTopic.COMMANDS, PartnerTopic.RECEIPTS]
    ingress = PartnerIngress(partners, inputs, runtime.relay, partial(open_receipts, runtime.settings))
    reads = PartnerReads(inputs, suppliers)
    runtime.on_start += [partners.ensure_indexes, inputs.ensure_indexes, suppliers.ensure_indexes,
                         ingress.open_all_receipts]
    consumers.register(runtime.broker, ingress, reads, runtime.settings)
    partner_gateway = gateway.Gateway(ingress)
    runtime.background.append(partner_gateway.forget_old_signatures)
    app = create_app(runtime, [gateway.router, partner_api.router, api.router],
                     "Partner ingress: the partner registry and keys, the signed HTTP gateway and the Kafka inbox.",
                     api.ERROR_STATUSES)
    app.state.ingress = ingress
    app.state.gateway = partner_gateway
    app.state.reads = reads
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
