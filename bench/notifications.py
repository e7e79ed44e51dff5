"""Messages to people against the raw SMTP limit, measured in ONE run on the local stack and one Mailpit:

    .venv/bin/python -m bench.notifications [--backlog 1000] [--rate 20] [--seconds 30] [--connections 4]

- raw: aiosmtplib alone on `--connections` reused connections (the service's SMTP_CONNECTIONS, 4) to the same Mailpit,
  handing over messages written beforehand by the service's own MIME writer (a French InquiryReceived, like the
  service's): only the SMTP transactions are timed, messages/s; measured just before and just after the service's
  drain (the machine is shared and its load moves), the ratio taken to the higher of the two;
- sustained: the notifications service (a real process, with onboarding, catalogue and inquiries as real processes)
  draining a backlog of `--backlog` InquiryReceived events left in Kafka while it was stopped: from its start until
  the last message is in the sink, messages/s, and the ratio to raw (goal >= 0.7);
- latency: inquiries POSTed to inquiries at `--rate` a second for `--seconds`; from each POST's answer to the
  message's arrival in the sink (Mailpit's own receive time), p50 / p99 (goal p99 <= 2 s at 20/s).
Both sides print their messages' mean size in the sink and the CPU their processes spent per message (the
service's side with the store's and the broker's), and with it the ceiling those costs put on this machine's cores:
the messages/s that all of them would allow if nothing ever waited, as a ratio to raw.
Each message costs the service a consumed event, its recording, its claim, a rendering and its MIME, two store
writes (the composed copy, then the outcome: coalesced) and an SMTP transaction; the owners of contacts are asked
once per sending batch (one request for the batch's suppliers, one for its inquiries). The raw figure has only
the SMTP.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aiosmtplib
import httpx

from bench.rates import Busy, ceiling, cpu_seconds, servers
from deploy.local import stack
from deploy.local.mailpit import Mailbox, free_port
from deploy.local.marketplace import Marketplace
from services.notifications.channels import Outgoing, mime
from services.notifications.channels.email import SmtpSettings
from services.notifications.templates import render
from tests.faults.test_notifications_faults import _verified_suppliers

CONNECTIONS = SmtpSettings().connections  # the service's default; --connections changes both sides


def sink_total(box: Mailbox) -> int:
    answer = httpx.get(f"{box.url}/api/v1/messages", params={"limit": 1}, timeout=10)
    answer.raise_for_status()
    return answer.json()["total"]


async def raw_smtp(box: Mailbox, count: int, connections: int = CONNECTIONS) -> float:
    """messages/s of plain aiosmtplib on `connections` reused connections: only the SMTP transactions are timed, of
    messages written beforehand by the service's own MIME writer, like the service's (a French InquiryReceived)."""
    facts = {"inquiry_id": "inq-raw", "buyer_company": "Raw Foods", "buyer_country": "CA", "product_name": "Sardines",
             "quantity": 10, "unit": "carton", "destination": None, "message": "Quote?", "answer_url": "http://x",
             "hours": 0}
    page = render("inquiry-received", "fr", facts)
    sender = mime.sender("bench@tijara.ma", "Bench")
    messages = [(f"raw-{n % 10}@safi.example.ma", mime.as_bytes(Outgoing(
        f"<raw-{n}@bench>", f"raw-{n % 10}@safi.example.ma", page.subject, page.text, page.html, "fr"), sender))
        for n in range(count)]
    clients = [aiosmtplib.SMTP(hostname="127.0.0.1", port=box.smtp_port) for _ in range(connections)]
    for client in clients:
        await client.connect()
    started = time.perf_counter()

    async def worker(client: aiosmtplib.SMTP, part: range) -> None:
        for n in part:
            await client.sendmail("bench@tijara.ma", [messages[n][0]], messages[n][1])

    await asyncio.gather(*(worker(c, range(i, count, connections)) for i, c in enumerate(clients)))
    elapsed = time.perf_counter() - started
    for client in clients:
        await client.quit()
    return count / elapsed


async def raw_limit(box: Mailbox, count: int, connections: int, when: str) -> float:
    """The raw rate, printed with the messages' size and the CPU it cost the bench and Mailpit a message. Measured
    before and after the service's drain: the machine is shared, and the ratio is taken to the higher of the two."""
    cpu, sink_cpu = time.process_time(), cpu_seconds(box.process.pid)
    raw = await raw_smtp(box, count, connections)
    raw_cpu = (time.process_time() - cpu) / count  # the messages' writing beforehand included
    sink_cpu = (cpu_seconds(box.process.pid) - sink_cpu) / count
    print(f"raw SMTP {when} (aiosmtplib, {connections} connections, the service's MIME written beforehand): "
          f"{raw:,.0f} messages/s, {sizes(box, 'from:bench@tijara.ma')} a message, "
          f"CPU a message (ms): bench {raw_cpu * 1000:.2f}, mailpit {sink_cpu * 1000:.2f}")
    return raw


def sizes(box: Mailbox, query: str) -> str:
    """Mean size in the sink (bytes, as Mailpit stored them) of the messages `query` finds."""
    found = [m["Size"] for m in box.messages(query, limit=100000)]
    return f"{statistics.mean(found):,.0f} B" if found else "-"


async def post_inquiries(market: Marketplace, tag: str, count: int, per_second: float) -> dict[str, float]:
    """POSTs at a steady pace; returns buyer company -> when its POST was answered (epoch seconds)."""
    answered: dict[str, float] = {}
    suppliers = market.suppliers[:-1]
    async with httpx.AsyncClient(base_url=market.url("inquiries"), timeout=30) as http:
        start = time.monotonic()
        for n in range(count):
            await asyncio.sleep(max(0.0, start + n / per_second - time.monotonic()))
            supplier, company = suppliers[n % len(suppliers)], f"Bench {tag} {n:05d}"
            answer = await http.post("/inquiries", json={
                "product_id": supplier["product"], "buyer_company": company, "buyer_country": "CA",
                "contact_email": f"buyer-{n}@atlantic.example.com", "quantity": 10, "unit": "carton",
                "message": "Quote?"})
            answer.raise_for_status()
            answered[company] = time.time()
    return answered


def arrivals(box: Mailbox, tag: str) -> dict[str, float]:
    """Buyer company -> when Mailpit received its message (its `Created`, epoch seconds)."""
    found = {}
    for m in box.messages(f'subject:"Bench {tag} "', limit=100000):
        company = re.search(r"Bench \w+ \d+", m["Subject"]).group(0)
        found[company] = datetime.fromisoformat(m["Created"].replace("Z", "+00:00")).timestamp()
    return found


async def until(box: Mailbox, target: int, timeout: float) -> float:
    started = time.monotonic()
    while sink_total(box) < target:
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{sink_total(box)} of {target} messages after {timeout:.0f} s")
        await asyncio.sleep(0.05)
    return time.monotonic()


async def main(backlog: int, per_second: float, seconds: float, profile_dir: Path | None = None,
               connections: int = CONNECTIONS) -> None:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("MONGODB_URL"):  # servers already running
        kafka, mongodb = os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["MONGODB_URL"]
    else:
        profile = stack.up("test")
        kafka, mongodb = profile.bootstrap, profile.mongodb_url
    run = uuid.uuid4().hex[:6]
    services = ("onboarding", "catalogue", "inquiries", "notifications")
    logs = Path(tempfile.mkdtemp(prefix="bench-notifications-"))
    market = Marketplace(kafka, mongodb, ports={s: free_port() for s in services},
                         issuer_port=free_port(), log_dir=logs, database_prefix=f"bench_{run}",
                         group_suffix=f"bench-{run}",  # others' members of tijara.<service> rebalance no group here
                         mail_ports=(free_port(), free_port()),
                         extra_env={"KAFKA_TOPIC_PREFIX": f"bench-{run}.", "OUTBOX_POLL_SECONDS": "0.5",
                                    "LOG_LEVEL": "WARNING", "FLOOD_LIMIT_PER_HOUR": "1000000",
                                    "SEND_POLL_SECONDS": "0.5", "SMTP_CONNECTIONS": str(connections)})
    market.start()
    try:
        market.wait_ready(120)
        box = market.mailbox
        market.suppliers = _verified_suppliers(market, run)
        await until(box, len(market.suppliers) - 1, 60)  # the verification news (the refused one never arrives)
        raw_before = await raw_limit(box, backlog, connections, "before")
        market.stop("notifications")
        await post_inquiries(market, "backlog", backlog, per_second=200)
        before = sink_total(box)
        market.start("notifications")
        launched = time.monotonic()
        await asyncio.to_thread(market.wait_ready, 90, "notifications")
        pids = {**{name: p.pid for name, p in market.processes.items() if name in services}, "mailpit": box.process.pid,
                **servers()}
        started, busy = time.monotonic(), Busy(pids)
        samplers = [subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p",
                                      str(market.processes[name].pid), "-d", "15", "-f", "raw", "-o",
                                      str(profile_dir / f"{name}.txt"), "--nonblocking"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    for name in ("notifications", "inquiries", "onboarding")] if profile_dir else []
        done = await until(box, before + backlog, 600)
        for sampler in samplers:
            sampler.wait()
        sustained = backlog / (done - started)
        spent = busy.per_event(backlog)  # µs a message
        size = sizes(box, 'subject:"Bench backlog "')
        print(f"notifications draining {backlog} InquiryReceived: {sustained:,.0f} messages/s, from ready to the last "
              f"in the sink: {done - started:.1f} s (start-up before that: {started - launched:.1f} s), {size} a "
              f"message, CPU a message (ms): " + ", ".join(f"{name} {us / 1000:.2f}" for name, us in spent.items()) +
              f"; in all {sum(spent.values()) / 1000:.2f} ms, {100 * sum(busy.shares().values()):.0f} % of a core")
        raw = max(raw_before, await raw_limit(box, backlog, connections, "after"))
        print(f"ratio: {sustained:,.0f} / {raw:,.0f} (the higher raw) = {sustained / raw:.2f}x raw (goal >= 0.7x)")
        most = ceiling(spent)
        print(f"the {os.cpu_count()} cores' ceiling at the service's CPU a message (all its processes, the store and the "
              f"broker, never waiting): {most:,.0f} messages/s = {most / raw:.2f}x raw")

        count = int(per_second * seconds)
        answered = await post_inquiries(market, "steady", count, per_second)
        await until(box, before + 2 * backlog + count, 120)  # the second raw run's too
        arrived = arrivals(box, "steady")
        latencies = sorted(arrived[c] - t for c, t in answered.items() if c in arrived)
        p50, p99 = statistics.median(latencies), latencies[max(0, int(len(latencies) * 0.99) - 1)]
        print(f"InquiryReceived -> message in the sink at {per_second:g} inquiries/s for {seconds:g} s "
              f"({len(latencies)}/{count} arrived): p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
              f"max {latencies[-1] * 1000:.0f} ms (goal p99 <= 2000 ms)")
    finally:
        market.stop()
        print(f"logs: {logs}  (cpu count {os.cpu_count()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backlog", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--connections", type=int, default=CONNECTIONS,
                        help="SMTP connections, the same number for the raw side and the service (SMTP_CONNECTIONS)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="py-spy samples (raw) of notifications, inquiries and onboarding while the backlog drains")
    args = parser.parse_args()
    asyncio.run(main(args.backlog, args.rate, args.seconds, args.profile, args.connections))
