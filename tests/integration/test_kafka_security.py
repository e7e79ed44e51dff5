"""Kafka security from settings, against the local broker's TLS, mTLS and SASL_SSL listeners (deploy/local/
kafka_security.py): only KAFKA_* env changes, and the service code paths all go through it — the outbox relay
publishes, the showcase's admin client creates its topics and its subscribers project, `tijara tail` reads back.
And the ACLs compose enforces, on a broker that authorizes like compose's (deploy/local/kafka_acls.py), set up by
deploy/kafka/init-security.sh itself: a partner reads only its own receipts, a subscriber only reads, and each
service, as its own principal (deploy/kafka/service-acls.txt), writes only its own topics and its dead letters."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import GroupAuthorizationFailedError, KafkaError, TopicAuthorizationFailedError
from pydantic import SecretStr
from pymongo import AsyncMongoClient
from rich.console import Console

from cli.tail import follow
from deploy.local import kafka_acls, kafka_security, stack
from services.showcase.main import Settings, build
from shared.contracts.envelope import Envelope
from shared.messaging.relay import OutboxRelay, make_broker
from shared.messaging.topics import (
    TopicSpec,
    ensure_topics,
    marketplace_topics,
    partner_receipts_topics,
    partner_topics,
)
from shared.settings import ServiceSettings
from shared.storage.mongo import outbox_entry, with_outbox
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


# --- ACLs: the compose authorization reproduced (deploy/local/kafka_acls.py runs deploy/kafka/init-security.sh) ---




def _settings_of(listeners: kafka_security.Listeners, user: str, settings=ServiceSettings, **values):
    """A client as `user` on the SASL_SSL listener, with the password init-security.sh gave it (the dev default)."""
    env = {key.lower(): value for key, value in listeners.client_env("sasl_ssl").items()}
    password = kafka_security.PASSWORD if user == "tijara" else f"{user}-dev-secret"
    return settings(**env | {"kafka_sasl_username": user, "kafka_sasl_password": password} | values)


def _as(listeners: kafka_security.Listeners, user: str) -> dict:
    settings = _settings_of(listeners, user)
    return {"bootstrap_servers": settings.kafka_bootstrap_servers, **settings.kafka_client_options()}


async def _read(options: dict, topic: str, group: str | None = None) -> list[bytes]:
    consumer = AIOKafkaConsumer(topic, group_id=group, auto_offset_reset="earliest", enable_auto_commit=False,
                                **options)
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=10_000)
        return [r.value for records in batches.values() for r in records]
    finally:
        await consumer.stop()


async def _write(options: dict, topic: str) -> None:
    producer = AIOKafkaProducer(request_timeout_ms=10_000, **options)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"{}", key=b"k")
    finally:
        await producer.stop()


async def test_a_partner_reads_only_its_own_receipts_and_a_subscriber_only_reads(acl_broker, unique):
    prefix = f"acl{unique}."
    started = time.monotonic()
    for principal in (("partner", "amdie", "partners.endorsements"), ("partner", "asmex", "partners.endorsements"),
                      ("subscriber", "analytics", "analytics.")):
        kafka_acls.init_security(acl_broker, prefix, *principal)
    print(f"init-security.sh for 3 principals: {time.monotonic() - started:.1f}s")
    ls = kafka_acls.listeners(acl_broker)
    services = _as(ls, "tijara")  # the services' super user creates the topics and writes the receipts
    specs = partner_receipts_topics(["amdie", "asmex"], prefix) + partner_topics(1, prefix) + [
        TopicSpec(f"{prefix}onboarding.suppliers", 1)]
    await ensure_topics(services.pop("bootstrap_servers"), specs, **services)
    services = _as(ls, "tijara")
    for partner in ("amdie", "asmex"):
        await _write(services, f"{prefix}partners.receipts.{partner}")
    await _write(services, f"{prefix}onboarding.suppliers")

    amdie = _as(ls, "amdie")
    assert await _read(amdie, f"{prefix}partners.receipts.amdie", group="partner.amdie.receipts") == [b"{}"]
    with pytest.raises(TopicAuthorizationFailedError):
        await _read(amdie, f"{prefix}partners.receipts.asmex")
    with pytest.raises(TopicAuthorizationFailedError):
        await _read(amdie, f"{prefix}partners.receipts.asmex", group="partner.amdie.receipts")
    await _write(amdie, f"{prefix}partners.endorsements")  # its own input topic
    with pytest.raises(TopicAuthorizationFailedError):
        await _write(amdie, f"{prefix}partners.inspections")

    analytics = _as(ls, "analytics")
    assert await _read(analytics, f"{prefix}onboarding.suppliers", group="analytics.dashboard") == [b"{}"]
    with pytest.raises(TopicAuthorizationFailedError):
        await _write(analytics, f"{prefix}onboarding.suppliers")  # only owners write
    with pytest.raises(TopicAuthorizationFailedError):
        await _read(analytics, f"{prefix}partners.receipts.amdie")


async def test_a_service_writes_its_own_topics_and_dead_letters_only(acl_broker, unique):
    prefix = f"svc{unique}."
    started = time.monotonic()
    kafka_acls.init_security(acl_broker, prefix, "services", "onboarding", "catalogue", "partners")
    print(f"init-security.sh services onboarding catalogue partners: {time.monotonic() - started:.1f}s")
    ls = kafka_acls.listeners(acl_broker)
    onboarding, catalogue = _as(ls, "onboarding"), _as(ls, "catalogue")
    bootstrap = onboarding.pop("bootstrap_servers")
    created = await ensure_topics(bootstrap, marketplace_topics(1, prefix), **onboarding)  # as a service starts
    assert len(created) == len(marketplace_topics())
    onboarding["bootstrap_servers"] = bootstrap

    await _write(onboarding, f"{prefix}onboarding.suppliers")
    await _write(onboarding, f"{prefix}partners.outcomes")
    with pytest.raises(TopicAuthorizationFailedError):
        await _write(onboarding, f"{prefix}catalogue.products")  # another service's stream
    await _write(catalogue, f"{prefix}catalogue.products")
    await _write(catalogue, f"{prefix}onboarding.suppliers.dlq")  # dead letters of what it consumes
    with pytest.raises(TopicAuthorizationFailedError):
        await _write(catalogue, f"{prefix}onboarding.suppliers")  # it reads suppliers, never writes them
    with pytest.raises(TopicAuthorizationFailedError):
        await _write(catalogue, f"{prefix}partners.commands")
    partners = _as(ls, "partners")  # a partner registered: its receipts topic made and written by partners alone
    bootstrap = partners.pop("bootstrap_servers")
    assert await ensure_topics(bootstrap, partner_receipts_topics(["acme"], prefix), **partners)
    partners["bootstrap_servers"] = bootstrap
    await _write(partners, f"{prefix}partners.receipts.acme")
    await _write(partners, f"{prefix}partners.commands")
    with pytest.raises(TopicAuthorizationFailedError):
        await _write(partners, f"{prefix}partners.endorsements")  # the agencies' input: they write, partners reads
    with pytest.raises(TopicAuthorizationFailedError):
        await _write(onboarding, f"{prefix}partners.receipts.acme")
    assert await _read(catalogue, f"{prefix}onboarding.suppliers", group="tijara.catalogue") == [b"{}"]
    with pytest.raises(GroupAuthorizationFailedError):
        await _read(catalogue, f"{prefix}onboarding.suppliers", group="tijara.onboarding")  # another's group
    with pytest.raises(TopicAuthorizationFailedError):
        await _read(catalogue, f"{prefix}inquiries.inquiries", group="tijara.catalogue")  # not one it consumes
    for holder in (onboarding, partners):  # each holder of personal data reports what it erased
        await _write(holder, f"{prefix}privacy.erasures")
    with pytest.raises(TopicAuthorizationFailedError):
        await _write(catalogue, f"{prefix}privacy.erasures")  # holds no personal data: nothing to report
    with pytest.raises(TopicAuthorizationFailedError):
        await _read(onboarding, f"{prefix}privacy.erasures", group="tijara.onboarding")  # operators' only


async def test_the_relay_and_the_showcase_run_as_their_own_principals(acl_broker, infrastructure, unique):
    """onboarding's outbox relay publishes as `onboarding`; the showcase starts as `showcase` (creates the spec,
    joins its group, follows the log without a group) and projects the supplier; a poison record goes to the
    dead-letter topic, which the showcase may write."""
    prefix = f"run{unique}."
    kafka_acls.init_security(acl_broker, prefix, "services", "onboarding", "showcase")
    ls = kafka_acls.listeners(acl_broker)
    showcase = _settings_of(ls, "showcase", Settings, mongodb_url=infrastructure.mongodb, outbox_poll_seconds=0.5,
                            mongodb_database=f"acl_{unique}_showcase", kafka_topic_prefix=prefix,
                            topic_replication_factor=1, topic_min_insync_replicas=1, topic_partitions=1)
    assert showcase.consumer_group == "tijara.showcase"
    onboarding = _settings_of(ls, "onboarding", kafka_topic_prefix=prefix)
    supplier = f"sup-{unique}"
    client = AsyncMongoClient(infrastructure.mongodb)
    outbox = client[f"acl_{unique}_onboarding"]["suppliers"]
    await outbox.insert_one(with_outbox({"_id": supplier}, [outbox_entry(
        Envelope(factories.supplier_verified(supplier), "/tijara/onboarding"))]))
    async with serving(build(showcase)) as http:
        producer = make_broker(onboarding.kafka_bootstrap_servers, "tijara-onboarding", onboarding.kafka_security())
        await producer.start()
        try:
            assert await OutboxRelay(producer, [outbox], topic_prefix=prefix).publish_all() == 1
        finally:
            await producer.stop()
        await _write(_as(ls, "onboarding"), f"{prefix}onboarding.suppliers")  # `{}`: no event the showcase reads

        async def projected() -> None:
            assert (await http.get(f"/api/countries/ma/suppliers/{supplier}")).status_code == 200

        await eventually(projected)
        admin = _as(ls, "tijara")

        async def dead_lettered() -> None:
            assert await _read(admin, f"{prefix}onboarding.suppliers.dlq") != []

        await eventually(dead_lettered)
    await client.close()
