"""A three-broker Kafka cluster on one machine, as production runs it: three combined broker+controller nodes in
KRaft (a static quorum of three voters: one node can die and the other two keep electing leaders), internal topics
at replication 3 and min ISR 2. For the fault test that kills a broker mid-stream; 256 MB heap per node.

    python -m deploy.local.cluster up      # prints KAFKA_BOOTSTRAP_SERVERS and the topic settings to use
    python -m deploy.local.cluster down

Ports: 19200+n (clients) and 19210+n (controllers) for nodes n = 1..3, shifted by TIJARA_STACK_PORT_OFFSET.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import typer

from deploy.local import stack

NODES = (1, 2, 3)
cli = typer.Typer(help="A three-broker Kafka cluster for fault tests.", no_args_is_help=True)


@dataclass(frozen=True)
class Cluster:
    offset: int

    @property
    def dir(self) -> Path:
        return stack.HOME / "profiles" / "cluster"

    def port(self, node: int) -> int:
        return 19200 + self.offset + node

    def controller_port(self, node: int) -> int:
        return 19210 + self.offset + node

    @property
    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{self.port(n)}" for n in NODES)

    def node(self, n: int) -> stack.Profile:
        """A node as a stack profile, so the stack's process helpers (spawn, pid files, stop) serve it too."""
        return stack.Profile(f"cluster/node{n}", self.port(n), self.controller_port(n), 0, keep_data=False)


def local() -> Cluster:
    return Cluster(int(os.environ.get("TIJARA_STACK_PORT_OFFSET", "0")))


def _config(c: Cluster, n: int) -> str:
    voters = ",".join(f"{v}@127.0.0.1:{c.controller_port(v)}" for v in NODES)
    return f"""process.roles=broker,controller
node.id={n}
controller.quorum.voters={voters}
listeners=PLAINTEXT://127.0.0.1:{c.port(n)},CONTROLLER://127.0.0.1:{c.controller_port(n)}
advertised.listeners=PLAINTEXT://127.0.0.1:{c.port(n)}
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs={c.node(n).dir / 'data'}
auto.create.topics.enable=false
num.partitions=3
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
offsets.topic.replication.factor=3
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
group.initial.rebalance.delay.ms=0
# a consumer commits after each batch and waits for the answer: the group coordinator answers at once instead of
# lingering 5 ms for other groups' commits to share its write (commit p50 6.0 -> 1.5 ms, docs/operations.md)
group.coordinator.append.linger.ms=0
# a dead node is fenced (its partitions get new leaders) after 4 s instead of 9
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
"""


def _java(n: int) -> list[str]:
    return ["java", "-Xms128m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            f"-Dlog4j2.configurationFile={stack.HERE / 'log4j2.properties'}", "-cp", f"{stack.KAFKA_LIB}/*"]


def start_node(c: Cluster, n: int) -> None:
    node = c.node(n)
    if stack.running(node, "kafka"):
        return
    stack._spawn(node, "kafka", [*_java(n), "kafka.Kafka", str(node.dir / "server.properties")])


def kill_node(c: Cluster, n: int) -> None:
    """kill -9: no controlled shutdown, no leadership hand-over; the node's unflushed page cache is the OS's."""
    pid = stack.running(c.node(n), "kafka")
    if pid:
        os.killpg(pid, signal.SIGKILL)
        while stack._alive(pid):
            time.sleep(0.05)


def up(c: Cluster, timeout: float = 120.0) -> Cluster:
    """Fresh data on every start (a test cluster), then wait until all three brokers are registered."""
    stack.provision_kafka()
    if not any(stack.running(c.node(n), "kafka") for n in NODES):
        shutil.rmtree(c.dir, ignore_errors=True)
        _format(c, uuid.uuid4().hex[:22])
    for n in NODES:
        start_node(c, n)
    wait_for_brokers(c, len(NODES), timeout)
    return c


def _format(c: Cluster, cluster_id: str) -> None:
    """The three nodes' storage, formatted side by side (each is a JVM start: seconds on a busy machine)."""
    formats = []
    for n in NODES:
        node = c.node(n)
        node.dir.mkdir(parents=True)
        (node.dir / "server.properties").write_text(_config(c, n))
        formats.append(subprocess.Popen([*_java(n), "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c",
                                         str(node.dir / "server.properties")], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True))
    for n, done in zip(NODES, formats, strict=True):
        output, _ = done.communicate()
        if done.returncode:
            raise RuntimeError(f"formatting Kafka node {n} failed: {output[-2000:]}")


def wait_for_brokers(c: Cluster, count: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # refused connections are expected while starting
    while (seen := asyncio.run(_brokers(c))) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{seen} of {count} Kafka nodes registered after {timeout:.0f}s; logs in {c.dir}")
        time.sleep(0.5)


async def _brokers(c: Cluster) -> int:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=c.bootstrap, request_timeout_ms=3000)
    try:
        await admin.start()
        return len((await admin.describe_cluster())["brokers"])
    except Exception:
        return 0
    finally:
        await admin.close()


def down(c: Cluster, grace: float = 5.0) -> None:
    """SIGTERM to the three nodes at once, SIGKILL to any still up after `grace` seconds: the data is thrown away on
    the next `up`, and one by one the last node, alone without a quorum, waited out its controlled shutdown (20 s)."""
    stops = [threading.Thread(target=stack.stop_server, args=(c.node(n), "kafka", grace)) for n in NODES]
    for stop in stops:
        stop.start()
    for stop in stops:
        stop.join()


@cli.command("up")
def up_command() -> None:
    """Format (fresh) and start the three nodes; wait until all are brokers of the cluster."""
    c = up(local())
    print(f"KAFKA_BOOTSTRAP_SERVERS={c.bootstrap}\nTOPIC_REPLICATION_FACTOR=3\nTOPIC_MIN_INSYNC_REPLICAS=2")


@cli.command("down")
def down_command() -> None:
    down(local())


if __name__ == "__main__":
    cli()
