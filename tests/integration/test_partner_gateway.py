"""The partner gateway's security, against the in-process partners service on the real store and Kafka:
no key, wrong key, wrong scope, forged or replayed signature, stale timestamp, over the rate, oversized body,
MongoDB operator keys in any field. None accepted; nothing operator-shaped reaches the database."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from bson import json_util
from pymongo import AsyncMongoClient, monitoring

import shared.web.runtime as runtime_module
from services.partners.domain import PartnerKind
from services.partners.main import Settings, build
from shared.contracts.partners import PartnerEndorsement, PartnerInspectionReport, PartnerSupplierApplication
from tests.factories import documents, profile
from tests.integration.helpers import header, read_until, serving
from tests.integration.partner_helpers import (
    application,
    endorsement,
    inspection,
    partners_and_onboarding,
    register,
    signed,
)

APPLICATION, ENDORSEMENT, INSPECTION = (PartnerSupplierApplication.TYPE, PartnerEndorsement.TYPE,
                                        PartnerInspectionReport.TYPE)
OPERATOR_VALUES = ({"$gt": ""}, {"$where": "sleep(1000) || true"}, {"a.b": 1}, {"$ne": None})


@pytest.fixture
def gateway_settings(settings_for, unique):
    settings = settings_for(Settings)
    settings.kafka_topic_prefix = f"gw{unique}."
    return settings


@pytest.fixture
async def gateway(gateway_settings):
    app = build(gateway_settings)
    async with serving(app) as http:
        store = app.state.ingress
        keys = {"clementia": await register(store, "clementia", PartnerKind.ONBOARDING_PARTNER),
                "amdie": await register(store, "amdie", PartnerKind.EXPORT_AGENCY),
                "sgs": await register(store, "sgs", PartnerKind.INSPECTION_BODY),
                "slow": await register(store, "slow", PartnerKind.EXPORT_AGENCY, rate=3)}
        yield http, keys, app


async def post(http, key: str, ce_type: str, payload, **kw):
    body, headers = signed(key, ce_type, payload, **kw)
    return await http.post("/partner-events", content=body, headers=headers)


async def test_a_signed_event_becomes_a_command_and_is_answered_on_receipts(infrastructure, settings_for,
                                                                           unique) -> None:
    prefix = f"gw{unique}."
    async with partners_and_onboarding(settings_for, prefix) as (partners, http, _, _onboarding):
        key = await register(partners.state.ingress, "clementia", PartnerKind.ONBOARDING_PARTNER)
        body, headers = signed(key, APPLICATION, application())
        response = await http.post("/partner-events", content=body, headers=headers)
        assert response.status_code == 202 and response.json()["status"] == "accepted for processing", response.text
        event_id = headers["Ce-Id"]
        command = await read_until(infrastructure.kafka, f"{prefix}partners.commands",
                                   lambda r: json.loads(r.value).get("partner") == "clementia")
        assert header(command, "ce_type") == "ma.tijara.partner.command.submit-application.v1"
        provenance = json.loads(command.value)["provenance"]
        assert provenance["partner"] == "clementia" and provenance["channel"] == "http"
        assert provenance["key_id"] == key.rpartition(".")[0] and provenance["received_at"]
        receipt = await read_until(infrastructure.kafka, f"{prefix}partners.receipts.clementia",
                                   lambda r: r.key == b"clementia" and json.loads(r.value)["event_id"] == event_id)
        assert json.loads(receipt.value)["outcome"] == "accepted"
        body, again = signed(key, APPLICATION, body, ce_id=event_id, timestamp=int(time.time()) + 1)  # signed afresh
        resent = await http.post("/partner-events", content=body, headers=again)
        assert resent.status_code == 202 and resent.json()["status"] == "already received"


async def test_authentication_failures_are_401_with_a_reason(gateway) -> None:
    http, keys, _ = gateway
    body, headers = signed(keys["amdie"], ENDORSEMENT, endorsement("sup-1"))
    no_key = {k: v for k, v in headers.items() if k != "X-Tijara-Key"}
    assert (await http.post("/partner-events", content=body, headers=no_key)).status_code == 401
    key_id, _, secret = keys["amdie"].rpartition(".")
    for wrong in (f"{key_id}.{secret[:-2]}xx", f"amdie-000000000000.{secret}", "garbage", '{"$gt": ""}'):
        answer = await http.post("/partner-events", content=body, headers={**headers, "X-Tijara-Key": wrong})
        assert answer.status_code == 401 and "API key" in answer.json()["message"], wrong
    forged = await http.post("/partner-events", content=body.replace(b"sup-1", b"sup-2"), headers=headers)
    assert forged.status_code == 401 and forged.json()["error"] == "bad signature"
    other_secret = await http.post("/partner-events", content=body, headers={
        **headers, "X-Tijara-Signature": signed(keys["sgs"], ENDORSEMENT, body)[1]["X-Tijara-Signature"]})
    assert other_secret.status_code == 401
    stale = await post(http, keys["amdie"], ENDORSEMENT, endorsement("sup-1"), timestamp=int(time.time()) - 600)
    assert stale.status_code == 401 and stale.json()["error"] == "stale request"


async def test_the_signature_covers_ce_id_and_ce_type_and_the_old_scheme_is_refused(gateway) -> None:
    http, keys, _ = gateway
    body, headers = signed(keys["sgs"], INSPECTION, inspection("sup-1"))
    for name, value in (("Ce-Id", "another-id"), ("Ce-Type", ENDORSEMENT)):
        swapped = await http.post("/partner-events", content=body, headers={**headers, name: value})
        assert swapped.status_code == 401 and swapped.json()["error"] == "bad signature", name
    secret, ts = keys["sgs"].rpartition(".")[2], headers["X-Tijara-Timestamp"]
    old = "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    refused = await http.post("/partner-events", content=body, headers={**headers, "X-Tijara-Signature": old})
    assert refused.status_code == 401 and "v2=" in refused.json()["message"]
    assert "docs/partners.md" in refused.json()["message"]
    assert (await http.post("/partner-events", content=body, headers=headers)).status_code == 202


async def test_checks_run_size_key_signature_then_rate(gateway) -> None:
    http, keys, _ = gateway
    for _ in range(3):
        await post(http, keys["slow"], ENDORSEMENT, endorsement("sup-1"))  # the bucket of "slow" is empty now
    body, headers = signed(keys["slow"], ENDORSEMENT, endorsement("sup-1"))
    unsigned = await http.post("/partner-events", content=body, headers={**headers, "X-Tijara-Signature": "v2=00"})
    assert unsigned.status_code == 401  # the signature before the rate: a forger learns nothing of the bucket
    assert (await http.post("/partner-events", content=body, headers=headers)).status_code == 429
    big, big_headers = signed(keys["slow"], ENDORSEMENT, b"x" * 70_000)
    assert (await http.post("/partner-events", content=big, headers={**big_headers, "X-Tijara-Key": "x"})
            ).status_code == 413  # the size before the key


async def test_an_incomplete_application_is_answered_400_at_the_gateway(gateway) -> None:
    http, keys, _ = gateway
    without_ice = {k: v for k, v in profile().model_dump(mode="json").items() if k != "ice"}
    answer = await post(http, keys["clementia"], APPLICATION, application(profile=without_ice))
    assert answer.status_code == 400 and "ICE" in answer.json()["message"], answer.text
    tunisian = await post(http, keys["clementia"], APPLICATION, application(
        profile={**profile().model_dump(mode="json"), "region": "Sfax"}))
    assert tunisian.status_code == 400 and "Morocco's regions" in tunisian.json()["message"], tunisian.text
    twice = application(documents=documents() + documents()[:1])
    assert (await post(http, keys["clementia"], APPLICATION, twice)).status_code == 400
    assert (await post(http, keys["clementia"], APPLICATION, application())).status_code == 202


async def test_replay_scope_rate_size_and_schema(gateway) -> None:
    http, keys, _app = gateway
    body, headers = signed(keys["sgs"], INSPECTION, inspection("sup-1"))
    assert (await http.post("/partner-events", content=body, headers=headers)).status_code == 202
    replay = await http.post("/partner-events", content=body, headers=headers)
    assert replay.status_code == 409 and replay.json()["error"] == "replayed request"
    store = _app.state.ingress.partners
    assert await store.forget_signatures_before(datetime.now(UTC) - timedelta(minutes=11)) == 0  # too recent
    assert await store.forget_signatures_before(datetime.now(UTC) + timedelta(seconds=1)) == 1  # the timer's job

    scope = await post(http, keys["amdie"], INSPECTION, inspection("sup-1"))
    assert scope.status_code == 403 and "may publish ma.tijara.partner.endorsement.v1" in scope.json()["message"]
    unknown = await post(http, keys["amdie"], "ma.tijara.supplier.verified.v1", endorsement("sup-1"))
    assert unknown.status_code == 400 and unknown.json()["error"] == "unknown event type"
    invalid = await post(http, keys["amdie"], ENDORSEMENT, endorsement("sup 1"))
    assert invalid.status_code == 400 and "supplier_id" in invalid.json()["message"]
    provenance = await post(http, keys["amdie"], ENDORSEMENT, endorsement("sup-1", provenance={"partner": "sgs"}))
    assert provenance.status_code == 400

    big = await post(http, keys["amdie"], ENDORSEMENT, endorsement("sup-1", note="x" * 70_000))
    assert big.status_code == 413

    answers = [(await post(http, keys["slow"], ENDORSEMENT, endorsement("sup-1"))).status_code for _ in range(5)]
    assert answers[:3] == [202, 202, 202] and answers[3] == 429, answers
    limited = await post(http, keys["slow"], ENDORSEMENT, endorsement("sup-1"))
    assert int(limited.headers["Retry-After"]) >= 1 and "3 events a minute" in limited.json()["message"]


def _variants(payload: dict):
    """The payload with each field (and each nested field) replaced by each operator value, plus extra keys."""
    for name, value in payload.items():
        for bad in OPERATOR_VALUES:
            yield f"{name}={bad}", {**payload, name: bad}
        if isinstance(value, dict):
            for inner in _variants(value):
                yield f"{name}.{inner[0]}", {**payload, name: inner[1]}
    for extra in ("$where", "$gt", "profile.ice", "a.b"):
        yield f"extra {extra}", {**payload, extra: "1"}


async def _operator_keys(db) -> list[str]:
    found = []

    def walk(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                if k.startswith("$") or "." in k:
                    found.append(f"{path}.{k}")
                walk(v, f"{path}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")

    for name in await db.list_collection_names():
        async for doc in db[name].find({}):
            walk(doc, name)
    return found


def _walk_keys(value, keys: set[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            keys.add(k)
            _walk_keys(v, keys)
    elif isinstance(value, list):
        for v in value:
            _walk_keys(v, keys)


class _Commands(monitoring.CommandListener):
    """Every command the app sends to MongoDB, as sent."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def started(self, event) -> None:
        self.sent.append(json_util.dumps(event.command))

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


async def test_mongodb_operators_in_any_field_are_refused_and_never_stored(gateway_settings, monkeypatch) -> None:
    commands = _Commands()
    monkeypatch.setattr(runtime_module, "connect", lambda url, *concerns: AsyncMongoClient(
        url, tz_aware=True, serverSelectionTimeoutMS=5000, event_listeners=[commands]))
    app = build(gateway_settings)
    async with serving(app) as http:
        store = app.state.ingress
        keys = {kind: await register(store, name, kind) for name, kind in (
            ("clementia", PartnerKind.ONBOARDING_PARTNER), ("amdie", PartnerKind.EXPORT_AGENCY),
            ("sgs", PartnerKind.INSPECTION_BODY))}
        cases = [(keys[PartnerKind.ONBOARDING_PARTNER], APPLICATION, application()),
                 (keys[PartnerKind.EXPORT_AGENCY], ENDORSEMENT, endorsement("sup-1")),
                 (keys[PartnerKind.INSPECTION_BODY], INSPECTION, inspection("sup-1", passed=False))]
        commands.sent.clear()
        tried = 0
        for key, ce_type, payload in cases:
            for label, variant in _variants(payload):
                answer = await post(http, key, ce_type, variant)
                assert answer.status_code == 400, (ce_type, label, answer.text)
                tried += 1
            answer = await post(http, key, ce_type, payload, ce_id='{"$gt": ""}')
            assert answer.status_code == 400
            for bad_key in ('{"$gt": ""}', "clementia-$where.x", "a.b.c"):
                answer = await http.post("/partner-events", content=b"{}", headers={"X-Tijara-Key": bad_key})
                assert answer.status_code == 401
        assert tried > 60
        assert any("keys.key_id" in c for c in commands.sent)  # the listener saw the key lookups
        keys: set[str] = set()
        for command in commands.sent:
            _walk_keys(json_util.loads(command), keys)
        assert not keys & {"$where", "$gt", "a.b", "profile.ice"}, keys
        assert not any("sleep(1000)" in c for c in commands.sent)
        assert await _operator_keys(app.state.runtime.db) == []


async def test_a_kafka_outage_delays_the_command_not_the_answer(gateway_settings) -> None:
    app = build(gateway_settings)
    async with serving(app) as http:
        key = await register(app.state.ingress, "amdie", PartnerKind.EXPORT_AGENCY)
        await app.state.runtime.broker.stop()  # the producer is gone: the relay cannot publish
        answer = await post(http, key, ENDORSEMENT, endorsement("sup-1"))
        assert answer.status_code == 202, answer.text
        [pending] = await app.state.ingress.inputs.inputs.find({"outbox": {"$ne": []}}).to_list()
        assert [e["topic"] for e in pending["outbox"]] == ["partners.commands"]
