"""The services' Kafka principals (deploy/kafka/service-acls.txt, applied by deploy/kafka/init-security.sh) against
what each service's code does: its composition root's `runtime.publishes` and relay, its subscribers' topics and
groups, the dead-letter topics those write to, and the one topic spec every service creates at start. A topic
published or consumed without its row, or a row no code needs, fails here; so do compose and Kubernetes wiring a
service to any principal but its own."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml

from deploy import principals
from shared.contracts.envelope import Topic, dead_letter_topic
from shared.contracts.partners import PartnerTopic
from shared.contracts.privacy import PrivacyTopic
from shared.messaging.topics import marketplace_topics

ROOT = Path(__file__).resolve().parents[2]


def _runtime(service: str):
    main = importlib.import_module(f"services.{service}.main")
    app = main.build(main.Settings(kafka_bootstrap_servers="kafka:9092", kafka_topic_prefix="", consumer_group_id=""))
    return app.state.runtime


def _consumed(runtime) -> set[str]:
    return {t.name for s in runtime.broker.subscribers for t in getattr(s, "topics", [])}


@pytest.mark.parametrize("service", principals.SERVICES)
def test_a_service_writes_exactly_what_it_publishes_and_the_dead_letters_of_what_it_consumes(service) -> None:
    runtime = _runtime(service)
    published = {str(t) for t in runtime.publishes if t is not PartnerTopic.RECEIPTS}
    assert principals.names(service, "Write") == published | {dead_letter_topic(t) for t in _consumed(runtime)}
    receipts = PartnerTopic.RECEIPTS in runtime.publishes  # one topic per partner, made when it is registered
    expected = {f"{PartnerTopic.RECEIPTS}."} if receipts else set()
    assert principals.names(service, "Write", pattern="prefixed") == expected
    assert principals.names(service, "Create", pattern="prefixed") == expected


@pytest.mark.parametrize("service", principals.SERVICES)
def test_a_service_reads_what_it_consumes_with_its_own_group(service) -> None:
    runtime = _runtime(service)
    assert principals.names(service, "Read") == _consumed(runtime)
    groups = {s.group_id for s in runtime.broker.subscribers if getattr(s, "group_id", None)}
    assert groups == {runtime.settings.consumer_group}
    assert principals.names(service, "Read", resource="group") == groups


def test_the_showcase_follower_and_replay_read_every_stream_without_a_group() -> None:
    assert principals.names("showcase", "Read") >= {t.value for t in Topic}  # services/showcase/feed/tail.py, feed/replay.py


@pytest.mark.parametrize("service", principals.SERVICES)
def test_every_service_may_create_the_spec_and_write_idempotently(service) -> None:
    spec = {s.name for s in marketplace_topics()}  # what shared.web.runtime's ensure_topics creates at start
    assert principals.names(service, "Create") == spec
    assert principals.names(service, "Describe") >= spec | principals.names(service, "Write")
    assert principals.names(service, "IdempotentWrite", resource="cluster") == {"kafka-cluster"}


def test_no_topic_has_two_owners_but_its_dead_letters_and_the_erasure_outcomes() -> None:
    owners: dict[str, set[str]] = {}
    for acl in principals.rows():
        if acl.operation == "Write" and acl.resource == "topic" and not acl.name.endswith(".dlq"):
            owners.setdefault(acl.name, set()).add(acl.principal)
    reports = owners.pop(PrivacyTopic.ERASURES.value)  # each holder of personal data reports what it erased
    assert reports == {"onboarding", "inquiries", "partners", "notifications"}
    assert {topic: who for topic, who in owners.items() if len(who) > 1} == {}


def test_no_service_reads_the_erasure_outcomes() -> None:
    assert [a for a in principals.rows() if a.name == PrivacyTopic.ERASURES.value and a.operation == "Read"] == []


def test_compose_runs_each_service_as_its_own_principal() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    init = compose["services"]["kafka-init"]["environment"]
    for service in principals.SERVICES:
        env = compose["services"][service]["environment"]
        variable = principals.password_variable(service)
        assert env["KAFKA_SASL_USERNAME"] == service
        assert env["KAFKA_SASL_PASSWORD"] == init[variable] == f"${{{variable}:-{service}-dev-secret}}"
