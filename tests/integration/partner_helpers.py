"""Partner test data and helpers: a registry on the real store, partner events as a partner would send them (signed
HTTP requests, signed Kafka records), and the partners service running beside onboarding."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from datetime import UTC, datetime

from services.onboarding.main import Settings as OnboardingSettings
from services.onboarding.main import build as build_onboarding
from services.partners import domain as rules
from services.partners.intake import KEY_HEADER, SIGNATURE_HEADER
from services.partners.main import Settings as PartnersSettings
from services.partners.main import build as build_partners
from services.partners.service import PartnerIngress
from tests.factories import documents, profile
from tests.integration.helpers import serving

NOW_TEXT = datetime.now(UTC).isoformat()


DEFAULT_ORGANISATION = {rules.PartnerKind.EXPORT_AGENCY: "AMDIE", rules.PartnerKind.INSPECTION_BODY: "SGS"}


async def register(ingress: PartnerIngress, partner_id: str, kind: rules.PartnerKind, rate: int = 10_000,
                   organisation: str | None = None) -> str:
    """Register a partner (its receipts topic created) with one key; return the plaintext key."""
    await ingress.register(partner_id, partner_id.title(), kind, rate, organisation or DEFAULT_ORGANISATION.get(kind))
    _, plaintext = await ingress.issue_key(partner_id)
    return plaintext


def receipts_topic(prefix: str, partner_id: str) -> str:
    return f"{prefix}partners.receipts.{partner_id}"


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


def signed_record(key: str, headers: dict[str, str], value: bytes) -> dict[str, str]:
    """The headers with the record's signature, as docs/partners.md tells a partner to compute it."""
    key_id, _, secret = key.rpartition(".")
    signature = rules.sign_record(rules.kafka_signing_key(secret), headers["ce_id"], headers["ce_source"],
                                  headers["ce_type"], value)
    return headers | {KEY_HEADER: key_id, SIGNATURE_HEADER: signature}


@contextlib.asynccontextmanager
async def partners_and_onboarding(settings_for, prefix: str, **partners_overrides):
    """The partners service and onboarding in-process on the real servers, sharing a topic prefix."""
    partners_settings, onboarding_settings = settings_for(PartnersSettings), settings_for(OnboardingSettings)
    partners_settings.kafka_topic_prefix = onboarding_settings.kafka_topic_prefix = prefix
    for name, value in partners_overrides.items():
        setattr(partners_settings, name, value)
    partners_app, onboarding_app = build_partners(partners_settings), build_onboarding(onboarding_settings)
    async with serving(partners_app) as partners_http, serving(onboarding_app) as onboarding_http:
        yield partners_app, partners_http, onboarding_app, onboarding_http


def signed(key: str, ce_type: str, payload: dict | bytes, ce_id: str | None = None,
           timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    """Body and headers of a gateway request, signed as the partner docs describe."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    secret, ce_id = key.rpartition(".")[2], ce_id or uuid.uuid4().hex
    return body, {"X-Tijara-Key": key, "X-Tijara-Timestamp": ts, "Ce-Type": ce_type, "Ce-Id": ce_id,
                  "X-Tijara-Signature": rules.sign(secret, ts, ce_id, ce_type, body), "Content-Type": "application/json"}
