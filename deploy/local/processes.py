"""The local servers this folder starts as child processes (Mailpit, Prometheus, Jaeger, the services): one way to
wait until one answers over HTTP, and one way to stop it."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx


def wait_answering(process: subprocess.Popen, url: str, name: str, log: Path, timeout: float,
                   interval: float = 0.3) -> None:
    """Until `url` answers 200; a process that exits first, or a deadline passed, is an error naming its log."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see {log}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} not ready after {timeout:.0f}s; see {log}")
        time.sleep(interval)


def stop(process: subprocess.Popen | None, grace: float = 15.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds; nothing for a process that is gone or never started."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
