"""Partner test data and helpers: a registry on the real FerretDB, partner events as a partner would send them."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

from services.onboarding import partners as rules
from services.onboarding.partner_store import PartnerStore
from tests.factories import documents, profile

NOW_TEXT = datetime.now(UTC).isoformat()


DEFAULT_ORGANISATION = {rules.PartnerKind.EXPORT_AGENCY: "AMDIE", rules.PartnerKind.INSPECTION_BODY: "SGS"}


async def register(store: PartnerStore, partner_id: str, kind: rules.PartnerKind, rate: int = 10_000,
                   organisation: str | None = None) -> str:
    """Register a partner with one key; return the plaintext key."""
    partner = rules.new_partner(partner_id, partner_id.title(), kind, rate_per_minute=rate,
                                organisation=organisation or DEFAULT_ORGANISATION.get(kind))
    await store.add(partner)
    key, plaintext = rules.issue_key(partner, datetime.now(UTC))
    await store.add_key(partner_id, key)
    return plaintext


def application(**overrides) -> dict:
    return {"application_id": f"app-{uuid.uuid4().hex[:8]}", "occurred_at": NOW_TEXT,
            "profile": profile().model_dump(mode="json"), "documents": documents()} | overrides


def endorsement(supplier_id: str, **overrides) -> dict:
    return {"endorsement_id": f"end-{uuid.uuid4().hex[:8]}", "supplier_id": supplier_id,
            "occurred_at": NOW_TEXT} | overrides


def inspection(supplier_id: str, passed: bool = True, **overrides) -> dict:
    return {"report_id": f"rep-{uuid.uuid4().hex[:8]}", "supplier_id": supplier_id, "passed": passed,
            "inspected_on": "2026-11-20", "occurred_at": NOW_TEXT,
            **({} if passed else {"reason": "cold chain not documented"})} | overrides


def ce_headers(partner_id: str, ce_type: str, ce_id: str | None = None) -> dict[str, str]:
    return {"ce_specversion": "1.0", "ce_id": ce_id or uuid.uuid4().hex, "ce_source": f"/partners/{partner_id}",
            "ce_type": ce_type, "ce_time": NOW_TEXT, "content-type": "application/json"}


def signed(key: str, ce_type: str, payload: dict | bytes, ce_id: str | None = None,
           timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    """Body and headers of a gateway request, signed as the partner docs describe."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    secret = key.rpartition(".")[2]
    return body, {"X-Tijara-Key": key, "X-Tijara-Timestamp": ts, "X-Tijara-Signature": rules.sign(secret, ts, body),
                  "Ce-Type": ce_type, "Ce-Id": ce_id or uuid.uuid4().hex, "Content-Type": "application/json"}
