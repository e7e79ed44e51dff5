"""The partner gateway: partner events over HTTP, for partners that do not run a Kafka producer.

    POST /partner-events              body: the event data as JSON (the same as on Kafka)
    Ce-Type: ma.tijara.partner.endorsement.v1          which event (CloudEvents HTTP binary mode)
    Ce-Id: <your unique id for this event>             echoed in the receipt; resending the same id is idempotent
    X-Tijara-Key: <key id>.<secret>                    the API key the operator issued to you
    X-Tijara-Timestamp: <unix seconds>                 within five minutes of our clock
    X-Tijara-Signature: v2=<hex HMAC-SHA256(key = the secret's UTF-8 bytes,
                              message = timestamp + "." + Ce-Id + "." + Ce-Type + "." + raw body bytes)>

The signature covers everything the request claims: its time, its event id and type and its body. The first scheme
(`sha256=` over timestamp + "." + body) is refused with a 401 naming the v2 scheme.

Checks, in order: size (413), key (401), timestamp and signature (401), rate (429), type (400), scope (403),
Ce-Id (400), JSON and schema (400: the wire model of the type, shared/contracts/partners.py, including what a complete
application needs, e.g. a Moroccan company's ICE), replay (409). A passing event is stamped with provenance (partner, key id, received time) and recorded
with its command in one write (202); the outbox relay publishes the command to onboarding, whose outcome comes back
as the receipt on the partner's own topic, partners.receipts.<partner id>, at GET /partner-events/{Ce-Id}
(partner_api.py) and, if it has one, on its webhook. A Kafka outage delays the command, never the answer.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from services.partners import domain as rules
from services.partners.domain import Partner
from services.partners.service import PartnerIngress
from shared.contracts.partners import PartnerEvent, Provenance
from shared.contracts.registry import EVENT_TYPES
from shared.messaging.decoding import summary
from shared.web.http_errors import ErrorAnswer

MAX_BODY_BYTES = 64 * 1024
SIGNATURE_SWEEP_SECONDS = 60.0  # how often forget_old_signatures runs
CE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
DOCS = "see docs/partners.md"
SCHEME = ("v2=<hex HMAC-SHA256, keyed with your secret, of timestamp + '.' + Ce-Id + '.' + Ce-Type + '.' + raw "
          "body>")

router = APIRouter(tags=["partners"])


@dataclass(frozen=True)
class Caller:
    partner: Partner
    key_id: str
    secret: str


class Gateway:
    def __init__(self, ingress: PartnerIngress, limiter: rules.TokenBucket | None = None) -> None:
        self.ingress = ingress
        self.partners = ingress.partners
        self.limiter = limiter or rules.TokenBucket()

    async def receive(self, request: Request) -> JSONResponse:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return _answer(413, "body too large", f"the body may be at most {MAX_BODY_BYTES} bytes")
        body = await _read_at_most(request, MAX_BODY_BYTES)
        if body is None:
            return _answer(413, "body too large", f"the body may be at most {MAX_BODY_BYTES} bytes")

        caller = await self.authenticate(request)
        if isinstance(caller, JSONResponse):
            return caller
        partner, key_id = caller.partner, caller.key_id
        event_type, event_id = request.headers.get("ce-type", ""), request.headers.get("ce-id", "")
        timestamp = request.headers.get("x-tijara-timestamp", "")
        if not rules.timestamp_fresh(timestamp, time.time()):
            return _answer(401, "stale request", "X-Tijara-Timestamp must be the current unix time in seconds "
                           f"(within ±{rules.SIGNATURE_WINDOW_SECONDS}s of ours: {int(time.time())})")
        signature = request.headers.get("x-tijara-signature", "")
        if not signature.startswith(f"{rules.SIGNATURE_SCHEME}="):
            return _answer(401, "bad signature", f"X-Tijara-Signature must use the {SCHEME} scheme; the sha256= "
                           f"scheme (without Ce-Id and Ce-Type) is no longer accepted; {DOCS}")
        if not rules.verify(caller.secret, timestamp, event_id, event_type, body, signature):
            return _answer(401, "bad signature", f"X-Tijara-Signature must be {SCHEME}; the body, timestamp, Ce-Id "
                           "or Ce-Type changed, or the key is wrong")

        wait = self.limiter.take(partner.partner_id, partner.rate_per_minute)
        if wait:
            return _answer(429, "too many requests", f"{partner.partner_id} may send {partner.rate_per_minute} "
                           f"events a minute; retry in {wait:.1f}s", headers={"Retry-After": str(int(wait) + 1)})

        model = EVENT_TYPES.get(event_type)
        if model is None or not issubclass(model, PartnerEvent) or event_type not in rules.PARTNER_EVENT_TYPES:
            return _answer(400, "unknown event type", f"Ce-Type must be one of {', '.join(rules.PARTNER_EVENT_TYPES)}")
        if not partner.may_publish(event_type):
            return _answer(403, "not allowed", f"{partner.partner_id} ({partner.kind.value}) may publish "
                           f"{', '.join(partner.scopes)}; not {event_type}")
        if not CE_ID.fullmatch(event_id):
            return _answer(400, "invalid Ce-Id", "Ce-Id must be 1-100 characters of A-Z a-z 0-9 _ . : -")
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            return _answer(400, "invalid JSON", f"the body is not JSON: {error}")
        if not isinstance(payload, dict):
            return _answer(400, "invalid event", "the body must be a JSON object")
        if "provenance" in payload:
            return _answer(400, "invalid event", "provenance is set by the marketplace; leave it out")
        now = datetime.now(UTC)
        try:
            data = model.model_validate(payload)
        except ValidationError as error:
            return _answer(400, "invalid event", summary(error),
                           problems=[{"field": ".".join(map(str, e["loc"])), "problem": e["msg"]}
                                     for e in error.errors()[:20]])
        if not await self.partners.remember_signature(signature, partner.partner_id, now):
            return _answer(409, "replayed request", "this exact signed request was already received; sign each "
                           "request with a fresh timestamp")

        provenance = Provenance(partner=partner.partner_id, key_id=key_id, channel="http", received_at=now)
        new = await self.ingress.admit(partner, event_id, data, provenance)
        return JSONResponse({"status": "accepted for processing" if new else "already received",
                             "event_id": event_id, "event_type": event_type, "partner": partner.partner_id,
                             "message": f"the receipt will be at GET /partner-events/{event_id} and on "
                                        f"partners.receipts.{partner.partner_id}"},
                            status_code=202)

    async def authenticate(self, request: Request) -> Caller | JSONResponse:
        """The partner whose valid, active key `X-Tijara-Key` presents, or the 401 to answer."""
        split = rules.split_key(request.headers.get("x-tijara-key", ""))
        if split is None:
            return _answer(401, "unauthenticated", f"send your API key as X-Tijara-Key: <key id>.<secret>; {DOCS}")
        key_id, secret = split
        partner = await self.partners.by_key_id(key_id)
        key = partner.key(key_id) if partner else None
        if partner is None or key is None or not rules.key_matches(key, secret):
            return _answer(401, "unauthenticated", "unknown or revoked API key (check X-Tijara-Key)")
        return Caller(partner, key_id, secret)

    async def forget_old_signatures(self) -> None:
        """The local store (mongo-java-server) has no TTL index: old signatures are deleted on a timer
        (shared.web.runtime.every). A signature seen at t had a timestamp within t±window: once t+2*window passed
        (plus a margin), that timestamp is stale, so the signature can be forgotten."""
        cutoff = datetime.now(UTC) - timedelta(seconds=2 * rules.SIGNATURE_WINDOW_SECONDS + 60)
        await self.partners.forget_signatures_before(cutoff)


async def _read_at_most(request: Request, limit: int) -> bytes | None:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(status: int, error: str, message: str, headers: dict | None = None, **extra: object) -> JSONResponse:
    return JSONResponse({"error": error, "message": message, **extra}, status_code=status, headers=headers)


def gateway(request: Request) -> Gateway:
    return request.app.state.gateway


@router.post("/partner-events", status_code=202, responses={
    status: {"model": ErrorAnswer, "description": description} for status, description in {
        400: "unknown type, invalid JSON or schema", 401: "key, timestamp or signature",
        403: "type outside the partner's scopes", 409: "replayed request", 413: "body over 64 KiB",
        429: "over the partner's rate"}.items()})
async def receive_partner_event(request: Request) -> JSONResponse:
    """Publish one partner event (see the module docstring for the headers and the signature)."""
    return await gateway(request).receive(request)
