"""Receipts pushed to a partner's webhook (optional: a partner pulls its receipts, or is pushed them, or both),
following the Standard Webhooks specification (https://www.standardwebhooks.com), signed by its reference library
`standardwebhooks`, so a partner verifies with any off-the-shelf implementation:

    POST <the partner's https URL>
    webhook-id: msg_<32 hex>          derived from the receipt (partner, event id): a retry is the same message
    webhook-timestamp: <unix seconds> of this attempt
    webhook-signature: v1,<base64 HMAC-SHA256(secret, id + "." + timestamp + "." + body)>
    content-type: application/json
    {"type": "ma.tijara.partner.receipt.v1", "timestamp": "<the receipt's occurred_at>", "data": <the receipt>}

From an outbox: the push is recorded with the receipt, in the same write (service.py: `webhook.state` pending),
then sent here; a 2xx is delivered, anything else (or no answer within 10 s) is retried with exponential backoff
(WEBHOOK_BACKOFF_SECONDS, 2x each time, at most an hour) up to WEBHOOK_MAX_ATTEMPTS, then recorded as failed with
the last error (counted in tijara_webhook_deliveries_total{outcome="failed"}). Replay-safe: a receipt is pushed at
most once whatever is replayed (a resent event or a replayed outcome adds no push). No redirects are followed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client import Counter
from standardwebhooks import Webhook

from services.partners import domain
from services.partners.store import InputStore, PartnerStore
from shared.contracts.partners import PartnerReceipt

log = logging.getLogger(__name__)
DELIVERIES = Counter("tijara_webhook_deliveries_total", "Webhook pushes of partner receipts, by outcome",
                     ["outcome"])
LEASE_SECONDS = 60.0
TIMEOUT_SECONDS = 10.0


class WebhookSender:
    def __init__(self, partners: PartnerStore, inputs: InputStore, poll_seconds: float = 1.0,
                 backoff_seconds: float = 5.0, max_attempts: int = 8) -> None:
        self.partners, self.inputs = partners, inputs
        self.poll_seconds, self.backoff_seconds, self.max_attempts = poll_seconds, backoff_seconds, max_attempts

    async def run(self) -> None:
        """The background job: push what is due, then wait a poll interval."""
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False) as http:
            while True:
                try:
                    await self.push_due(http)
                except Exception:
                    log.warning("pushing webhooks failed; retrying on the next tick", exc_info=True)
                task = asyncio.current_task()
                if task is not None and task.cancelling():  # PyMongo may have swallowed our cancellation
                    raise asyncio.CancelledError
                await asyncio.sleep(self.poll_seconds)

    async def push_due(self, http: httpx.AsyncClient, limit: int = 50) -> int:
        now = datetime.now(UTC)
        due = await self.inputs.webhooks_due(now, now + timedelta(seconds=LEASE_SECONDS), limit)
        await asyncio.gather(*(self.push(http, doc) for doc in due))
        return len(due)

    async def push(self, http: httpx.AsyncClient, doc: dict) -> None:
        partner = await self.partners.get(doc["partner"])
        if partner is None or partner.webhook is None:  # the partner pulls: nothing to push
            await self.inputs.webhook_tried(doc["_id"], {"state": "none"})
            return
        attempts = doc["webhook"].get("attempts", 0) + 1
        error = await self._send(http, partner.webhook, domain.webhook_id(doc["_id"]), doc["receipt"])
        now = datetime.now(UTC)
        if error is None:
            outcome = {"state": "delivered", "attempts": attempts, "delivered_at": now, "url": partner.webhook.url}
        elif attempts >= self.max_attempts:
            outcome = {"state": "failed", "attempts": attempts, "failed_at": now, "last_error": error}
            log.error("webhook push of %s to %s failed for good after %d attempts: %s", doc["_id"],
                      partner.partner_id, attempts, error)
        else:
            delay = domain.webhook_retry_delay(attempts, self.backoff_seconds)
            outcome = {"state": "pending", "attempts": attempts, "last_error": error,
                       "next_at": now + timedelta(seconds=delay)}
        DELIVERIES.labels("retried" if outcome["state"] == "pending" else outcome["state"]).inc()
        await self.inputs.webhook_tried(doc["_id"], outcome)

    @staticmethod
    async def _send(http: httpx.AsyncClient, webhook: domain.Webhook, message_id: str, receipt: dict) -> str | None:
        """None when the partner took it (2xx), else what went wrong."""
        body = json.dumps({"type": PartnerReceipt.TYPE, "timestamp": receipt.get("occurred_at"), "data": receipt},
                          separators=(",", ":"))
        now = datetime.now(UTC)
        headers = {"webhook-id": message_id, "webhook-timestamp": str(int(now.timestamp())),
                   "webhook-signature": Webhook(webhook.secret).sign(message_id, now, body),
                   "content-type": "application/json"}
        try:
            answer = await http.post(webhook.url, content=body.encode(), headers=headers)
        except httpx.HTTPError as error:
            return f"{type(error).__name__}: {error}"[:500]
        return None if 200 <= answer.status_code < 300 else f"HTTP {answer.status_code}"
