"""The testcontainers fallback (machines with Docker and no local stack): Kafka and MongoDB as their images expect.

testcontainers' KafkaContainer drives Confluent's cp-kafka image (its start script edits /etc/confluent/docker) and
refuses `apache/kafka` tags in KRaft mode ("version 4.1.1 is not supported"). So Kafka is a generic container of the
official apache/kafka image, at the version of the local stack's jars, configured the way that image documents:
KAFKA_* environment variables become server.properties keys (prefix dropped, `_` -> `.`, `__` -> `-`, `___` -> `_`)
and KRaft needs CLUSTER_ID. The client listener is published on the same port number on the host, chosen free
beforehand, so the address the broker advertises is the one the tests reach.
"""

from __future__ import annotations

import socket
import uuid

KAFKA_IMAGE = "apache/kafka:4.1.1"  # = kafka_2.13 in deploy/local/kafka-pom.xml
MONGO_IMAGE = "mongo:7.0"
KAFKA_STARTED = r"Kafka Server started"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kafka_environment(host: str, port: int, controller_port: int = 29093, broker_port: int = 29092,
                      cluster_id: str = "") -> dict[str, str]:
    """A single combined broker+controller: HOST is what clients outside the container use, BROKER the broker's
    own listener inside it, CONTROLLER the KRaft quorum of one (ports inside the container, clear of free_port's
    ephemeral range)."""
    return {
        "CLUSTER_ID": cluster_id or uuid.uuid4().hex[:22],
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": f"1@localhost:{controller_port}",
        "KAFKA_LISTENERS": f"HOST://0.0.0.0:{port},BROKER://0.0.0.0:{broker_port},"
                           f"CONTROLLER://0.0.0.0:{controller_port}",
        "KAFKA_ADVERTISED_LISTENERS": f"HOST://{host}:{port},BROKER://localhost:{broker_port}",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "HOST:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "KAFKA_INTER_BROKER_LISTENER_NAME": "BROKER",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_LOG_DIRS": "/tmp/kraft-combined-logs",  # the image's own default, writable by its user
        "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "false",
        "KAFKA_NUM_PARTITIONS": "3",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR": "1",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
    }


def as_properties(environment: dict[str, str]) -> dict[str, str]:
    """server.properties as the apache/kafka image renders it from the environment (its `utility render-properties`
    with the KAFKA prefix; the image's own launch variables are not broker settings)."""
    launch = {"KAFKA_VERSION", "KAFKA_HEAP_OPTS", "KAFKA_OPTS", "KAFKA_LOG4J_OPTS", "KAFKA_JMX_OPTS"}
    properties = {}
    for name, value in environment.items():
        if name.startswith("KAFKA_") and name not in launch:
            key = name.removeprefix("KAFKA_").lower().replace("___", "\0").replace("__", "-").replace("_", ".")
            properties[key.replace("\0", "_")] = value
    return properties


def kafka_container():  # -> (DockerContainer, bootstrap)
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    port = free_port()
    container = DockerContainer(KAFKA_IMAGE).with_bind_ports(port, port)
    host = container.get_docker_client().host()  # the Docker host's address; known before the container starts
    container.with_envs(**kafka_environment(host, port), KAFKA_HEAP_OPTS="-Xms256m -Xmx512m")
    container.waiting_for(LogMessageWaitStrategy(KAFKA_STARTED).with_startup_timeout(120))
    return container, f"{host}:{port}"


def mongo_container():
    from testcontainers.mongodb import MongoDbContainer

    return MongoDbContainer(MONGO_IMAGE)
