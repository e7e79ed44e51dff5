"""The local stack: real Apache Kafka (KRaft) and a MongoDB-wire store, provisioned from registries, without Docker.

`python -m deploy.local.stack up --profile test` provisions (once, cached under `.stack/`), starts both servers,
waits until Kafka answers a metadata request and the store answers `ping`, and prints where they listen.
The store is mongo-java-server on H2, chosen by measurement: see deploy/local/store_server.py and bench/stores.py.
Profiles `run` and `test` use different ports and data folders, so both can run side by side; `run` keeps its data
across restarts, `test` starts from empty data on every `up`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console

from deploy.local import kafka_security
from deploy.local import store_server as store

ROOT = Path(__file__).resolve().parents[2]
HOME = Path(os.environ.get("TIJARA_STACK_HOME", ROOT / ".stack"))
KAFKA_LIB = HOME / "kafka" / "lib"
HERE = Path(__file__).resolve().parent

console = Console(stderr=True)
cli = typer.Typer(help="Run real Kafka and a MongoDB-wire store locally, without Docker.", no_args_is_help=True)


@dataclass(frozen=True)
class Profile:
    name: str
    kafka_port: int
    controller_port: int
    mongo_port: int
    keep_data: bool

    @property
    def dir(self) -> Path:
        return HOME / "profiles" / self.name

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def mongodb_url(self) -> str:
        return f"mongodb://127.0.0.1:{self.mongo_port}/"


def profile(name: str) -> Profile:
    offset = int(os.environ.get("TIJARA_STACK_PORT_OFFSET", "0"))
    base = {"run": (9092, 9093, 27017, True), "test": (19092, 19093, 27117, False)}[name]
    kafka, ctrl, mongo, keep = base
    env = os.environ.get
    return Profile(
        name,
        int(env("TIJARA_KAFKA_PORT", kafka + offset)),
        int(env("TIJARA_KAFKA_CONTROLLER_PORT", ctrl + offset)),
        int(env("TIJARA_MONGO_PORT", mongo + offset)),
        keep,
    )


# --- provisioning -------------------------------------------------------------------------------------------------


def _run(cmd: list[str], what: str, **kw) -> None:
    with console.status(f"[bold]{what}[/] …"):
        done = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if done.returncode != 0:
        console.print(done.stdout[-3000:], done.stderr[-3000:])
        raise typer.Exit(f"{what} failed: {' '.join(cmd)}")
    console.print(f"[green]✓[/] {what}")


def provision_kafka() -> None:
    if KAFKA_LIB.is_dir() and any(KAFKA_LIB.glob("kafka_2.13-*.jar")):
        return
    KAFKA_LIB.parent.mkdir(parents=True, exist_ok=True)
    _run(
        ["mvn", "-q", "-B", "-f", str(HERE / "kafka-pom.xml"), "dependency:copy-dependencies",
         f"-DoutputDirectory={KAFKA_LIB}", "-DincludeScope=runtime"],
        "Fetching Apache Kafka jars from Maven Central",
    )


def provision_store() -> None:
    store.provision(HOME, _run)


# --- processes ----------------------------------------------------------------------------------------------------


def _pid_file(p: Profile, server: str) -> Path:
    return p.dir / f"{server}.pid"


def _alive(pid: int) -> bool:
    try:  # reap it first if it is our own child, or it lingers as a zombie that still "exists"
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def running(p: Profile, server: str) -> int | None:
    f = _pid_file(p, server)
    if f.exists():
        pid = int(f.read_text())
        if _alive(pid):
            return pid
    return None


def _spawn(p: Profile, server: str, cmd: list[str]) -> None:
    log = open(p.dir / f"{server}.log", "ab")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, cwd=p.dir)
    _pid_file(p, server).write_text(str(proc.pid))


def _kafka_config(p: Profile) -> Path:
    template = (HERE / "server.properties.template").read_text()
    cfg = p.dir / "server.properties"
    cfg.write_text(template.format(port=p.kafka_port, controller_port=p.controller_port, data=p.dir / "kafka-data")
                   + kafka_security.broker_properties(secured_listeners(p), p.controller_port))
    return cfg


def secured_listeners(p: Profile) -> kafka_security.Listeners:
    """The broker's TLS, mTLS and SASL_SSL listeners and the client settings for each (deploy/local/kafka_security)."""
    return kafka_security.listeners("127.0.0.1", p.kafka_port, p.dir)


def start_kafka(p: Profile) -> None:
    if running(p, "kafka"):
        return
    cfg = _kafka_config(p)
    java = ["java", "-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:TieredStopAtLevel=1",
            f"-Dlog4j2.configurationFile={HERE / 'log4j2.properties'}", f"-Dkafka.logs.dir={p.dir}",
            "-cp", f"{KAFKA_LIB}/*"]
    if not (p.dir / "kafka-data" / "meta.properties").exists():
        cluster_id = uuid.uuid4().hex[:22]
        _run([*java, "kafka.tools.StorageTool", "format", "--standalone", "-t", cluster_id, "-c", str(cfg),
              *kafka_security.scram_format_arguments()],
             "Formatting Kafka storage (KRaft)")
    _spawn(p, "kafka", [*java, "kafka.Kafka", str(cfg)])


def start_store(p: Profile) -> None:
    if running(p, store.NAME):
        return
    _spawn(p, store.NAME, store.command(HOME, p.mongo_port, p.dir / "store-data"))


async def _kafka_answers(p: Profile) -> bool:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=p.bootstrap, request_timeout_ms=3000)
    try:
        await admin.start()
        await admin.describe_cluster()
        return True
    except Exception:
        return False
    finally:
        await admin.close()


async def _mongo_answers(p: Profile) -> bool:
    from pymongo import AsyncMongoClient

    client = AsyncMongoClient(p.mongodb_url, serverSelectionTimeoutMS=1000)
    try:
        await client.admin.command("ping")
        return True
    except Exception:
        return False
    finally:
        await client.close()


def wait_until_ready(p: Profile, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    checks = {"kafka": _kafka_answers, store.NAME: _mongo_answers}
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # refused connections are expected while starting
    with console.status("Waiting for Kafka and the store to answer …"):
        while checks and time.monotonic() < deadline:
            for name, check in list(checks.items()):
                if not running(p, name):
                    raise typer.Exit(f"{name} exited during start-up; see {p.dir / (name + '.log')}")
                if asyncio.run(check(p)):
                    checks.pop(name)
            if checks:
                time.sleep(0.5)
    if checks:
        raise typer.Exit(f"not ready after {timeout:.0f}s: {', '.join(checks)}; logs in {p.dir}")


def stop_server(p: Profile, server: str, grace: float = 20.0) -> None:
    pid = running(p, server)
    if pid:
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            os.killpg(pid, signal.SIGKILL)
    _pid_file(p, server).unlink(missing_ok=True)


def restart_kafka(p: Profile, away_seconds: float = 0.0) -> None:
    """Stop the broker (SIGTERM, as an orchestrator would), leave it away a while, start it, wait until it answers."""
    stop_server(p, "kafka")
    time.sleep(away_seconds)
    start_kafka(p)
    wait_until_ready(p)


# --- commands -----------------------------------------------------------------------------------------------------


def up(name: str) -> Profile:
    p = profile(name)
    provision_kafka()
    provision_store()
    if not p.keep_data and not (running(p, "kafka") or running(p, store.NAME)):
        shutil.rmtree(p.dir, ignore_errors=True)
    p.dir.mkdir(parents=True, exist_ok=True)
    start_store(p)
    start_kafka(p)
    wait_until_ready(p)
    return p


@cli.command("up")
def up_command(profile_name: str = typer.Option("run", "--profile", help="run or test")) -> None:
    """Provision (once), start and wait for Kafka and the store; print where they listen."""
    started = time.monotonic()
    p = up(profile_name)
    console.print(f"[green]✓[/] stack [bold]{p.name}[/] ready in {time.monotonic() - started:.1f}s")
    print(f"KAFKA_BOOTSTRAP_SERVERS={p.bootstrap}")
    print(f"MONGODB_URL={p.mongodb_url}")


@cli.command("down")
def down_command(profile_name: str = typer.Option("run", "--profile")) -> None:
    """Stop Kafka and the store cleanly (SIGTERM, then SIGKILL after a grace period)."""
    p = profile(profile_name)
    stop_server(p, "kafka")
    stop_server(p, store.NAME)
    console.print(f"[green]✓[/] stack [bold]{p.name}[/] stopped")


@cli.command("env")
def env_command(profile_name: str = typer.Option("run", "--profile")) -> None:
    """Print the connection settings of a profile as environment assignments."""
    p = profile(profile_name)
    print(f"KAFKA_BOOTSTRAP_SERVERS={p.bootstrap}\nMONGODB_URL={p.mongodb_url}")
    print("TOPIC_REPLICATION_FACTOR=1\nTOPIC_MIN_INSYNC_REPLICAS=1")  # one broker


@cli.command("provision")
def provision_command() -> None:
    """Fetch Kafka and the store into the cache without starting anything."""
    provision_kafka()
    provision_store()


if __name__ == "__main__":
    cli()
