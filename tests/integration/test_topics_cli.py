"""`tijara topics ensure` on the real broker: creates what is missing with the settings' replication and
min.insync.replicas, reports a topic that differs from the spec (and exits 1), and refuses a replication factor the
cluster cannot hold with a sentence naming the setting."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from typer.testing import CliRunner

from cli.main import app
from shared.messaging.topics import TopicSettingsError, ensure_topics, marketplace_topics


async def _create(bootstrap: str, topic: NewTopic) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([topic])
    finally:
        await admin.close()


def test_ensure_creates_then_reports_drift_as_json(infrastructure, unique):  # sync: the CLI runs its own loop
    prefix = f"tc{unique}."
    env = {"KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka, "KAFKA_TOPIC_PREFIX": prefix, "TOPIC_PARTITIONS": "2",
           "TOPIC_REPLICATION_FACTOR": "1", "TOPIC_MIN_INSYNC_REPLICAS": "1"}
    # an operator made catalogue.products by hand, with one partition and a week's retention
    asyncio.run(_create(infrastructure.kafka, NewTopic(f"{prefix}catalogue.products", 1, 1,
                                                       topic_configs={"retention.ms": "604800000"})))
    runner = CliRunner()
    first = runner.invoke(app, ["topics", "ensure", "--json"], env=env)
    report = {t["topic"]: t for t in json.loads(first.stdout)}
    assert first.exit_code == 1, first.output
    products = report[f"{prefix}catalogue.products"]
    assert not products["created"] and products["drift"] == ["partitions 1, spec 2", "retention.ms=604800000, spec -1"]
    suppliers = report[f"{prefix}onboarding.suppliers"]
    assert suppliers["created"] and suppliers["drift"] == [] and suppliers["partitions"] == 2
    assert suppliers["replication"] == 1 and suppliers["config"]["min.insync.replicas"] == "1"
    assert len(report) == len(marketplace_topics(2, prefix))
    table = runner.invoke(app, ["topics", "ensure"], env=env)
    assert table.exit_code == 1 and "1 topic(s) differ from the spec" in table.output
    assert "replication" in table.output and "min ISR" in table.output


async def test_a_replication_factor_beyond_the_cluster_is_refused_by_name(infrastructure, unique):
    specs = marketplace_topics(1, f"rf{unique}.", replication=3, min_insync=2)
    with pytest.raises(TopicSettingsError, match="TOPIC_REPLICATION_FACTOR=3 but the Kafka cluster has 1 broker"):
        await ensure_topics(infrastructure.kafka, specs)


def test_the_cli_names_the_setting_instead_of_a_traceback(infrastructure, unique):
    env = {"KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka, "KAFKA_TOPIC_PREFIX": f"rf3{unique}.",
           "TOPIC_REPLICATION_FACTOR": "3",
           "TOPIC_MIN_INSYNC_REPLICAS": "2"}
    refused = CliRunner().invoke(app, ["topics", "ensure"], env=env)
    assert refused.exit_code == 2 and "TOPIC_REPLICATION_FACTOR=3" in refused.output
    assert "Traceback" not in refused.output
