"""`python -m bench.capacity measure`: the capacity plan's inputs no other benchmark records.

- Bytes an event takes on each stream: value, CloudEvents headers (a `traceparent` included, as production sends
  it) and key, over the events bench.page seeds (supplier, listing, inquiry received and answered), per topic.
- The showcase's page model at launch size: the peak resident memory of `python -m bench.page_rebuild --repeat 1`
  (5,000 suppliers, 50,000 products, 25,000 inquiries in one process, its input events held beside the model).
- Each service process against the running stack (KAFKA_BOOTSTRAP_SERVERS, MONGODB_URL; its own topic prefix and
  databases): seconds to start, resident memory after start (VmRSS; no data loaded), seconds from SIGTERM to exit.

Written to docs/bench/capacity-inputs-<date>.txt, which bench.measured.Inputs reads.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime

import httpx

from bench.measured import RECORDED, ROOT
from bench.page import seed_events
from shared.contracts.envelope import Envelope

PORTS = {"showcase": 8000, "onboarding": 8001, "catalogue": 8002, "inquiries": 8003, "partners": 8004}
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def event_bytes() -> list[str]:
    sizes: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for event in seed_events(100, 1000, 3000):
        envelope = Envelope(event, "/bench", traceparent=TRACEPARENT)
        headers = sum(len(k) + len(v.encode()) for k, v in envelope.headers().items())
        sizes[envelope.topic].append((len(envelope.value()), headers, len(envelope.key)))
    lines = []
    for topic, rows in sorted(sizes.items()):
        value, headers, key = (sum(r[i] for r in rows) / len(rows) for i in range(3))
        lines.append(f"topic {topic} bytes_per_event={value + headers + key:.0f} value={value:.0f} "
                     f"headers={headers:.0f} key={key:.0f} events={len(rows)}")
    return lines


def _process(name: str, port: int, run: str) -> str:
    env = {**os.environ, "HTTP_PORT": str(port), "KAFKA_TOPIC_PREFIX": f"{run}.", "MONGODB_DATABASE": f"{run}_{name}",
           "TOPIC_REPLICATION_FACTOR": "1", "TOPIC_MIN_INSYNC_REPLICAS": "1", "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([sys.executable, "-m", f"services.{name}"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    try:
        while not _answers(f"http://127.0.0.1:{port}/healthz"):
            if process.poll() is not None or time.monotonic() - started > 120:
                raise SystemExit(f"{name} did not start")
            time.sleep(0.2)
        start_s = time.monotonic() - started
        time.sleep(5)  # its background jobs have run once
        with open(f"/proc/{process.pid}/status") as status:
            rss_kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
        termed = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(60)
        return (f"process {name} start_s={start_s:.1f} rss_mib={rss_kib / 1024:.0f} "
                f"drain_s={time.monotonic() - termed:.2f} exit={code}")
    finally:
        if process.poll() is None:
            process.kill()


def launch_model() -> str:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "bench.page_rebuild", "--repeat", "1"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far: this one
    return f"model showcase-launch rss_mib={peak_kib / 1024:.0f} seconds={time.monotonic() - started:.0f}"


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def measure() -> None:
    now = datetime.now(UTC)
    offset = int(os.environ.get("TIJARA_STACK_PORT_OFFSET", "0"))
    run = f"capacity{int(now.timestamp())}"
    lines = [f"Capacity inputs, {now:%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f} "
             f"(python -m bench.capacity measure)", *event_bytes()]
    lines += [launch_model()]  # first: RUSAGE_CHILDREN keeps the peak of every child waited for
    lines += [_process(name, port + offset, run) for name, port in PORTS.items()]
    path = RECORDED / f"capacity-inputs-{now:%Y-%m-%d}.txt"
    path.write_text("\n".join(lines) + "\n")
    print("\n".join(lines) + f"\nwritten to {path.relative_to(ROOT)}")
