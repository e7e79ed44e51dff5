"""Messages to people under faults, on real processes (onboarding, catalogue, inquiries, notifications), the real
Kafka and store, and Mailpit as the SMTP relay; figures printed like the others. None of these restarts Kafka.

- the SMTP server down for 60 s while 200 inquiries arrive -> 200 messages delivered afterwards, 0 duplicates;
- kill -9 of notifications mid-send -> 0 lost, and any resend carries the same Message-ID;
- a replay of the whole log (a new consumer group) -> 0 new messages;
- a relay answering 550 for one address -> that message failed with the reason, the others sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from deploy.local.mailpit import Mailbox, free_port
from deploy.local.marketplace import Marketplace
from tests import factories
from tests.faults.conftest import KILLED_SESSION_TIMEOUT, record

pytestmark = pytest.mark.faults
INQUIRIES = 200
SUPPLIERS = 10
REFUSED = "refused.example.com"
DEADLINE = 240.0


@pytest.fixture(scope="module")
def notify_market(infrastructure, tmp_path_factory):
    run = uuid.uuid4().hex[:6]
    services = ("onboarding", "catalogue", "inquiries", "notifications")
    market = Marketplace(
        infrastructure.kafka, infrastructure.mongodb, ports={s: free_port() for s in services},
        issuer_port=free_port(), log_dir=tmp_path_factory.mktemp(f"notify-faults-{run}"),
        database_prefix=f"nfaults_{run}", mail_ports=(free_port(), free_port()),
        extra_env={"KAFKA_TOPIC_PREFIX": f"nfaults-{run}.", "OUTBOX_POLL_SECONDS": "0.5", "LOG_LEVEL": "WARNING",
                   "SEND_POLL_SECONDS": "0.5", "SEND_BACKOFF_SECONDS": "0.5", "SEND_BACKOFF_MAX_SECONDS": "5",
                   "SEND_LEASE_SECONDS": "5", "FLOOD_LIMIT_PER_HOUR": "100000", **KILLED_SESSION_TIMEOUT})
    # every recipient but those at refused.example.com: the others get 550 (Go regexp: no look-ahead)
    market.mailbox = Mailbox(market.mail_ports[1], market.mail_ports[0], market.log_dir / "mailpit",
                             allowed=r"@([^r]|r[^e]|re[^f])[^@]*$").start()
    market.start()
    try:
        market.wait_ready(120)
        market.suppliers = _verified_suppliers(market, run)
        yield market
    finally:
        market.stop()


def _verified_suppliers(market: Marketplace, run: str) -> list[dict]:
    """SUPPLIERS verified suppliers with a product each (they applied themselves: no partner to copy); the last
    one's address is refused by the relay."""
    onboarding, catalogue, staff = market.url("onboarding"), market.url("catalogue"), market.auth("staff")
    made = []
    for n in range(SUPPLIERS + 1):
        sid = f"sup-nf-{run}-{n}"
        domain = REFUSED if n == SUPPLIERS else "safi.example.ma"
        email = f"{sid}@{domain}"
        owner = market.auth(f"supplier:{sid}")
        profile = factories.profile(trade_name=f"Conserverie {n}", contact={"name": "Karim", "email": email})
        created = httpx.post(f"{onboarding}/suppliers", headers=owner, timeout=30, json={
            "profile": profile.model_dump(mode="json"), "documents": factories.documents()})
        assert created.status_code == 201, created.text
        inspected_on = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
        for step, body, who in (("documents-verification", None, staff),
                                ("endorsement", {"agency": "AMDIE"}, market.auth("agency:AMDIE")),
                                ("inspection", {"body": "SGS", "report_id": f"SGS-{n}", "passed": True,
                                                "inspected_on": inspected_on}, market.auth("inspection:SGS")),
                                ("verification", {"decision": "verified"}, staff)):
            done = httpx.post(f"{onboarding}/suppliers/{sid}/{step}", json=body, headers=who, timeout=30)
            assert done.status_code == 200, done.text
        listing = factories.listing().model_dump(mode="json")
        deadline = time.monotonic() + 60
        while True:
            answer = httpx.post(f"{catalogue}/products", json={"supplier_id": sid, "listing": listing},
                                headers=owner, timeout=30)
            if answer.status_code == 201:
                break
            assert time.monotonic() < deadline, answer.text
            time.sleep(0.3)
        made.append({"id": sid, "email": email, "product": answer.json()["product_id"], "owner": owner})
    return made


async def _send_inquiries(market: Marketplace, tag: str, count: int = INQUIRIES, per_second: float = 20) -> None:
    """`count` inquiries spread over the suppliers the relay accepts; the buyer's company names the test and the
    inquiry, so the supplier's subject line does too."""
    accepted = market.suppliers[:SUPPLIERS]
    async with httpx.AsyncClient(base_url=market.url("inquiries"), timeout=30) as http:
        for n in range(count):
            supplier = accepted[n % len(accepted)]
            answer = await http.post("/inquiries", json={
                "product_id": supplier["product"], "buyer_company": f"Load {tag} {n:03d}", "buyer_country": "CA",
                "contact_email": f"buyer-{n}@atlantic.example.com", "quantity": 10, "unit": "carton",
                "message": f"Quote {tag} {n}"})
            assert answer.status_code == 201, answer.text
            await asyncio.sleep(1 / per_second)


def _delivered(mailbox: Mailbox, tag: str) -> dict[str, list[str]]:
    """Inquiry messages of test `tag` in the sink: subject -> the Message-IDs it arrived with (one per delivery)."""
    seen: dict[str, list[str]] = defaultdict(list)
    for m in mailbox.messages(f'subject:"Load {tag} "', limit=5000):
        if f"Load {tag} " in m["Subject"]:
            seen[m["Subject"]].append(m["MessageID"])
    return seen


async def _until_all(mailbox: Mailbox, tag: str, started: float) -> tuple[dict[str, list[str]], float]:
    while True:
        seen = await asyncio.to_thread(_delivered, mailbox, tag)
        if len(seen) >= INQUIRIES or time.monotonic() - started > DEADLINE:
            return seen, time.monotonic() - started
        await asyncio.sleep(1)


def _figures(test: str, seen: dict[str, list[str]], seconds: float, **extra) -> dict:
    deliveries = sum(len(ids) for ids in seen.values())
    ids = Counter(i for each in seen.values() for i in each)
    figures = {"test": test, "inquiries": INQUIRIES, "delivered": len(seen), "lost": INQUIRIES - len(seen),
               "deliveries": deliveries, "duplicate_message_ids": sum(n - 1 for n in ids.values()),
               "inquiries_with_two_message_ids": sum(len(set(v)) > 1 for v in seen.values()),
               "seconds_to_all_delivered": round(seconds, 1), **extra}
    record(figures)
    return figures


async def test_smtp_down_60s_while_200_inquiries_arrive_then_all_delivered_once(notify_market):
    market, box = notify_market, notify_market.mailbox
    box.stop()
    down_at = time.monotonic()
    await _send_inquiries(market, "smtp-down")
    await asyncio.sleep(max(0.0, 60 - (time.monotonic() - down_at)))
    box.start()
    seen, seconds = await _until_all(box, "smtp-down", time.monotonic())
    figures = _figures("notifications-smtp-down-60s", seen, seconds, smtp_down_s=round(time.monotonic() - down_at
                                                                                         - seconds, 1))
    assert figures["lost"] == 0 and figures["duplicate_message_ids"] == 0


async def test_kill_9_of_notifications_mid_send_loses_nothing_and_resends_the_same_message(notify_market):
    market, box = notify_market, notify_market.mailbox
    sending = asyncio.create_task(_send_inquiries(market, "kill-9", per_second=40))
    while len(await asyncio.to_thread(_delivered, box, "kill-9")) < 30:
        await asyncio.sleep(0.2)
    market.signal("notifications", signal.SIGKILL)
    market.processes["notifications"].wait()
    killed_at = time.monotonic()
    before = len(await asyncio.to_thread(_delivered, box, "kill-9"))
    await sending
    market.start("notifications")
    await asyncio.to_thread(market.wait_ready, 90, "notifications")
    seen, seconds = await _until_all(box, "kill-9", killed_at)
    figures = _figures("notifications-kill-9-mid-send", seen, seconds, delivered_before_kill=before,
                       resent_same_message_id=sum(len(v) - 1 for v in seen.values()))
    assert figures["lost"] == 0 and figures["inquiries_with_two_message_ids"] == 0


async def test_a_replay_of_the_whole_log_sends_nothing_again(notify_market):
    market, box = notify_market, notify_market.mailbox
    await asyncio.sleep(3)  # the previous tests' last messages settle
    before = len(await asyncio.to_thread(box.messages, "", 10000))
    market.stop("notifications")
    group = f"tijara.notifications.replay-{uuid.uuid4().hex[:6]}"
    market.extra_env["CONSUMER_GROUP_ID"] = group  # a new group reads every topic from the start of the log
    try:
        market.start("notifications")
        await asyncio.to_thread(market.wait_ready, 90, "notifications")
        started = time.monotonic()
        events = await _caught_up(market, group)
        await asyncio.sleep(5)  # whatever the replay recorded would be sent within this
    finally:
        market.extra_env.pop("CONSUMER_GROUP_ID")
    after = len(await asyncio.to_thread(box.messages, "", 10000))
    record({"test": "notifications-replay-whole-log", "events_replayed": events, "messages_before": before,
            "new_messages": after - before, "seconds_to_catch_up": round(time.monotonic() - started - 5, 1)})
    assert after - before == 0


async def _caught_up(market: Marketplace, group: str, timeout: float = 180) -> int:
    """Until the group's lag is 0 on every partition it reports; returns the events it handled."""
    deadline = time.monotonic() + timeout
    while True:
        text = (await asyncio.to_thread(httpx.get, f"{market.url('notifications')}/metrics/", timeout=10)).text
        lags = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                if line.startswith("tijara_consumer_lag{") and f'group="{group}"' in line]
        handled = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                      if line.startswith("tijara_events_consumed_total{") and f'group="{group}"' in line)
        if lags and not any(lags) and handled:
            return int(handled)
        assert time.monotonic() < deadline, "the replay did not catch up"
        await asyncio.sleep(1)


async def test_a_relay_refusing_one_address_fails_that_message_with_the_reason_and_sends_the_others(notify_market):
    market = notify_market
    refused = market.suppliers[SUPPLIERS]
    async with httpx.AsyncClient(base_url=market.url("inquiries"), timeout=30) as http:
        for supplier in (refused, market.suppliers[0]):
            answer = await http.post("/inquiries", json={
                "product_id": supplier["product"], "buyer_company": "Load refused 000", "buyer_country": "CA",
                "contact_email": "buyer@atlantic.example.com", "quantity": 10, "unit": "carton", "message": "Hi"})
            assert answer.status_code == 201, answer.text
    operator = market.auth("operator")

    def failed() -> list[dict]:
        answer = httpx.get(f"{market.url('notifications')}/messages", headers=operator, timeout=10,
                           params={"status": "failed", "recipient": f"supplier:{refused['id']}"})
        answer.raise_for_status()
        return answer.json()

    deadline = time.monotonic() + 60
    while len(failed()) < 2:  # its verification news and the inquiry
        assert time.monotonic() < deadline, failed()
        await asyncio.sleep(0.5)
    reasons = {m["kind"]: m["last_error"] for m in failed()}
    sent_to_other = [m for m in market.mailbox.to(market.suppliers[0]["email"]) if "Load refused" in m["Subject"]]
    record({"test": "notifications-550-one-address", "failed": len(reasons), "sent_to_the_others": len(sent_to_other),
            "reason": reasons.get("inquiry-received", "")[:60].replace(" ", "_")})
    assert all("550" in r for r in reasons.values()) and len(sent_to_other) == 1
    with contextlib.suppress(Exception):
        assert not market.mailbox.to(refused["email"])
