"""Tokens for tests: the local issuer (deploy/local/issuer.py) runs as its own process, as under `make run`; tests
mint with its key, services verify against its JWKS over HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from deploy.local import issuer as local_issuer

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Issuer:
    url: str
    key_file: Path

    def token(self, role: str, subject: str | None = None, **options) -> str:
        return local_issuer.mint(local_issuer.load_or_create_key(self.key_file), self.url, role, subject, **options)

    def auth(self, role: str, subject: str | None = None) -> dict[str, str]:
        """Headers for a caller in `role`: staff, operator, agency:AMDIE, inspection:SGS, partner:clementia,
        supplier:<id>."""
        return {"Authorization": f"Bearer {self.token(role, subject)}"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_issuer(folder: Path) -> Iterator[Issuer]:
    key_file = folder / "signing-key.pem"
    local_issuer.load_or_create_key(key_file)
    port = _free_port()
    log = open(folder / "issuer.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", "deploy.local.issuer", "--port", str(port), "--key",
                                str(key_file)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the local issuer did not start; see {folder / 'issuer.log'}")
            time.sleep(0.2)
        yield Issuer(url, key_file)
    finally:
        process.terminate()
        process.wait(10)
