"""Where the real servers come from, in order: explicit env (KAFKA_BOOTSTRAP_SERVERS + MONGODB_URL), the local
stack (deploy/local, started here if needed), testcontainers (machines with Docker). Never skipped silently."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

# Services built in-process read these; the local test stack is one broker (the 3-broker fault test sets its own).
os.environ.setdefault("TOPIC_REPLICATION_FACTOR", "1")
os.environ.setdefault("TOPIC_MIN_INSYNC_REPLICAS", "1")
# Tests trace every request and batch (the production default samples 1 %: shared.telemetry.tracing.sampler); the trace
# backend's e2e test runs its services on the production default instead.
os.environ.setdefault("OTEL_TRACES_SAMPLER", "parentbased_always_on")


@dataclass(frozen=True)
class Infrastructure:
    kafka: str
    mongodb: str


def _local_stack() -> Iterator[Infrastructure]:
    from deploy.local import stack

    profile = stack.profile("test")
    already = stack.running(profile, "kafka") and stack.running(profile, "store")
    profile = stack.up("test")
    try:
        yield Infrastructure(profile.bootstrap, profile.mongodb_url)
    finally:
        if not already and not os.environ.get("TIJARA_KEEP_STACK"):
            stack.stop_server(profile, "kafka")
            stack.stop_server(profile, "store")


def _testcontainers() -> Iterator[Infrastructure]:
    from tests.containers import kafka_container, mongo_container

    kafka, bootstrap = kafka_container()
    with kafka, mongo_container() as mongo:
        yield Infrastructure(bootstrap, mongo.get_connection_url())


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[Infrastructure]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("MONGODB_URL"):
        yield Infrastructure(os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["MONGODB_URL"])
        return
    errors = []
    for source in (_local_stack, _testcontainers):
        try:
            generator = source()
            infra = next(generator)
        except Exception as error:  # try the next real source; report all if none works
            errors.append(f"{source.__name__}: {error!r}")
            continue
        yield infra
        next(generator, None)
        return
    pytest.fail("no real Kafka + MongoDB-wire server available:\n" + "\n".join(errors), pytrace=False)


@pytest.fixture
def unique() -> str:
    """A fresh suffix so each test has its own databases and consumer groups on the shared servers."""
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def issuer(tmp_path_factory):
    """The local token issuer as its own process; `issuer.auth("staff")` gives request headers."""
    from tests.tokens import running_issuer

    with running_issuer(tmp_path_factory.mktemp("issuer")) as running:
        yield running


@pytest.fixture(scope="session")
def mailbox(tmp_path_factory):
    """A real local SMTP server (Mailpit, deploy/local/mailpit.py) on free loopback ports, read through its HTTP API.
    It answers 550 for recipients at `refused.example.com` (the permanent refusal of the tests)."""
    from deploy.local.mailpit import Mailbox, free_port

    box = Mailbox(free_port(), free_port(), tmp_path_factory.mktemp("mailpit"),
                  allowed=r"@([^r]|r[^e]|re[^f])[^@]*$").start()
    try:
        yield box
    finally:
        box.stop()
