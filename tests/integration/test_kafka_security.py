"""Kafka security from settings, against the local broker's TLS, mTLS and SASL_SSL listeners (deploy/local/
kafka_security.py): only KAFKA_* env changes, and the service code paths all go through it — the outbox relay
publishes, the showcase's admin client creates its topics and its subscribers project, `tijara tail` reads back."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from pydantic import SecretStr
from pymongo import AsyncMongoClient
from rich.console import Console

from cli.tail import follow
from deploy.local import kafka_security, stack
from services.showcase.main import Settings, build
from shared.envelope import Envelope
from shared.messaging import OutboxRelay, make_broker
from shared.mongo import outbox_entry, with_outbox
from tests import factories
from tests.integration.helpers import eventually, serving

LISTENERS = [("tls", "SCRAM-SHA-512"), ("mtls", "SCRAM-SHA-512"), ("sasl_ssl", "SCRAM-SHA-512"),
             ("sasl_ssl", "SCRAM-SHA-256"), ("sasl_ssl", "PLAIN")]


@pytest.fixture(scope="session")
def secured() -> kafka_security.Listeners:
    """The local test stack's secured listeners: always the local broker, which these tests configure."""
    profile = stack.profile("test")
    if stack.running(profile, "kafka") and not (profile.dir / "tls" / "broker.pem").exists():
        pytest.fail("the running test stack predates its TLS listeners: `python -m deploy.local.stack down "
                    "--profile test` and run again", pytrace=False)
    stack.up("test")
    return stack.secured_listeners(profile)


def secure_settings(listeners: kafka_security.Listeners, kind: str, mechanism: str, infrastructure,
                    unique: str) -> Settings:
    env = {key.lower(): value for key, value in listeners.client_env(kind, mechanism).items()}
    return Settings(**env, mongodb_url=infrastructure.mongodb, mongodb_database=f"sec_{unique}_showcase",
                    consumer_group_id=f"sec.{unique}.showcase", kafka_topic_prefix=f"sec{unique}.",
                    outbox_poll_seconds=0.5, topic_replication_factor=1, topic_min_insync_replicas=1)


@pytest.mark.parametrize(("kind", "mechanism"), LISTENERS, ids=[f"{k}-{m}" for k, m in LISTENERS])
async def test_relay_publishes_and_showcase_consumes_over_the_secured_listener(secured, kind, mechanism,
                                                                                infrastructure, unique):
    settings = secure_settings(secured, kind, mechanism, infrastructure, unique)
    supplier = f"sup-{unique}"
    event = Envelope(factories.supplier_verified(supplier), "/tijara/onboarding")
    client = AsyncMongoClient(infrastructure.mongodb)
    outbox = client[f"sec_{unique}_onboarding"]["suppliers"]
    await outbox.insert_one(with_outbox({"_id": supplier}, [outbox_entry(event)]))
    async with serving(build(settings)) as http:  # topics created and subscribers started over `kind`
        producer = make_broker(settings.kafka_bootstrap_servers, "sec-test-relay", settings.kafka_security())
        await producer.start()
        try:
            assert await OutboxRelay(producer, [outbox], topic_prefix=settings.kafka_topic_prefix).publish_all() == 1
        finally:
            await producer.stop()

        async def projected() -> None:
            assert (await http.get(f"/api/countries/ma/suppliers/{supplier}")).status_code == 200

        await eventually(projected)
    await client.close()
    console = Console(record=True, width=160)
    shown = await follow("onboarding.suppliers", settings, console, from_beginning=True, idle_timeout=3)
    assert shown == 1 and supplier in console.export_text()


async def _admin_connects(bootstrap: str, **options) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000, **options)
    try:
        await asyncio.wait_for(admin.start(), 20)
        await admin.describe_cluster()
    finally:
        await admin.close()


async def test_the_secured_listeners_refuse_clients_without_the_right_credentials(secured, infrastructure, unique):
    mtls = secure_settings(secured, "mtls", "PLAIN", infrastructure, unique)
    await _admin_connects(mtls.kafka_bootstrap_servers, **mtls.kafka_client_options())
    no_certificate = mtls.model_copy(update={"kafka_ssl_certfile": "", "kafka_ssl_keyfile": ""})
    with pytest.raises((KafkaError, TimeoutError, OSError)):
        await _admin_connects(no_certificate.kafka_bootstrap_servers, **no_certificate.kafka_client_options())
    sasl = secure_settings(secured, "sasl_ssl", "SCRAM-SHA-512", infrastructure, unique)
    wrong = sasl.model_copy(update={"kafka_sasl_password": SecretStr("not-the-password")})
    with pytest.raises((KafkaError, TimeoutError, OSError)):
        await _admin_connects(wrong.kafka_bootstrap_servers, **wrong.kafka_client_options())
