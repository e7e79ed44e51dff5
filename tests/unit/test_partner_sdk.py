"""The partner SDK's pieces without a server: keys, signed headers, receipts, webhook verification, and what its HTTP
client puts on the wire (an httpx MockTransport standing in for the gateway; the real one: tests/integration)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
import time

import httpx
import pytest
from tijara_partner import (
    ENDORSEMENT,
    GatewayError,
    HttpPartner,
    PartnerKey,
    Receipt,
    ReceiptTimeout,
    WebhookInvalid,
    signed_record_headers,
    signed_request_headers,
    verify_webhook,
)
from tijara_partner.signing import encode_event
from tijara_partner.webhooks import _verify

from services.partners import domain as rules

KEY = "maroc-pme-0a1b2c3d4e5f.s3cr3t_s3cr3t-s3cr3t"
RECEIPT = {"partner": "maroc-pme", "event_id": "e-1", "event_type": ENDORSEMENT, "outcome": "accepted",
           "reason": None, "message": None, "supplier_id": "sup-1", "occurred_at": "2026-11-21T08:00:00+00:00"}


def test_a_key_parses_names_its_partner_and_hides_its_secret() -> None:
    key = PartnerKey.parse(KEY)
    assert (key.key_id, key.secret, key.partner_id, key.header) == ("maroc-pme-0a1b2c3d4e5f", "s3cr3t_s3cr3t-s3cr3t",
                                                                    "maroc-pme", KEY)
    assert "s3cr3t" not in repr(key)
    for wrong in ("no-dot", ".secret", "id.", "id.sec ret", "$gt.secret"):
        with pytest.raises(ValueError):
            PartnerKey.parse(wrong)
    with pytest.raises(ValueError, match="partner_id"):
        _ = PartnerKey.parse("custom.s3cret").partner_id


def test_request_headers_are_what_the_service_verifies() -> None:
    body = encode_event({"supplier_id": "sup-1", "note": "é"})
    assert body == '{"supplier_id":"sup-1","note":"é"}'.encode()
    headers = signed_request_headers(KEY, ENDORSEMENT, body)
    assert abs(int(headers["X-Tijara-Timestamp"]) - time.time()) <= 2 and headers["Ce-Id"]
    assert rules.verify("s3cr3t_s3cr3t-s3cr3t", headers["X-Tijara-Timestamp"], headers["Ce-Id"], ENDORSEMENT, body,
                        headers["X-Tijara-Signature"])


def test_record_headers_name_the_partner_and_sign_with_the_derived_key() -> None:
    headers = signed_record_headers(KEY, ENDORSEMENT, b"{}", ce_id="e-1")
    assert headers["ce_source"] == "/partners/maroc-pme" and headers["tijara_key_id"] == "maroc-pme-0a1b2c3d4e5f"
    assert rules.record_signature_valid(rules.kafka_signing_key("s3cr3t_s3cr3t-s3cr3t"), "e-1", "/partners/maroc-pme",
                                        ENDORSEMENT, b"{}", headers["tijara_signature"])
    assert signed_record_headers(KEY, ENDORSEMENT, b"{}", partner_id="other")["ce_source"] == "/partners/other"


def test_a_receipt_ignores_fields_it_does_not_know() -> None:
    receipt = Receipt.of(RECEIPT | {"added_later": 1})
    assert receipt.accepted and receipt.supplier_id == "sup-1"
    assert not Receipt.of(RECEIPT | {"outcome": "rejected", "reason": "conflict"}).accepted


def _webhook(secret: bytes, body: bytes, stamp: int, msg_id: str = "msg_1") -> dict[str, str]:
    """Signed as the Standard Webhooks specification says (https://www.standardwebhooks.com/)."""
    mac = hmac.new(secret, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return {"webhook-id": msg_id, "webhook-timestamp": str(stamp),
            "webhook-signature": "v1,bm90IGl0 v1," + base64.b64encode(mac).decode()}


@pytest.mark.parametrize("library", [True, False], ids=["standardwebhooks-if-installed", "built-in"])
def test_a_webhook_is_verified_or_refused(library: bool, monkeypatch) -> None:
    if not library:
        monkeypatch.setitem(sys.modules, "standardwebhooks.webhooks", None)  # as if not installed
    raw = b"tijara-webhook-secret-32-bytes!!"
    secret = "whsec_" + base64.b64encode(raw).decode()
    body = json.dumps({"type": "ma.tijara.partner.receipt.v1", "data": RECEIPT}).encode()
    now = int(time.time())
    assert verify_webhook(secret, body, _webhook(raw, body, now)) == Receipt.of(RECEIPT)
    assert verify_webhook(secret, json.dumps(RECEIPT).encode(), _webhook(raw, json.dumps(RECEIPT).encode(), now))
    for headers, sent in ((_webhook(raw, body, now), body.replace(b"accepted", b"rejected")),
                          (_webhook(b"another secret", body, now), body),
                          (_webhook(raw, body, now - 600), body),
                          ({"webhook-id": "msg_1"}, body)):
        with pytest.raises(WebhookInvalid):
            verify_webhook(secret, sent, headers)


def test_the_built_in_webhook_check_keeps_the_five_minute_window() -> None:
    raw = b"k" * 24
    body = b'{"outcome":"accepted"}'
    headers = _webhook(raw, body, 1_000_000)
    assert _verify(base64.b64encode(raw).decode(), body, headers, now=1_000_000 + 300)["outcome"] == "accepted"
    with pytest.raises(WebhookInvalid):
        _verify(base64.b64encode(raw).decode(), body, headers, now=1_000_000 + 301)


async def test_the_http_client_sends_signed_events_and_reads_receipts() -> None:
    seen: list[httpx.Request] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST":
            h = request.headers
            ok = rules.verify("s3cr3t_s3cr3t-s3cr3t", h["x-tijara-timestamp"], h["ce-id"], h["ce-type"],
                              request.content, h["x-tijara-signature"])
            return httpx.Response(202, json={"status": "accepted for processing"}) if ok else \
                httpx.Response(401, json={"error": "bad signature", "message": "no"})
        if request.url.path == "/partner-events/slow":
            return httpx.Response(404, json={"error": "not found", "message": "not yet"})
        if request.url.path == "/partner-events/e-1":
            return httpx.Response(200, json=RECEIPT)
        return httpx.Response(429, json={"error": "too many requests", "message": "wait"}, headers={"Retry-After": "3"})

    client = httpx.AsyncClient(transport=httpx.MockTransport(gateway), base_url="http://gateway")
    async with HttpPartner(KEY, client=client) as partner:
        sent = await partner.send(ENDORSEMENT, {"supplier_id": "sup-1"}, ce_id="e-1")
        assert sent.new and sent.ce_id == "e-1"
        assert await partner.wait_for_receipt("e-1") == Receipt.of(RECEIPT)
        assert all(r.headers["x-tijara-key"] == KEY for r in seen)
        with pytest.raises(ReceiptTimeout):
            await partner.wait_for_receipt("slow", timeout=0.2, every=0.05)
        with pytest.raises(GatewayError) as refused:
            await partner.receipts()
        assert refused.value.status == 429 and refused.value.retry_after == 3.0
    await client.aclose()
