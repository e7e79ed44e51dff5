"""The four services as separate processes, as an operator would run them: used by `make run` and the e2e tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("onboarding", "catalogue", "inquiries", "showcase")
_OFFSET = int(os.environ.get("TIJARA_STACK_PORT_OFFSET", "0"))
RUN_PORTS = {"showcase": 8000 + _OFFSET, "onboarding": 8001 + _OFFSET, "catalogue": 8002 + _OFFSET,
             "inquiries": 8003 + _OFFSET}


@dataclass
class Marketplace:
    """Starts, watches and stops the service processes; each gets its own log file and database."""

    kafka: str
    mongodb: str
    ports: dict[str, int] = field(default_factory=lambda: dict(RUN_PORTS))
    log_dir: Path = ROOT / ".stack" / "logs"
    database_prefix: str = "tijara"
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def env(self, service: str) -> dict[str, str]:
        return {  # replication 1 unless the environment says otherwise: the local stack is one broker
            "TOPIC_REPLICATION_FACTOR": "1", "TOPIC_MIN_INSYNC_REPLICAS": "1",
            **os.environ, "KAFKA_BOOTSTRAP_SERVERS": self.kafka, "MONGODB_URL": self.mongodb,
            "MONGODB_DATABASE": f"{self.database_prefix}_{service}", "HTTP_PORT": str(self.ports[service]),
            "PYTHONUNBUFFERED": "1", **self.extra_env,
        }

    def start(self, *services: str) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in services or SERVICES:
            log = open(self.log_dir / f"{name}.log", "ab")
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", f"services.{name}"], cwd=ROOT, env=self.env(name),
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )

    def wait_ready(self, timeout: float = 60.0, *services: str) -> None:
        deadline = time.monotonic() + timeout
        for name in services or tuple(self.processes):
            while True:
                proc = self.processes[name]
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.log_dir / name}.log")
                try:
                    if httpx.get(f"{self.url(name)}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{name} not ready after {timeout:.0f}s; see {self.log_dir / name}.log")
                time.sleep(0.3)

    def signal(self, service: str, sig: int) -> None:
        self.processes[service].send_signal(sig)

    def stop(self, *services: str, grace: float = 15.0) -> None:
        names = services or tuple(self.processes)
        for name in names:
            if self.processes[name].poll() is None:
                self.processes[name].send_signal(signal.SIGTERM)
        for name in names:
            try:
                self.processes[name].wait(grace)
            except subprocess.TimeoutExpired:
                self.processes[name].kill()
                self.processes[name].wait()
