"""Fault tests: the four services as real processes on the real Kafka and the local store, each test with its own topics
(KAFKA_TOPIC_PREFIX), databases and ports; the figures of every test are summed up at the end of the run."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from deploy.local import cluster, stack
from deploy.local.marketplace import Marketplace
from tests import factories

pytestmark = pytest.mark.faults
_OFFSET = int(os.environ.get("TIJARA_STACK_PORT_OFFSET", "0"))
FAULT_PORTS = {name: 18150 + _OFFSET + i for i, name in enumerate(("showcase", "onboarding", "catalogue", "inquiries"))}
# 18150 + offset: clear of the e2e ports (18100 + offset) of checkouts whose offsets are multiples of 100
FIGURES: list[dict] = []
# Services killed with -9 and restarted: the restarted one gets its partitions once Kafka has dropped the dead member,
# after the group's session timeout; the least Kafka accepts (group.min.session.timeout.ms), not aiokafka's 10 s.
KILLED_SESSION_TIMEOUT = {"CONSUMER_SESSION_TIMEOUT_MS": "6000"}
REPORT = Path(__file__).resolve().parents[2] / ".stack" / "reports" / "fault-figures.txt"


@pytest.fixture
async def market(infrastructure, tmp_path_factory):
    async with _marketplace(infrastructure.kafka, infrastructure.mongodb, tmp_path_factory,
                            **KILLED_SESSION_TIMEOUT) as market:
        yield market


@pytest.fixture
async def market_on_local_broker(tmp_path_factory):
    """For the broker-restart test, which must stop and start the broker itself: always the local test stack's
    Kafka and the store (started here if needed), whatever servers the rest of the suite uses."""
    profile = stack.profile("test")
    already = stack.running(profile, "kafka") and stack.running(profile, "store")
    profile = await asyncio.to_thread(stack.up, "test")
    try:
        async with _marketplace(profile.bootstrap, profile.mongodb_url, tmp_path_factory) as market:
            yield market, profile
    finally:
        if not already:
            await asyncio.to_thread(stack.stop_server, profile, "kafka")
            await asyncio.to_thread(stack.stop_server, profile, "store")


@pytest.fixture
async def market_on_three_brokers(infrastructure, tmp_path_factory):
    """The services on a three-broker cluster (deploy/local/cluster.py) with topics at RF 3 and min ISR 2; the
    store is the suite's MongoDB-wire server."""
    nodes = cluster.local()
    await asyncio.to_thread(cluster.up, nodes)
    try:
        async with _marketplace(nodes.bootstrap, infrastructure.mongodb, tmp_path_factory,
                                TOPIC_REPLICATION_FACTOR="3", TOPIC_MIN_INSYNC_REPLICAS="2") as market:
            yield market, nodes
    finally:
        await asyncio.to_thread(cluster.down, nodes)


@contextlib.asynccontextmanager
async def _marketplace(kafka: str, mongodb: str, tmp_path_factory, **env: str) -> AsyncIterator[Marketplace]:
    run = uuid.uuid4().hex[:6]
    market = Marketplace(
        kafka, mongodb, ports=dict(FAULT_PORTS), issuer_port=18154 + _OFFSET,
        log_dir=tmp_path_factory.mktemp(f"faults-{run}"), database_prefix=f"faults_{run}",
        extra_env={"KAFKA_TOPIC_PREFIX": f"faults-{run}.", "OUTBOX_POLL_SECONDS": "1.0", "LOG_LEVEL": "WARNING",
                   "CONSUMER_BACKOFF_SECONDS": "0.05", **env},
    )
    market.run_id = run
    market.start()
    try:
        await asyncio.to_thread(market.wait_ready, 90)
        yield market
    finally:
        await asyncio.to_thread(market.stop)


def prefix(market: Marketplace) -> str:
    return market.extra_env["KAFKA_TOPIC_PREFIX"]


def database(market: Marketplace, service: str) -> str:
    return f"{market.database_prefix}_{service}"


def record(figures: dict) -> None:
    FIGURES.append(figures)
    line = "  ".join(f"{k}={v}" for k, v in figures.items())
    print(f"\nFAULT FIGURES {line}")


def pytest_terminal_summary(terminalreporter) -> None:
    if not FIGURES:
        return
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    lines = ["  ".join(f"{k}={v}" for k, v in f.items()) for f in FIGURES]
    REPORT.write_text("\n".join(lines) + "\n")
    terminalreporter.section("fault-test figures")
    for line in lines:
        terminalreporter.write_line(line)


class OnboardingLoad:
    """Suppliers applying and being verified over HTTP, steadily, through onboarding's outbox; rides out restarts
    (a request cut by a kill is sent again; 409 on the same ICE means the first one landed)."""

    def __init__(self, url: str, token: Callable[[str], str], suppliers: int = 100, per_second: float = 15) -> None:
        self.url = url
        self.headers = {role: {"Authorization": f"Bearer {token(role)}"} for role in ("partner:clementia", "staff")}
        self.suppliers = suppliers
        self.pause = 1 / per_second
        self.ices: list[str] = []
        self.acknowledged = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> OnboardingLoad:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _post(self, client: httpx.Client, path: str, body: dict, role: str) -> httpx.Response | None:
        while not self._stop.is_set():
            try:
                return client.post(f"{self.url}{path}", json=body, headers=self.headers[role])
            except httpx.HTTPError:
                time.sleep(0.2)
        return None

    def _run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self._stop.is_set() and len(self.ices) < self.suppliers:
                ice = f"{random.randrange(10**14, 10**15)}"
                self.ices.append(ice)
                profile = factories.profile(ice=ice).model_dump(mode="json")
                created = self._post(client, "/suppliers", {"profile": profile, "documents": factories.documents()},
                                     "partner:clementia")
                if created is not None and created.status_code == 201:
                    self.acknowledged += 1
                    supplier_id = created.json()["supplier_id"]
                    if self._post(client, f"/suppliers/{supplier_id}/documents-verification", {}, "staff"):
                        self.acknowledged += 1
                time.sleep(self.pause)
