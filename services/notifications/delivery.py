"""The sender: takes the recorded messages that are due, composes each once (composer.py), hands it to the channel,
and records the outcome. Like the outbox relay: woken after each write for low latency, and polling on a timer to
recover what a crash left (a message is claimed for a lease before it is sent, so a dead sender's messages come
back after it). A crash after the relay accepted a message and before `sent` was recorded sends it again, with
the same Message-ID: at least once, recognisably the same.

    transient (relay down, 4xx, an owner of contacts unreachable) -> again later, exponential backoff, for 2 days
    permanent (5xx, bad address, unknown recipient)                -> failed, with the reason, for an operator
    the recipient has no contact / unsubscribed                    -> suppressed
    the recipient takes these in a daily digest                    -> held for it
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta

from opentelemetry import trace
from prometheus_client import Counter, Gauge

from services.notifications import domain
from services.notifications.channels import Channel, Outgoing, PermanentFailure, TransientFailure
from services.notifications.composer import Composer, Hold, Suppress
from services.notifications.contacts import Batch, NoContact
from services.notifications.domain import Status
from services.notifications.store import NotificationStore
from shared.telemetry.tracing import within

log = logging.getLogger(__name__)
tracer = trace.get_tracer("tijara.notifications")

BATCH = 256  # messages claimed at once; their owners asked together (each supplier, the inquiries: one request)
IN_FLIGHT = 2  # batches being composed and sent at once

QUEUED = Gauge("tijara_notifications_queued", "Messages recorded and waiting to be sent")
OLDEST = Gauge("tijara_notifications_oldest_queued_age_seconds", "Age of the oldest message waiting to be sent")
SENT = Counter("tijara_notifications_sent_total", "Messages the relay accepted", ["channel", "kind"])
FAILED = Counter("tijara_notifications_failed_total", "Messages refused for good or given up", ["channel", "kind"])
RETRIED = Counter("tijara_notifications_retried_total", "Sends that failed transiently", ["channel", "kind"])


class Sender:
    def __init__(self, store: NotificationStore, composer: Composer, channel: Channel, *, poll_seconds: float = 2.0,
                 concurrency: int = 8, batch: int = BATCH, lease_seconds: float = 120.0, backoff_seconds: float = 5.0,
                 backoff_max_seconds: float = 900.0) -> None:
        self.store = store
        self.composer = composer
        self.channel = channel
        self.poll_seconds = poll_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.backoff_seconds = backoff_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self._slots = asyncio.Semaphore(concurrency)
        self._batch = batch
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._measured_at = 0.0

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()

    async def run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_seconds):
                    await self._wakeup.wait()
            self._wakeup.clear()
            try:
                await self.send_due()
                if time.monotonic() - self._measured_at >= self.poll_seconds:  # not after every wake: it reads
                    await self.measure()                                         # every queued message
            except Exception:
                log.exception("sending pass failed; retrying on the next tick")
                await asyncio.sleep(self.poll_seconds)
        await self.channel.close()

    async def send_due(self) -> int:
        """Everything due now, a batch at a time; returns how many were handed over. Batches are claimed while
        earlier ones are still being composed and sent (up to IN_FLIGHT batches), so the hand-overs never wait for
        a batch's last message, its claim or its owners' answers."""
        sent, sending = 0, collections.deque()
        try:
            while not self._stopping:
                now = datetime.now(UTC)
                batch = await self.store.due(now, self._batch)
                claimed = await self.store.claim(batch, now, now + self.lease) if batch else []
                owners = self.composer.batch(claimed)  # each owner asked once for the batch, not once a message
                sending.append(asyncio.ensure_future(asyncio.gather(*[self._one(d, now, owners) for d in claimed])))
                while len(sending) >= IN_FLIGHT:
                    sent += sum(await sending.popleft())
                if len(batch) < self._batch:
                    break
        finally:  # a failed claim or stop: what is in flight still settles before the pass ends
            while sending:
                sent += sum(await sending.popleft())
        return sent

    async def measure(self) -> None:
        self._measured_at = time.monotonic()
        waiting = await self.store.queued()
        QUEUED.set(len(waiting))
        oldest = min((_aware(d["created_at"]) for d in waiting), default=None)
        OLDEST.set((datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0)

    async def _one(self, message: dict, now: datetime, owners: Batch | None = None) -> bool:
        with within(message.get("traceparent")), tracer.start_as_current_span(
                "notifications send", kind=trace.SpanKind.PRODUCER,
                attributes={"messaging.message.id": message["message_id"], "tijara.kind": message["kind"]}):
            return await self._attempt(message, now, owners)

    async def _attempt(self, message: dict, now: datetime, owners: Batch | None = None) -> bool:
        key, kind, channel = message["_id"], message["kind"], self.channel.name
        try:
            if message.get("rendered"):
                outgoing = Outgoing(**message["rendered"])
            else:
                async with self._slots:
                    outgoing = await self.composer.compose(message, now, owners)
            await self.channel.send(outgoing)
        except Hold as hold:
            await self.store.hold(key, hold.until, "daily")
        except (Suppress, NoContact) as nothing:
            await self.store.settle(key, Status.SUPPRESSED, now, reason=str(nothing))
        except PermanentFailure as refused:
            FAILED.labels(channel, kind).inc()
            log.warning("message %s to %s failed: %s", message["message_id"], message["recipient"], refused)
            await self.store.settle(key, Status.FAILED, now, last_error=str(refused))
        except TransientFailure as error:
            await self._later(message, now, str(error))
        except Exception as error:  # a bug or an owner's unexpected answer: retried like a transient failure
            log.exception("composing or sending %s failed", message["message_id"])
            await self._later(message, now, f"{type(error).__name__}: {error}")
        else:
            SENT.labels(channel, kind).inc()
            await self.store.settle(key, Status.SENT, datetime.now(UTC))
            return True
        return False

    async def _later(self, message: dict, now: datetime, error: str) -> None:
        RETRIED.labels(self.channel.name, message["kind"]).inc()
        attempts = message.get("attempts", 0) + 1
        if domain.gives_up(_aware(message["created_at"]), now):
            FAILED.labels(self.channel.name, message["kind"]).inc()
            await self.store.settle(message["_id"], Status.FAILED, now,
                                    last_error=f"gave up after {attempts} attempts: {error}")
            return
        retry = domain.retry_at(attempts, now, self.backoff_seconds, self.backoff_max_seconds)
        await self.store.retry_later(message["_id"], retry, attempts, error)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
