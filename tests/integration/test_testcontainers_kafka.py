"""The testcontainers fallback's Kafka configuration, checked without Docker (none on this machine): the environment
given to the apache/kafka image, rendered into server.properties the way the image does, formats and starts a real
Kafka of the same version (the local stack's jars) that the marketplace's clients use — topics created, a record
written and read back. What stays unproven here is Docker itself: pulling the image and publishing the port."""

from __future__ import annotations

import asyncio
import subprocess

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from deploy.local import stack
from shared.messaging.topics import ensure_topics, marketplace_topics
from tests.containers import KAFKA_IMAGE, as_properties, free_port, kafka_environment


def test_the_image_version_is_the_local_stacks_kafka():
    pom = (stack.HERE / "kafka-pom.xml").read_text()
    assert f"<version>{KAFKA_IMAGE.split(':')[1]}</version>" in pom


def test_the_environment_renders_as_the_image_documents():
    environment = kafka_environment("docker-host", 32000, 9093, 9092, "abc")
    properties = as_properties({**environment, "KAFKA_HEAP_OPTS": "-Xmx1g", "KAFKA_SOME___ODD__NAME": "x"})
    assert properties["advertised.listeners"] == "HOST://docker-host:32000,BROKER://localhost:9092"
    assert properties["controller.quorum.voters"] == "1@localhost:9093" and properties["process.roles"] == \
        "broker,controller"
    assert "heap.opts" not in properties and properties["some_odd-name"] == "x"


@pytest.fixture
def broker_from_container_environment(tmp_path):
    port, controller, internal = free_port(), free_port(), free_port()
    environment = kafka_environment("127.0.0.1", port, controller, internal)
    properties = as_properties(environment) | {"log.dirs": str(tmp_path / "data")}  # the container's volume path
    config = tmp_path / "server.properties"
    config.write_text("".join(f"{k}={v}\n" for k, v in properties.items()))
    java = ["java", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", f"{stack.KAFKA_LIB}/*",
            f"-Dlog4j2.configurationFile={stack.HERE / 'log4j2.properties'}"]
    subprocess.run([*java, "kafka.tools.StorageTool", "format", "-t", environment["CLUSTER_ID"], "-c", str(config)],
                   check=True, capture_output=True)
    broker = subprocess.Popen([*java, "kafka.Kafka", str(config)], stdout=open(tmp_path / "kafka.log", "wb"),
                              stderr=subprocess.STDOUT)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        broker.kill()
        broker.wait()


async def test_a_broker_configured_like_the_container_serves_the_marketplace(broker_from_container_environment):
    bootstrap = broker_from_container_environment
    for _ in range(120):  # the JVM starts
        try:
            created = await ensure_topics(bootstrap, marketplace_topics(3, "tc."))
            break
        except Exception:
            await asyncio.sleep(0.5)
    else:
        pytest.fail("the broker configured from the container environment never answered")
    assert "tc.catalogue.products" in created
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait("tc.catalogue.products", b"{}", key=b"prd-1")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer("tc.catalogue.products", bootstrap_servers=bootstrap, group_id="tc.check",
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), 30)  # a consumer group: the offsets topic works too
    finally:
        await consumer.stop()
    assert record.key == b"prd-1"
