"""A real Prometheus (built from its Go module, deploy/local/prometheus.py) scrapes a running marketplace with the
project's prometheus.yml and alerts.yml; three things go wrong at once and the matching alerts fire, then resolve:

- a partition stops moving: a sixth service process, the showcase with a handler that hangs on one supplier
  (tests/e2e/hanging_showcase.py, its own consumer group), with 150 events queued behind it:
  `tijara_partition_stalled` and `tijara_consumer_lag`, alerts TijaraPartitionStalled and TijaraConsumerLagGrowing;
- poison records on inquiries.inquiries: its dead-letter topic grows, alert TijaraDeadLettersGrowing;
- the store goes away under onboarding's outbox relay: onboarding reaches the shared store through a TCP line the
  test cuts (the shared store itself keeps running for everyone), alert TijaraOutboxRelayFailing.

The rules run with every duration divided by TIME_SCALE (`for: 5m` -> 18.75s, `[15m]` -> 56.25s; thresholds unchanged):
the documented override of deploy/local/prometheus.py; the real durations are unit-tested by promtool
(deploy/prometheus/alerts.test.yml). Scrape and evaluation every second.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlparse

import pytest
import yaml
from aiokafka import AIOKafkaProducer

from deploy.local.marketplace import ROOT, Marketplace
from deploy.local.prometheus import Prometheus, render, seconds
from deploy.local.tools import ALERTS
from shared.contracts.envelope import Envelope
from tests import factories
from tests.e2e.conftest import _OFFSET, _ephemeral, _free, e2e_ports

pytestmark = pytest.mark.e2e
# With the store gone a relay pass fails after two server-selection timeouts (its scan, then its measure) and a poll:
# every ~3.5 s with onboarding's 1.5 s here (5 s by default: every ~10 s), so TijaraOutboxRelayFailing's [2m], 7.5 s
# at this scale, always holds a failure while the store is gone.
TIME_SCALE = 16
STORE_TIMEOUT_MS = 1500  # onboarding's MONGODB_SERVER_SELECTION_TIMEOUT_MS
STALL_SECONDS = 3  # the hanging showcase's CONSUMER_STALL_SECONDS
FOR = {rule["alert"]: seconds(rule.get("for", "0s")) / TIME_SCALE  # each rule's `for:` as the test runs it
       for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]}


class StoreLine:
    """A TCP line from one service to the shared store, which the test can cut (open connections closed, new ones
    refused) and restore: the store is down for that service only."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream, self.port = upstream, _ephemeral()
        self.listener: socket.socket | None = None
        self.open: set[socket.socket] = set()

    def up(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def down(self) -> None:
        listener, self.listener = self.listener, None
        listener.close()
        for conn in list(self.open):
            self._close(conn)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            self.open |= {client, server}
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source)
            self._close(sink)

    def _close(self, conn: socket.socket) -> None:
        self.open.discard(conn)
        try:
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        conn.close()


async def _publish(bootstrap: str, prefix: str, events: list = (), raw: list[tuple[str, bytes, bytes, dict]] = ()):
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for e in (Envelope(event, "/test") for event in events):
            await producer.send(prefix + e.topic, e.value(), key=e.key,
                                headers=[(k, v.encode()) for k, v in e.headers().items()])
        for topic, key, value, headers in raw:
            await producer.send(prefix + topic, value, key=key, headers=[(k, v.encode()) for k, v in headers.items()])
        await producer.flush()
    finally:
        await producer.stop()


def _wait_ready(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited with {process.returncode}"
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(url)


@pytest.fixture
def scene(infrastructure, tmp_path):
    """The marketplace (onboarding through a StoreLine), the hanging showcase, and Prometheus scraping all six."""
    store = urlparse(infrastructure.mongodb)
    line = StoreLine((store.hostname, store.port))
    line.up()
    ports = e2e_ports()
    prefix, run = f"prom-{uuid.uuid4().hex[:6]}.", uuid.uuid4().hex[:6]
    market = Marketplace(infrastructure.kafka, infrastructure.mongodb, ports=ports, log_dir=tmp_path / "logs",
                         issuer_port=18104 + _OFFSET if _free(18104 + _OFFSET) else _ephemeral(),
                         database_prefix=f"prom_{run}",
                         extra_env={"OUTBOX_POLL_SECONDS": "0.5", "KAFKA_TOPIC_PREFIX": prefix,
                                    "CONSUMER_CHECK_SECONDS": "1"})
    plain_env = market.env
    market.env = lambda service: plain_env(service) | (  # only onboarding's store is behind the line
        {"MONGODB_URL": f"mongodb://127.0.0.1:{line.port}/",
         "MONGODB_SERVER_SELECTION_TIMEOUT_MS": str(STORE_TIMEOUT_MS)} if service == "onboarding" else {})
    hanging_port, release = _ephemeral(), tmp_path / "release"
    hanging_env = market.env("showcase") | {
        "HTTP_PORT": str(hanging_port), "MONGODB_DATABASE": f"prom_{run}_hanging",
        "CONSUMER_GROUP_ID": f"tijara.showcase-hanging-{run}", "CONSUMER_STALL_SECONDS": str(STALL_SECONDS),
        "HANG_SUBJECT_PREFIX": f"sup-stuck-{run}", "HANG_RELEASE_FILE": str(release)}
    prometheus = Prometheus(tmp_path / "prometheus", _ephemeral())
    market.start()
    market.log_dir.mkdir(parents=True, exist_ok=True)
    hanging = subprocess.Popen([sys.executable, "-m", "tests.e2e.hanging_showcase"], cwd=ROOT, env=hanging_env,
                               stdout=open(market.log_dir / "showcase-hanging.log", "ab"), stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    try:
        market.wait_ready(120)
        _wait_ready(f"http://127.0.0.1:{hanging_port}", hanging)
        targets = {name: [f"127.0.0.1:{port}"] for name, port in ports.items()}
        targets["showcase"].append(f"127.0.0.1:{hanging_port}")  # a second showcase replica, as Prometheus sees it
        prometheus.start(render(targets, prometheus.home, "1s", TIME_SCALE, prometheus.port))
        yield market, prometheus, line, release, run, f"tijara.showcase-hanging-{run}"
    finally:
        release.touch()
        if line.listener is None:
            line.up()
        prometheus.stop()
        hanging.terminate()
        try:
            hanging.wait(15)
        except subprocess.TimeoutExpired:
            hanging.kill()
        market.stop()
        line.down()


def _firing(prometheus: Prometheus) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for alert in prometheus.alerts():
        if alert["state"] == "firing":
            found.setdefault(alert["labels"]["alertname"], []).append(alert["labels"])
    return found


def _wait(what: str, check, timeout: float, interval: float = 1.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f}s")
        time.sleep(interval)


def test_stalled_partition_lag_dead_letters_and_a_store_down_fire_their_alerts_and_resolve(scene, infrastructure):
    market, prometheus, line, release, run, hanging_group = scene
    prefix = market.extra_env["KAFKA_TOPIC_PREFIX"]
    _wait("every target up", lambda: all(t["health"] == "up" for t in prometheus.targets())
          and len(prometheus.targets()) == 8, 90)  # six services, a second showcase, itself

    stuck = f"sup-stuck-{run}"
    poison = {"ce_specversion": "1.0", "ce_id": f"poison-{run}", "ce_source": "/somewhere",
              "ce_type": "ma.tijara.inquiry.received.v1"}
    # the poison first: the hanging group dead-letters it before its handler hangs (a hung batch holds every topic
    # of its subscriber), so the dead-letter window starts now
    poisoned = time.monotonic()
    asyncio.run(_publish(infrastructure.kafka, prefix,
                         raw=[("inquiries.inquiries", f"inq-{run}".encode(), b"not an event", poison)]))
    _wait("the hanging group dead-lettered the poison", lambda: prometheus.query(
        f'tijara_events_consumed_total{{group="{hanging_group}", outcome="dead-lettered"}}'), 30)
    started = time.monotonic()
    asyncio.run(_publish(infrastructure.kafka, prefix,
                         events=[factories.supplier_verified(stuck, sequence=n) for n in range(2, 153)]))
    line.down()  # onboarding's store is gone; the shared store keeps running

    stalled_topic, dlq = f"{prefix}onboarding.suppliers", f"{prefix}inquiries.inquiries.dlq"
    wanted = {"TijaraPartitionStalled": {"group": hanging_group, "topic": stalled_topic},
              "TijaraConsumerLagGrowing": {"group": hanging_group, "topic": stalled_topic},
              "TijaraDeadLettersGrowing": {"topic": dlq},
              "TijaraOutboxRelayFailing": {"job": "onboarding"}}

    def matching(firing: dict[str, list[dict]], name: str) -> bool:
        return any(labels.items() >= wanted[name].items() for labels in firing.get(name, []))

    fired: dict[str, float] = {}

    def all_fired() -> bool:
        firing = _firing(prometheus)
        for name in wanted:
            if name not in fired and matching(firing, name):
                fired[name] = time.monotonic() - (poisoned if name == "TijaraDeadLettersGrowing" else started)
        return len(fired) == len(wanted)

    _wait(f"alerts firing (so far {fired})", all_fired, 120)
    lag = prometheus.query(f'max(tijara_consumer_lag{{group="{hanging_group}", topic="{stalled_topic}"}})')
    stalled = prometheus.query(f'max(tijara_partition_stalled{{group="{hanging_group}"}})')
    assert lag and lag[0]["value"] >= 150, lag
    assert stalled and stalled[0]["value"] == 1, stalled
    assert "TijaraServiceDown" not in _firing(prometheus), "every service still answers its scrapes"
    slack = 25  # detection: the stall threshold, Kafka asked every second, scrape and evaluation every second
    first_failure = 2 * STORE_TIMEOUT_MS / 1000  # the relay's first pass after the cut fails this late
    for name, after in fired.items():
        assert after <= FOR[name] + slack + (first_failure if name == "TijaraOutboxRelayFailing" else 0), fired

    release.touch()
    line.up()
    restored = time.monotonic()
    resolved: dict[str, float] = {}

    def all_resolved() -> bool:
        firing = _firing(prometheus) | {a["labels"]["alertname"]: [a["labels"]] for a in prometheus.alerts()}
        for name in wanted:
            if name not in resolved and not matching(firing, name):
                resolved[name] = time.monotonic() - restored
        return len(resolved) == len(wanted)

    _wait(f"alerts resolved (so far {resolved})", all_resolved, 180)  # the dead letters' window: 56 s
    assert prometheus.query(f'max(tijara_partition_stalled{{group="{hanging_group}"}})')[0]["value"] == 0
    print(f"\nPrometheus alerts (rules' durations / {TIME_SCALE}, scrape and evaluation 1 s): fired after "
          + ", ".join(f"{n} {s:.0f} s (for {FOR[n]:g} s)" for n, s in sorted(fired.items()))
          + "; resolved after the fault ended: " + ", ".join(f"{n} {s:.0f} s" for n, s in sorted(resolved.items())))
