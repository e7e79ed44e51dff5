"""The country page served near the server's limit, and fresh at once: both measured in one run.

    .venv/bin/python -m bench.page                    # the `run` stack is started if needed; ~2 minutes

1. Serving: wrk (Debian's `wrk`, `make setup` installs it) at concurrency 32 against the page JSON, the HTML in
   English and in Arabic, and two limits of the very same showcase app on the same uvicorn: its `/healthz` (not
   traced) and a FastAPI hello endpoint added by bench/page_app.py (which pays the same per-request telemetry as
   the page, production defaults). Prints requests/s, p50 and p99, each row's ratio to `/healthz` and to hello, and
   the server's CPU per request (its /proc CPU time over the requests wrk completed). wrk is closed-loop: at concurrency 32 it keeps
   the server saturated, so its p99 is mostly queueing (Little's law: 32 / rate). Hence a second table:
   1b. At a fixed rate below saturation (`--fixed-share`, default 50 % of hello's wrk rate), open-loop with vegeta
   (Go module proxy, provisioned into .stack/bin like the deployment tools): requests leave on schedule whether or
   not earlier ones came back, so a stall shows in the tail instead of slowing the sender (no coordinated omission).
   `--pin` gives the server and the load generator a core each (taskset), as two machines would.
2. Write -> visible: inquiries at 50 writes/s, each timed from its write until the page JSON counts it (the page
   is polled every few milliseconds). The write is an `inquiry.received` event published to the log (the
   showcase's own part); with --through-inquiries also `POST /inquiries` to the inquiries service (its outbox,
   relay and the store's write speed included).
   Inquiries go to different partitions, so the n-th counted inquiry is taken as the n-th sent (FIFO per partition).

Every run uses its own topic prefix and databases on the stack, seeded with a demo-sized marketplace. With
KAFKA_BOOTSTRAP_SERVERS and MONGODB_URL set, that running Kafka and store are used instead of the `run` stack.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from aiokafka import AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from bench.rates import cpu_seconds
from deploy.local import stack, tools
from deploy.local.marketplace import Marketplace
from shared.contracts.envelope import Envelope
from shared.messaging.topics import ensure_topics, marketplace_topics
from tests import factories

HEALTHZ, HELLO = "healthz (limit)", "hello"
AS_SHIPPED = {"LOG_LEVEL": "INFO", "LOG_FORMAT": "json"}  # the showcase's access log as deploy/k8s/base sets it
GOALS = "goals: page >= 0.6x healthz, >= 0.5x hello and p99 <= 20 ms; write -> visible p50 <= 150 ms, p99 <= 400 ms"
VEGETA = tools.BIN / "vegeta"


def seed_events(suppliers: int, products: int, inquiries: int) -> list:
    """A demo-sized page: verified suppliers, their listings, inquiries of the last weeks, most answered."""
    now = datetime.now(UTC)
    events = [factories.supplier_verified(f"sup-{n}", trade_name=f"Atlas Trader {n}") for n in range(suppliers)]
    categories = ["argan-and-cosmetics", "seafood", "handicrafts", "leather", "spices-and-dates"]
    for n in range(products):
        events.append(factories.product_listed(
            f"prd-{n}", f"sup-{n % suppliers}", category=categories[n % len(categories)],
            title={"en": f"Product {n} from Morocco", "fr": f"Produit {n} du Maroc"}))
    for n in range(inquiries):
        received = now - timedelta(hours=1 + n % 600)
        supplier, product = f"sup-{n % suppliers}", f"prd-{n % products}"
        events.append(factories.inquiry_received(f"inq-{n}", supplier, product, ["US", "CA", "FR", "AE"][n % 4],
                                                 received_at=received))
        if n % 3:
            events.append(factories.inquiry_responded(f"inq-{n}", supplier, product,
                                                      received + timedelta(minutes=20 + 97 * (n % 40)),
                                                      ["US", "CA", "FR", "AE"][n % 4], received_at=received))
    return events


async def publish(bootstrap: str, prefix: str, events: list) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    try:
        sends = [await producer.send(prefix + e.topic, e.value(), key=e.key,
                                     headers=[(k, v.encode()) for k, v in e.headers().items()])
                 for e in (Envelope(event, "/bench") for event in events)]
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


def wrk(url: str, seconds: int, concurrency: int, threads: int = 2, cpus: str | None = None,
        server_pid: int | None = None) -> dict[str, float]:
    """Closed loop; with `server_pid`, also the server's CPU per request (µs)."""
    cpu_before = cpu_seconds(server_pid) if server_pid else 0.0
    out = subprocess.run([*_pinned(cpus), "wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: _ms(re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", out, re.M).groups()) for p in ("50", "99")}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    cpu_us = (cpu_seconds(server_pid) - cpu_before) / requests * 1e6 if server_pid and requests else 0.0
    return {"rps": rps, "p50": latency["50"], "p99": latency["99"], "cpu_us": cpu_us}


def at_fixed_rate(url: str, rate: float, seconds: int, cpus: str | None = None) -> dict[str, float]:
    """Open loop: `rate` requests/s on schedule for `seconds`; latency quantiles and the rate achieved."""
    attack = subprocess.run([*_pinned(cpus), str(VEGETA), "attack", f"-rate={rate:.0f}/s", f"-duration={seconds}s",
                             "-timeout=5s", "-http2=false"], input=f"GET {url}\n".encode(), capture_output=True,
                            check=True)
    report = json.loads(subprocess.run([str(VEGETA), "report", "-type=json"], input=attack.stdout,
                                       capture_output=True, check=True).stdout)
    # a request not answered within 5 s is a result (the rate was above what the server sustains), not a crash
    return {"rps": report["throughput"], "p50": report["latencies"]["50th"] / 1e6,
            "p99": report["latencies"]["99th"] / 1e6, "failed": report["requests"] - report["status_codes"].get("200", 0)}


def _pinned(cpus: str | None) -> list[str]:
    return ["taskset", "-c", cpus] if cpus else []


def _ms(found: tuple[str, str]) -> float:
    value, unit = found
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


async def write_to_visible(page_url: str, writes: int, rate: float, write) -> list[float]:
    """Latency of each write until the page JSON's inquiry count includes it."""
    async with httpx.AsyncClient(timeout=10) as http:
        base = (await http.get(page_url)).json()["headline"]["inquiries_30d"]
        sent: list[float] = []
        seen: list[float] = []
        done = asyncio.Event()

        async def poll() -> None:
            etag = None
            while len(seen) < writes:
                response = await http.get(page_url, headers={"If-None-Match": etag} if etag else {})
                if response.status_code == 200:
                    etag = response.headers["etag"]
                    counted = response.json()["headline"]["inquiries_30d"] - base
                    now = time.perf_counter()
                    while len(seen) < min(counted, len(sent)):
                        seen.append(now)
                await asyncio.sleep(0.003)
            done.set()

        poller = asyncio.create_task(poll())
        start = time.perf_counter()
        for n in range(writes):
            await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
            sent.append(time.perf_counter())
            asyncio.create_task(write(n))
        await asyncio.wait_for(done.wait(), timeout=60 + writes / rate)
        poller.cancel()
        return [(s - w) * 1000 for s, w in zip(seen, sent, strict=True)]


def quantile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def freshness(market: Marketplace, bootstrap: str, prefix: str, writes: int, rate: float,
                    through_inquiries: bool) -> dict[str, list]:
    page = f"{market.url('showcase')}/api/countries/ma"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    run = uuid.uuid4().hex[:6]

    async def event_write(n: int) -> None:
        e = Envelope(factories.inquiry_received(f"fresh-{run}-{n}", "sup-0", "prd-0", "CA",
                                                received_at=datetime.now(UTC)), "/bench")
        await producer.send(prefix + e.topic, e.value(), key=e.key,
                            headers=[(k, v.encode()) for k, v in e.headers().items()])

    async with httpx.AsyncClient(base_url=market.url("inquiries"), timeout=10) as http:
        async def http_write(n: int) -> None:
            response = await http.post("/inquiries", json={
                "product_id": "prd-0", "buyer_company": f"Maple {n}", "buyer_country": "CA",
                "contact_email": "buyer@maple.example", "quantity": 100, "unit": "kg", "message": "bench"})
            response.raise_for_status()

        try:
            results = {"event published": await write_to_visible(page, writes, rate, event_write)}
            if through_inquiries:
                results["POST /inquiries"] = await write_to_visible(page, writes, rate, http_write)
            return results
        finally:
            await producer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per endpoint")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="wrk rounds over all endpoints; medians are shown")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--pin", action="store_true",
                        help="server on CPU 0, wrk and vegeta on CPU 1 (taskset): a core each, as two machines")
    parser.add_argument("--no-freeze", action="store_true", help="compare: the server without gc.freeze at start")
    parser.add_argument("--asyncio", action="store_true",
                        help="compare: the server on asyncio's loop and h11 instead of uvloop and httptools")
    parser.add_argument("--fixed-share", type=float, default=0.5,
                        help="the open-loop table's rate, as a share of hello's wrk rate (0: no such table)")
    parser.add_argument("--writes", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50.0, help="writes per second")
    parser.add_argument("--through-inquiries", action="store_true",
                        help="also time POST /inquiries -> visible (the inquiries service's outbox and relay, and the "
                             "store's write speed, included)")
    parser.add_argument("--scale", type=int, nargs=3, default=(46, 210, 300), metavar=("SUPPLIERS", "PRODUCTS",
                                                                                         "INQUIRIES"))
    parser.add_argument("--against", metavar="URL",
                        help="measure a showcase already running (e.g. `make run` after `tijara local seed --scale launch`) "
                             "instead of starting one: serving only, against its own /healthz as the limit")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install wrk")
    if args.fixed_share:
        tools.provision_go_tool("vegeta")
    if args.against:
        return serve_running(args.against.rstrip("/"), args)
    server_cpus, client_cpus = ("0", "1") if args.pin else (None, None)
    bootstrap, mongodb_url, log_dir = _stack()
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    asyncio.run(ensure_topics(bootstrap, marketplace_topics(3, prefix)))
    asyncio.run(publish(bootstrap, prefix, seed_events(*args.scale)))
    market = Marketplace(bootstrap, mongodb_url, log_dir=log_dir,
                         database_prefix=prefix.rstrip("."),
                         extra_env={"KAFKA_TOPIC_PREFIX": prefix, "LOG_LEVEL": "WARNING"})
    market.start("inquiries")
    market.processes["showcase"] = subprocess.Popen(  # the showcase with the hello endpoint beside its pages
        [*_pinned(server_cpus), sys.executable, "-m", "bench.page_app"],
        env=market.env("showcase") | AS_SHIPPED | ({"BENCH_NO_FREEZE": "1"} if args.no_freeze else {})
        | ({"BENCH_ASYNCIO": "1"} if args.asyncio else {}),
        stdin=subprocess.DEVNULL,
        stdout=open(market.log_dir / "showcase.log", "ab"), stderr=subprocess.STDOUT)
    try:
        market.wait_ready(90, "showcase", "inquiries")
        base = market.url("showcase")
        patience = max(120.0, sum(args.scale) / 500)  # a launch-sized log takes minutes to load
        _wait_for_products(f"{base}/api/countries/ma", args.scale[1], patience)
        lag = asyncio.run(_group_lag(bootstrap, prefix, "tijara.showcase", patience))
        endpoints = [(HEALTHZ, "/healthz"), (HELLO, "/bench/hello"), ("page JSON", "/api/countries/ma"),
                     ("page HTML en", "/countries/ma?lang=en"), ("page HTML ar", "/countries/ma?lang=ar")]
        httpx.get(f"{base}/bench/gc")  # counts from here
        pid = market.processes["showcase"].pid
        rows = _median_rounds(args.rounds, [(name, lambda path=path: wrk(
            base + path, args.seconds, args.concurrency, args.threads, client_cpus, pid)) for name, path in endpoints])
        fixed_rate = rows[HELLO]["rps"] * args.fixed_share
        fixed = _median_rounds(args.rounds, [(name, lambda path=path: at_fixed_rate(
            base + path, fixed_rate, args.seconds, client_cpus)) for name, path in endpoints]) if fixed_rate else {}
        collections = httpx.get(f"{base}/bench/gc").json()
        cpu_before, wall_before = cpu_seconds(market.processes["showcase"].pid), time.monotonic()
        rebuilds_before = _rebuilds(base)
        fresh = asyncio.run(freshness(market, bootstrap, prefix, args.writes, args.rate,
                                      args.through_inquiries)) if args.writes else {}
        cpu_share = ((cpu_seconds(market.processes["showcase"].pid) - cpu_before)
                     / (time.monotonic() - wall_before))
        rebuilds = {k: n - rebuilds_before.get(k, 0) for k, n in _rebuilds(base).items()}
    finally:
        market.stop()
    where = "server on CPU 0, load on CPU 1" if args.pin else "server and load generator sharing the cores"
    server = (f"{'asyncio + h11' if args.asyncio else 'uvloop + httptools'}, "
              f"{'no gc.freeze' if args.no_freeze else 'gc.freeze at start'}")
    print(f"country page, {args.scale[0]} suppliers / {args.scale[1]} products / {args.scale[2]} inquiries; "
          f"one uvicorn process ({server}), {where}; median of {args.rounds} rounds "
          f"(the consumer group still had {lag} events to write to the store)")
    print(f"closed loop: wrk -t{args.threads} -c{args.concurrency} -d{args.seconds}s (saturating); "
          f"{telemetry_settings()}")
    _table(rows, rows[HEALTHZ]["rps"], rows[HELLO]["rps"])
    if fixed:
        print(f"open loop: vegeta at a fixed {fixed_rate:.0f} req/s ({args.fixed_share:.0%} of hello's wrk rate), "
              f"{args.seconds}s: the p99 goal where the server is not saturated")
        _table(fixed, fixed_rate)
    pauses = "; ".join(f"gen {g}: {c['count']} collections, longest {c['max_ms']:.1f} ms, total {c['total_ms']:.0f} ms"
                       for g, c in collections.items() if g.isdigit())
    print(f"the server's garbage collections during both tables ({collections['frozen_objects']} objects frozen "
          f"at start): {pauses}")
    if fresh:
        print(f"write -> visible on the page JSON, {args.writes} writes at {args.rate:g}/s (the showcase process used "
              f"{cpu_share:.0%} of one core meanwhile, its store writes and the page polling included)")
    for name, latencies in fresh.items():
        print(f"  {name:16} p50 {quantile(latencies, 50):6.0f} ms   p99 {quantile(latencies, 99):6.0f} ms   "
              f"max {max(latencies):6.0f} ms")
    if fresh and rebuilds.get("count"):
        buckets = "  ".join(f"<= {float(le) * 1000:g} ms: {n / rebuilds['count']:.0%}"
                            for le, n in rebuilds.items() if le not in ("count", "sum", "+Inf"))
        print(f"  the page rebuilds meanwhile (tijara_showcase_page_rebuild_seconds): {rebuilds['count']:.0f}, "
              f"mean {rebuilds['sum'] / rebuilds['count'] * 1000:.1f} ms; {buckets}")
    load, cores = os.getloadavg()[0], os.cpu_count()
    print(f"{GOALS}\n(machine load average {load:.1f} on {cores} cores during the run: shared with other work)")


def serve_running(base: str, args: argparse.Namespace) -> None:
    """The serving tables against a running showcase, whatever data it holds; its `/healthz` (a FastAPI handler
    returning a small dict, on the same uvicorn process) stands for the hello endpoint."""
    headline = httpx.get(f"{base}/api/countries/ma", timeout=60).json()["headline"]
    endpoints = [(HEALTHZ, "/healthz"), ("page JSON", "/api/countries/ma"),
                 ("page HTML en", "/countries/ma?lang=en"), ("page HTML ar", "/countries/ma?lang=ar")]
    sizes = {name: len(httpx.get(base + path, timeout=60).content) for name, path in endpoints}
    rows = _median_rounds(args.rounds, [(name, lambda path=path: wrk(
        base + path, args.seconds, args.concurrency, args.threads)) for name, path in endpoints])
    fixed_rate = rows[HEALTHZ]["rps"] * args.fixed_share
    fixed = _median_rounds(args.rounds, [(name, lambda path=path: at_fixed_rate(
        base + path, fixed_rate, args.seconds)) for name, path in endpoints]) if fixed_rate else {}
    print(f"country page at {base}: {headline}; bytes per answer: {sizes}")
    print(f"closed loop: wrk -t{args.threads} -c{args.concurrency} -d{args.seconds}s, median of {args.rounds} rounds")
    _table(rows, rows[HEALTHZ]["rps"])
    if fixed:
        print(f"open loop: vegeta at a fixed {fixed_rate:.0f} req/s ({args.fixed_share:.0%} of /healthz's wrk rate)")
        _table(fixed, fixed_rate)
    print(f"{GOALS}\n(machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


def _median_rounds(rounds: int, runs: list[tuple[str, object]]) -> dict[str, dict[str, float]]:
    """Each run `rounds` times, interleaved (a busy moment of the machine hits all alike); medians per run."""
    results = [{name: run() for name, run in runs} for _ in range(rounds)]
    return {name: {k: statistics.median(r[name].get(k, 0) for r in results)
                   for k in ("rps", "p50", "p99", "failed", "cpu_us")} for name, _ in runs}


def _table(rows: dict[str, dict[str, float]], reference: float, hello: float | None = None) -> None:
    """One line per endpoint; the ratio is to `reference` (/healthz's closed-loop rate, or the rate asked for), and
    to `hello`'s rate when given."""
    for name, row in rows.items():
        failed = f"   {row['failed']:.0f} not answered in 5 s" if row.get("failed") else ""
        versus_hello = f"  x{row['rps'] / hello:.2f} hello" if hello else ""
        cpu = f"   {row['cpu_us']:5.0f} µs CPU/req" if row.get("cpu_us") else ""
        print(f"  {name:15} {row['rps']:8.0f} req/s   p50 {row['p50']:6.2f} ms   p99 {row['p99']:6.2f} ms   "
              f"x{row['rps'] / reference:.2f}{' healthz' if hello else ''}{versus_hello}{cpu}{failed}")


def telemetry_settings() -> str:
    """The sampling the server ran with (the standard variables; unset: the production default)."""
    sampler = os.environ.get("OTEL_TRACES_SAMPLER", "unset (production default)")
    arg = os.environ.get("OTEL_TRACES_SAMPLER_ARG")
    return (f"OTEL_TRACES_SAMPLER={sampler}" + (f", OTEL_TRACES_SAMPLER_ARG={arg}" if arg else "")
            + ", access log " + " ".join(f"{k}={v}" for k, v in AS_SHIPPED.items()) + ", no span export")


def _stack() -> tuple[str, str, object]:
    """Kafka, the store and a log folder: those the environment names, else the `run` stack (started if needed)."""
    bootstrap, mongodb_url = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGODB_URL")
    if bootstrap and mongodb_url:
        return bootstrap, mongodb_url, stack.HOME / "logs" / "bench-page"
    profile = stack.up("run")
    return profile.bootstrap, profile.mongodb_url, profile.dir / "bench-logs"


async def _group_lag(bootstrap: str, prefix: str, group: str, wait: float = 60) -> int:
    """Events the consumer group has yet to write to the store (it competes for the CPU with the server), after
    waiting up to `wait` seconds for it to catch up; the page itself does not wait for it."""
    from aiokafka import AIOKafkaConsumer
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await probe.start()
    try:
        deadline = time.monotonic() + wait
        while True:
            committed = {tp: m.offset for tp, m in (await admin.list_consumer_group_offsets(group)).items()
                         if tp.topic.startswith(prefix)}
            ends = await probe.end_offsets(list(committed)) if committed else {}
            lag = sum(end - committed[tp] for tp, end in ends.items())
            if (committed and lag == 0) or time.monotonic() > deadline:
                return lag
            await asyncio.sleep(1)
    finally:
        await probe.stop()
        await admin.close()


def _rebuilds(base: str) -> dict[str, float]:
    """The showcase's rebuild histogram: count, sum (s) and each bucket's cumulative count, by its bound."""
    text = httpx.get(f"{base}/metrics/").text
    found = {}
    for family in text_string_to_metric_families(text):
        if family.name == "tijara_showcase_page_rebuild_seconds":
            for sample in family.samples:
                if sample.name.endswith(("_bucket", "_count", "_sum")):
                    found[sample.labels.get("le") or sample.name.rsplit("_", 1)[1]] = sample.value
    return found


def _wait_for_products(url: str, products: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).json()["headline"]["products"] >= products:
                return
        except (httpx.HTTPError, KeyError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"the page did not show {products} products within {timeout}s")


if __name__ == "__main__":
    main()
