"""The six services as separate processes, as an operator would run them, with the local token issuer whose keys
they trust and the local SMTP server (Mailpit) notifications sends to: used by `make run` and the e2e and fault
tests. `OIDC_*` from the environment (or `extra_env`) win: with `OIDC_ISSUER` naming another identity provider
(Keycloak), the local issuer is not started and `token()` logs in to that provider (deploy/local/idp.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cli.common import LOCAL_HTTP_PORTS, stack_offset
from deploy.local import processes
from deploy.local.mailpit import Mailbox

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("onboarding", "catalogue", "inquiries", "showcase", "partners", "notifications")
ENTRY_POINTS = {"showcase": "deploy.local.demo_showcase"}  # the showcase with the demo's pictures; else services.<name>
_OFFSET = stack_offset()
RUN_PORTS = {name: port + _OFFSET for name, port in LOCAL_HTTP_PORTS.items()}  # the ports operators' commands know
ISSUER_PORT = 8008 + _OFFSET
MAIL_PORTS = (8025 + _OFFSET, 8026 + _OFFSET)  # Mailpit's web inbox and API, its SMTP
ISSUER = "issuer"


@dataclass
class Marketplace:
    """Starts, watches and stops the service processes; each gets its own log file and database."""

    kafka: str
    mongodb: str
    ports: dict[str, int] = field(default_factory=lambda: dict(RUN_PORTS))
    log_dir: Path = ROOT / ".stack" / "logs"
    database_prefix: str = "tijara"
    extra_env: dict[str, str] = field(default_factory=dict)
    group_suffix: str = ""  # consumer groups tijara.<service>.<suffix>: a run alone, apart from others on one Kafka
    issuer_port: int = ISSUER_PORT
    issuer_key: Path = ROOT / ".stack" / "issuer" / "signing-key.pem"  # generated once, reused across runs
    mail_ports: tuple[int, int] = MAIL_PORTS  # (web inbox and API, SMTP) of the local Mailpit
    mailbox: Mailbox | None = None  # started with the services when notifications is one of them
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    idp_tokens: Callable[[str], str] | None = None  # role spec -> token, when the issuer is not the local one

    def url(self, service: str) -> str:
        if service == ISSUER:
            return self.issuer_url
        return f"http://127.0.0.1:{self.ports[service]}"

    @property
    def issuer_url(self) -> str:
        return f"http://127.0.0.1:{self.issuer_port}"

    @property
    def oidc_issuer(self) -> str:
        """The issuer the services trust: OIDC_ISSUER if set (extra_env, then the environment), else the local one."""
        return self.extra_env.get("OIDC_ISSUER") or os.environ.get("OIDC_ISSUER") or self.issuer_url

    @property
    def local_issuer(self) -> bool:
        return self.oidc_issuer.rstrip("/") == self.issuer_url

    def token(self, role: str, subject: str | None = None, lifetime: int = 3600) -> str:
        """A token for a role spec, e.g. token("agency:AMDIE"): the local issuer's, as `tijara local token` prints it, or
        the configured identity provider's (then `subject` and `lifetime` are the provider's)."""
        if not self.local_issuer:
            if self.idp_tokens is None:
                from deploy.local import idp

                self.idp_tokens = idp.Tokens.from_env(self.oidc_issuer)
            return self.idp_tokens(role)
        from deploy.local import issuer

        return issuer.mint(issuer.load_or_create_key(self.issuer_key), self.issuer_url, role, subject, lifetime)

    def auth(self, role: str, subject: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, subject)}"}

    def env(self, service: str) -> dict[str, str]:
        return {  # replication 1 unless the environment says otherwise: the local stack is one broker
            "TOPIC_REPLICATION_FACTOR": "1", "TOPIC_MIN_INSYNC_REPLICAS": "1",
            "OIDC_ISSUER": self.issuer_url,  # the local issuer unless the environment names another
            **os.environ, "KAFKA_BOOTSTRAP_SERVERS": self.kafka, "MONGODB_URL": self.mongodb,
            "MONGODB_DATABASE": f"{self.database_prefix}_{service}", "HTTP_PORT": str(self.ports[service]),
            "PYTHONUNBUFFERED": "1",
            "INQUIRY_RATE_LIMIT": "100000/minute",  # the demo seeding and the tests send from one address
            **({"INQUIRIES_URL": self.url("inquiries")} if service == "showcase" and "inquiries" in self.ports else {}),
            **({"PAGE_COUNTRIES": os.environ.get("PAGE_COUNTRIES", '["MA", "TN"]')}  # both demo pages
               if service == "showcase" else {}),
            **(self._notifications_env() if service == "notifications" else {}),
            **({"CONSUMER_GROUP_ID": f"tijara.{service}.{self.group_suffix}"} if self.group_suffix else {}),
            **self.extra_env,
        }

    def _notifications_env(self) -> dict[str, str]:
        """The local relay (Mailpit, no TLS on loopback), the owners of contacts, the notifier's client (the local
        issuer's dev secret unless NOTIFIER_CLIENT_SECRET is set for both)."""
        urls = {f"{s.upper()}_URL": self.url(s) for s in ("onboarding", "inquiries", "partners", "showcase")
                if s in self.ports}
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.mail_ports[1]), "SMTP_SECURITY": "none",
                "PUBLIC_URL": self.url("notifications"), **urls}

    def start_mailbox(self) -> Mailbox:
        if self.mailbox is None:
            self.mailbox = Mailbox(self.mail_ports[1], self.mail_ports[0], self.log_dir / "mailpit",
                                   log_file=self.log_dir / "mailpit.log").start()
        return self.mailbox

    def start(self, *services: str) -> None:
        """The named services, or all of them after the local issuer (which they fetch their keys from) when they
        trust it."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if not services and self.local_issuer and (ISSUER not in self.processes
                                                   or self.processes[ISSUER].poll() is not None):
            from deploy.local import issuer

            issuer.load_or_create_key(self.issuer_key)  # here, so token() and the issuer never race to create it
            log = open(self.log_dir / f"{ISSUER}.log", "ab")
            self.processes[ISSUER] = subprocess.Popen(
                [sys.executable, "-m", "deploy.local.issuer", "--port", str(self.issuer_port),
                 "--key", str(self.issuer_key)], cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if not services and "notifications" in self.ports:
            self.start_mailbox()
        for name in services or tuple(s for s in SERVICES if s in self.ports):  # those given a port
            log = open(self.log_dir / f"{name}.log", "ab")
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", ENTRY_POINTS.get(name, f"services.{name}")], cwd=ROOT, env=self.env(name),
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )

    def wait_ready(self, timeout: float = 60.0, *services: str) -> None:
        deadline = time.monotonic() + timeout  # one deadline for them all
        for name in services or tuple(self.processes):
            processes.wait_answering(self.processes[name], f"{self.url(name)}/readyz", name,
                                     self.log_dir / f"{name}.log", max(0.0, deadline - time.monotonic()))

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
        if not services and self.mailbox is not None:
            self.mailbox.stop()
            self.mailbox = None
