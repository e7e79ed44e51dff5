"""Partner input over Kafka, end to end on the real broker and store: signed events in on partners.*, admitted by
the partners service as commands, applied by onboarding, answered on the partner's own partners.receipts.<partner>;
refused input also on <topic>.dlq. Both services run in-process; each test has its own topic prefix."""

from __future__ import annotations

import json

import pytest
from aiokafka import AIOKafkaConsumer

from services.partners.domain import PartnerKind
from shared.contracts.partners import PartnerEndorsement, PartnerInspectionReport, PartnerSupplierApplication
from shared.contracts.suppliers import SupplierApplicationSubmitted
from tests.factories import profile
from tests.integration.helpers import eventually, header, publish, read_until
from tests.integration.partner_helpers import (
    application,
    ce_headers,
    endorsement,
    inspection,
    partners_and_onboarding,
    receipts_topic,
    register,
    signed_record,
)

APPLICATION, ENDORSEMENT, INSPECTION = (PartnerSupplierApplication.TYPE, PartnerEndorsement.TYPE,
                                        PartnerInspectionReport.TYPE)
INSPECTED = "ma.tijara.supplier.inspected.v1"


@pytest.fixture
def prefix(unique) -> str:
    return f"it{unique}."


async def receipt(kafka: str, prefix: str, partner: str, event_id: str) -> dict:
    record = await read_until(kafka, f"{prefix}partners.receipts.{partner}",
                              lambda r: r.key == partner.encode() and json.loads(r.value)["event_id"] == event_id)
    assert header(record, "ce_type") == "ma.tijara.partner.receipt.v1"
    return json.loads(record.value)


async def collect(kafka: str, topic: str, match) -> list[dict]:
    """Every matching record on the topic now (read from the beginning until a quiet second)."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=kafka, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    found = []
    try:
        while batches := await consumer.getmany(timeout_ms=1000):
            found += [json.loads(r.value) for records in batches.values() for r in records if match(r)]
    finally:
        await consumer.stop()
    return found


async def send(kafka: str, prefix: str, topic: str, partner: str, ce_type: str, data: dict | bytes | None,
               key: str | None = None, signer: str | None = None) -> str:
    """A partner's record; signed with `signer` (a plaintext API key) when given."""
    headers = ce_headers(partner, ce_type)
    value = data if data is None or isinstance(data, bytes) else json.dumps(data).encode()
    if signer:
        headers = signed_record(signer, headers, value or b"")
    await publish(kafka, raw=[(f"{prefix}{topic}", (key or "k").encode(), value, headers)])
    return headers["ce_id"]


async def test_partner_events_are_applied_and_acknowledged(infrastructure, settings_for, prefix, issuer) -> None:
    kafka = infrastructure.kafka
    async with partners_and_onboarding(settings_for, prefix) as (partners, _, onboarding, http):
        store = partners.state.ingress
        keys = {partner_id: await register(store, partner_id, kind) for partner_id, kind in (
            ("clementia", PartnerKind.ONBOARDING_PARTNER), ("amdie", PartnerKind.EXPORT_AGENCY),
            ("sgs", PartnerKind.INSPECTION_BODY))}

        event_id = await send(kafka, prefix, "partners.applications", "clementia", APPLICATION, application(),
                              signer=keys["clementia"])
        accepted = await receipt(kafka, prefix, "clementia", event_id)
        assert accepted["outcome"] == "accepted" and accepted["event_type"] == APPLICATION, accepted
        supplier_id = accepted["supplier_id"]
        supplier = (await http.get(f"/suppliers/{supplier_id}", headers=issuer.auth("staff"))).json()
        assert supplier["submitted_by"] == "clementia"
        await read_until(kafka, f"{prefix}onboarding.suppliers",
                         lambda r: r.key == supplier_id.encode()
                         and header(r, "ce_type") == SupplierApplicationSubmitted.TYPE)

        early = await send(kafka, prefix, "partners.endorsements", "amdie", ENDORSEMENT, endorsement(supplier_id),
                           key=supplier_id, signer=keys["amdie"])
        refused = await receipt(kafka, prefix, "amdie", early)  # documents not verified yet: the workflow says no
        assert refused["outcome"] == "rejected" and refused["reason"] == "conflict", refused
        await onboarding.state.onboarding.verify_documents(supplier_id, reviewer="ops-casablanca")

        endorsed = await send(kafka, prefix, "partners.endorsements", "amdie", ENDORSEMENT,
                              endorsement(supplier_id), key=supplier_id, signer=keys["amdie"])
        assert (await receipt(kafka, prefix, "amdie", endorsed))["outcome"] == "accepted"
        inspected = await send(kafka, prefix, "partners.inspections", "sgs", INSPECTION, inspection(supplier_id),
                               key=supplier_id, signer=keys["sgs"])
        answer = await receipt(kafka, prefix, "sgs", inspected)
        assert answer["outcome"] == "accepted" and answer["supplier_id"] == supplier_id, answer
        supplier = (await http.get(f"/suppliers/{supplier_id}", headers=issuer.auth("staff"))).json()
        assert supplier["status"] == "inspected" and supplier["endorsed_by"] == "AMDIE", supplier
        assert supplier["inspection"]["body"] == "SGS" and supplier["inspection"]["report_id"].startswith("rep-")
        submitted = await read_until(kafka, f"{prefix}onboarding.suppliers",
                                     lambda r: r.key == supplier_id.encode() and header(r, "ce_type") == INSPECTED)
        assert json.loads(submitted.value)["actor"] == {"subject": "partner:sgs", "role": "inspection",
                                                        "organisation": "SGS"}  # who did it travels with it


async def test_each_refusal_of_an_authenticated_partner_gets_a_receipt_and_a_dead_letter(
        infrastructure, settings_for, prefix) -> None:
    kafka = infrastructure.kafka
    async with partners_and_onboarding(settings_for, prefix) as (partners, *_):
        store = partners.state.ingress
        keys = {"clementia": await register(store, "clementia", PartnerKind.ONBOARDING_PARTNER),
                "amdie": await register(store, "amdie", PartnerKind.EXPORT_AGENCY)}
        stamped = endorsement("sup-1", provenance={"partner": "amdie", "channel": "http",
                                                   "received_at": "2026-11-27T09:00:00+00:00"})
        cases = {  # expected reason: (topic, partner in ce_source, type, value, signing key) - all signed
            "undecodable": ("partners.applications", "clementia", APPLICATION, b"{not json", keys["clementia"]),
            "schema-invalid": ("partners.applications", "clementia", APPLICATION,
                               application(profile={**profile().model_dump(mode="json"), "ice": "12-34"}),
                               keys["clementia"]),
            "unknown-type": ("partners.applications", "clementia", "ma.tijara.partner.gossip.v1", application(),
                             keys["clementia"]),
            "type-not-allowed": ("partners.endorsements", "clementia", ENDORSEMENT, endorsement("sup-1"),
                                 keys["clementia"]),
            "provenance-not-allowed": ("partners.endorsements", "amdie", ENDORSEMENT, stamped, keys["amdie"]),
        }
        sent = {reason: (await send(kafka, prefix, topic, partner, ce_type, value, signer=key), partner, topic)
                for reason, (topic, partner, ce_type, value, key) in cases.items()}
        wrong_topic = await send(kafka, prefix, "partners.applications", "amdie", ENDORSEMENT, endorsement("sup-1"),
                                 signer=keys["amdie"])

        for reason, (event_id, partner, topic) in sent.items():
            answer = await receipt(kafka, prefix, partner, event_id)
            assert answer["outcome"] == "rejected" and answer["reason"] == reason, (reason, answer)
            assert answer["message"], reason
            dead = await read_until(kafka, f"{prefix}{topic}.dlq", lambda r: header(r, "ce_id") == event_id)
            assert header(dead, "dlq_error_type") == reason
        misplaced = await receipt(kafka, prefix, "amdie", wrong_topic)
        assert misplaced["reason"] == "type-not-allowed" and "belongs on partners.endorsements" in misplaced["message"]
        missing = await send(kafka, prefix, "partners.endorsements", "amdie", ENDORSEMENT,
                             endorsement("sup-missing"), signer=keys["amdie"])
        answer = await receipt(kafka, prefix, "amdie", missing)  # onboarding's refusal: a receipt, no dead letter
        assert answer["reason"] == "supplier-not-found" and answer["supplier_id"] == "sup-missing", answer


async def test_what_cannot_be_authenticated_is_dead_lettered_and_never_answered(infrastructure, settings_for,
                                                                                prefix) -> None:
    """The attack of issue 19: records naming AMDIE in ce_source that AMDIE did not sign, carrying text of the
    sender's choosing. None may become a receipt under AMDIE (or anyone): each lands on the DLQ with its reason."""
    kafka = infrastructure.kafka
    lure = "Your key was revoked - re-register at https://evil.example/tijara"
    async with partners_and_onboarding(settings_for, prefix) as (partners, *_):
        store = partners.state.ingress
        await register(store, "amdie", PartnerKind.EXPORT_AGENCY)
        asmex = await register(store, "asmex", PartnerKind.EXPORT_AGENCY, organisation="ASMEX")
        topic = "partners.endorsements"
        cases = {  # what each is: (partner in ce_source, value, signing key, expected reason)
            "unsigned": ("amdie", endorsement("sup-1", note=lure), None, "bad-signature"),
            "signed by another partner": ("amdie", endorsement("sup-1", note=lure), asmex, "bad-signature"),
            "unsigned, undecodable": ("amdie", lure.encode(), None, "bad-signature"),
            "unregistered sender": ("acme", endorsement("sup-1", note=lure), None, "unknown-partner"),
            "operator-shaped sender": ("$where: 1", endorsement("sup-1"), None, "unknown-partner"),
            "tombstone": ("amdie", None, None, "tombstone"),
        }
        sent = {name: await send(kafka, prefix, topic, partner, ENDORSEMENT, value, signer=key)
                for name, (partner, value, key, _) in cases.items()}
        tampered = ce_headers("amdie", ENDORSEMENT)
        value = json.dumps(endorsement("sup-1")).encode()
        tampered = signed_record(asmex, tampered, value)  # a valid ASMEX signature, then the value changed
        await publish(kafka, raw=[(f"{prefix}{topic}", b"k", value.replace(b"sup-1", b"sup-2"), tampered)])
        sent["signature over other bytes"], cases["signature over other bytes"] = tampered["ce_id"], (
            "amdie", None, None, "bad-signature")

        for name, event_id in sent.items():
            dead = await read_until(kafka, f"{prefix}{topic}.dlq", lambda r, i=event_id: header(r, "ce_id") == i)
            assert header(dead, "dlq_error_type") == cases[name][3], name
        # a control, sent last: a genuine ASMEX record is answered, so the inbox is past everything above
        control = await send(kafka, prefix, topic, "asmex", ENDORSEMENT, endorsement("sup-missing"), signer=asmex)
        assert (await receipt(kafka, prefix, "asmex", control))["reason"] == "supplier-not-found"
        receipts = [r for p in ("amdie", "asmex") for r in await collect(kafka, receipts_topic(prefix, p),
                                                                          lambda r: True)]
        assert not {r["event_id"] for r in receipts} & set(sent.values()), receipts
        assert not any(lure in (r.get("message") or "") for r in receipts)
        assert [r["partner"] for r in receipts] == ["asmex"]
        assert await partners.state.ingress.inputs.inputs.count_documents({"partner": "amdie"}) == 0


async def test_a_resent_event_is_applied_once_and_answered_alike(infrastructure, settings_for, prefix) -> None:
    kafka = infrastructure.kafka
    async with partners_and_onboarding(settings_for, prefix) as (partners, _, onboarding, _http):
        key = await register(partners.state.ingress, "clementia", PartnerKind.ONBOARDING_PARTNER)
        value = json.dumps(application()).encode()
        headers = signed_record(key, ce_headers("clementia", APPLICATION), value)
        topic = f"{prefix}partners.applications"
        await publish(kafka, raw=[(topic, b"app", value, headers), (topic, b"app", value, headers)])
        first = await receipt(kafka, prefix, "clementia", headers["ce_id"])
        await publish(kafka, raw=[(topic, b"app", value, headers)])  # once answered, a resend gets the receipt again

        async def answered_again() -> list[dict]:
            answers = await collect(kafka, receipts_topic(prefix, "clementia"),
                                    lambda r: json.loads(r.value)["event_id"] == headers["ce_id"])
            assert len(answers) >= 2, answers
            return answers

        answers = await eventually(answered_again)
        assert {(a["outcome"], a["supplier_id"]) for a in answers} == {("accepted", first["supplier_id"])}
        assert await onboarding.state.onboarding.store.suppliers.count_documents({}) == 1
