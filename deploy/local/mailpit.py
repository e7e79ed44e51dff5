"""The local SMTP server: Mailpit (built from its Go module by deploy/local/tools.py into `.stack/bin`), on loopback.

It keeps every message it receives and shows them in a web inbox (`http://127.0.0.1:<http port>/`) and over an
HTTP API, which the tests read. `make run` starts one (the marketplace's notifications service sends to it); the
tests start their own on free ports. Chosen over an aiosmtpd sink because it builds from the Go module proxy like
the other tools (its web UI's assets are in the module) and gives the person running the demo a real inbox.

`refuse`: a regular expression of recipients it answers 550 for (Mailpit's --smtp-allowed-recipients, negated),
for the fault tests' permanent refusal.
"""

from __future__ import annotations

import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deploy.local import processes
from deploy.local.tools import provision_go_tool


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    """One Mailpit process and its API."""

    smtp_port: int
    http_port: int
    data_dir: Path
    log_file: Path | None = None
    allowed: str = ""  # recipients accepted (a regular expression); others get 550. Empty: all
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self, timeout: float = 30.0) -> Mailbox:
        binary = provision_go_tool("mailpit")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [str(binary), "--smtp", f"127.0.0.1:{self.smtp_port}", "--listen", f"127.0.0.1:{self.http_port}",
                   "--database", str(self.data_dir / "mailpit.db"), "--max", "100000",
                   "--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--smtp-disable-rdns"]
        if self.allowed:
            command += ["--smtp-allowed-recipients", self.allowed]
        log = open(self.log_file or self.data_dir / "mailpit.log", "ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        processes.wait_answering(self.process, f"{self.url}/readyz", "mailpit", Path(log.name), timeout, 0.2)
        return self

    def stop(self) -> None:
        processes.stop(self.process, grace=10)

    # --- reading the inbox ------------------------------------------------------------------------------------

    def messages(self, query: str = "", limit: int = 1000) -> list[dict]:
        """Summaries (ID, MessageID, From, To, Subject, ...), newest first; `query` in Mailpit's search syntax,
        e.g. `to:"buyer@example.com"`."""
        path, params = ("/api/v1/search", {"query": query}) if query else ("/api/v1/messages", {})
        answer = httpx.get(f"{self.url}{path}", params={**params, "limit": limit}, timeout=10)
        answer.raise_for_status()
        return answer.json()["messages"] or []

    def to(self, address: str) -> list[dict]:
        return [m for m in self.messages(f'to:"{address}"')
                if any(a["Address"].lower() == address.lower() for a in m["To"])]

    def message(self, mailpit_id: str) -> dict:
        """One message: Text, HTML, Subject, MessageID, ... (Mailpit's JSON)."""
        answer = httpx.get(f"{self.url}/api/v1/message/{mailpit_id}", timeout=10)
        answer.raise_for_status()
        return answer.json()

    def headers(self, mailpit_id: str) -> dict[str, list[str]]:
        answer = httpx.get(f"{self.url}/api/v1/message/{mailpit_id}/headers", timeout=10)
        answer.raise_for_status()
        return answer.json()

    def clear(self) -> None:
        httpx.delete(f"{self.url}/api/v1/messages", timeout=10).raise_for_status()
