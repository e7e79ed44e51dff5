"""Kafka security and topic settings, without a broker: what each KAFKA_* combination turns into, what is refused
with a sentence naming the setting, and how an existing topic's drift from the spec is worded."""

from __future__ import annotations

import ssl

import pytest
from faststream import security
from pydantic import ValidationError

from deploy.local.kafka_security import make_certificates
from shared.messaging.kafka_security import KafkaSecurityError, servers
from shared.messaging.topics import TopicState, marketplace_topics
from shared.settings import ServiceSettings


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    make_certificates(folder)
    return folder


def test_a_bootstrap_list_reaches_faststream_as_separate_servers():
    from shared.messaging.relay import make_broker

    assert servers(" b1:9092, b2:9092,b3:9092 ") == ["b1:9092", "b2:9092", "b3:9092"]
    broker = make_broker("b1:9092,b2:9092", "t")
    assert broker.config.broker_config.builder.keywords["bootstrap_servers"] == ["b1:9092", "b2:9092"]


def test_plaintext_needs_nothing():
    settings = ServiceSettings(kafka_security_protocol="PLAINTEXT")
    assert settings.kafka_client_options() == {} and settings.kafka_security() is None


def test_ssl_with_a_ca_and_a_client_certificate_is_one_context_for_every_client(certificates):
    settings = ServiceSettings(kafka_security_protocol="SSL", kafka_ssl_cafile=str(certificates / "ca.pem"),
                               kafka_ssl_certfile=str(certificates / "client.crt"),
                               kafka_ssl_keyfile=str(certificates / "client.key"))
    options = settings.kafka_client_options()
    broker = settings.kafka_security()
    assert options["security_protocol"] == "SSL" and isinstance(options["ssl_context"], ssl.SSLContext)
    assert type(broker) is security.BaseSecurity and broker.use_ssl
    assert broker.ssl_context is options["ssl_context"]  # built once, shared
    assert options["ssl_context"].check_hostname and options["ssl_context"].verify_mode == ssl.CERT_REQUIRED


@pytest.mark.parametrize(("mechanism", "kind"), [("SCRAM-SHA-512", security.SASLScram512),
                                                 ("SCRAM-SHA-256", security.SASLScram256),
                                                 ("PLAIN", security.SASLPlaintext)])
def test_sasl_ssl_without_a_ca_file_trusts_the_system_store_as_managed_kafka_needs(mechanism, kind):
    settings = ServiceSettings(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism=mechanism,
                               kafka_sasl_username="svc", kafka_sasl_password="pw")
    options = settings.kafka_client_options()
    broker = settings.kafka_security()
    assert options["sasl_mechanism"] == mechanism and options["sasl_plain_username"] == "svc"
    assert isinstance(options["ssl_context"], ssl.SSLContext)  # the fix for "ssl_context is mandatory"
    assert type(broker) is kind and broker.use_ssl and broker.ssl_context is options["ssl_context"]


def test_sasl_plaintext_has_no_tls():
    settings = ServiceSettings(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_username="svc",
                               kafka_sasl_password="pw")
    assert "ssl_context" not in settings.kafka_client_options()
    assert not settings.kafka_security().use_ssl


@pytest.mark.parametrize(("settings", "says"), [
    ({"kafka_security_protocol": "SASL_SSL"}, "KAFKA_SASL_USERNAME"),
    ({"kafka_security_protocol": "PLAINTEXT", "kafka_ssl_cafile": "/etc/ca.pem"}, "KAFKA_SSL_CAFILE"),
    ({"kafka_security_protocol": "SSL", "kafka_ssl_cafile": "/nowhere/ca.pem"}, "no such file"),
])
def test_settings_that_cannot_work_are_refused_with_the_variable_to_fix(settings, says):
    with pytest.raises(KafkaSecurityError, match=says):
        ServiceSettings(**settings).kafka_client_options()


def test_a_certificate_without_its_key_is_refused(certificates):
    settings = ServiceSettings(kafka_security_protocol="SSL", kafka_ssl_certfile=str(certificates / "client.crt"))
    with pytest.raises(KafkaSecurityError, match="KAFKA_SSL_KEYFILE"):
        settings.kafka_security()


def test_topic_defaults_suit_a_three_broker_cluster_and_min_isr_cannot_exceed_replication():
    settings = ServiceSettings(topic_replication_factor=3, topic_min_insync_replicas=2)
    assert (settings.topic_replication_factor, settings.topic_min_insync_replicas) == (3, 2)
    assert ServiceSettings.model_fields["topic_replication_factor"].default == 3
    assert ServiceSettings.model_fields["topic_min_insync_replicas"].default == 2
    with pytest.raises(ValidationError, match="TOPIC_MIN_INSYNC_REPLICAS=2 exceeds TOPIC_REPLICATION_FACTOR=1"):
        ServiceSettings(topic_replication_factor=1, topic_min_insync_replicas=2)


def test_every_topic_carries_the_replication_and_min_isr():
    specs = marketplace_topics(6, "p.", replication=3, min_insync=2)
    assert all(s.replication == 3 and s.config["min.insync.replicas"] == "2" for s in specs)
    assert {s.partitions for s in specs if not s.name.endswith(".dlq")} >= {6}


def test_drift_names_each_difference():
    spec = next(s for s in marketplace_topics(3, "", 3, 2) if s.name == "catalogue.products")
    same = TopicState(spec, True, 3, 3, dict(spec.config))
    short = TopicState(spec, True, 2, 1, {**spec.config, "min.insync.replicas": "1", "retention.ms": "604800000"})
    assert same.drift == [] and TopicState(spec, False).drift == ["missing"]
    assert short.drift == ["partitions 2, spec 3", "replication 1, spec 3", "min.insync.replicas=1, spec 2",
                           "retention.ms=604800000, spec -1"]
    assert short.as_json()["drift"] == short.drift and short.as_json()["spec"]["replication"] == 3


def test_the_variables_an_operator_sets_are_the_ones_read(monkeypatch, certificates):
    for name, value in {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
                        "KAFKA_SASL_USERNAME": "svc", "KAFKA_SASL_PASSWORD": "pw",
                        "KAFKA_SSL_CAFILE": str(certificates / "ca.pem"), "KAFKA_SSL_CHECK_HOSTNAME": "false",
                        "TOPIC_REPLICATION_FACTOR": "3", "TOPIC_MIN_INSYNC_REPLICAS": "2"}.items():
        monkeypatch.setenv(name, value)
    settings = ServiceSettings()
    options = settings.kafka_client_options()
    assert options["sasl_mechanism"] == "SCRAM-SHA-256" and not options["ssl_context"].check_hostname
    assert (settings.topic_replication_factor, settings.topic_min_insync_replicas) == (3, 2)
    assert options["sasl_plain_password"] == "pw"  # given to Kafka, kept out of logs:
    assert "pw" not in repr(settings) and "pw" not in repr(settings.kafka_connection())
