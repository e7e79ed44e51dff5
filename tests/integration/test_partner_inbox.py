"""Partner ingestion over Kafka, end to end on the real broker and FerretDB: events in on partners.*, receipts out
on partners.receipts keyed by partner, rejected input also on <topic>.dlq. Each test has its own topic prefix."""

from __future__ import annotations

import json

import pytest
from aiokafka import AIOKafkaConsumer

from services.onboarding.main import Settings, build
from services.onboarding.partners import PartnerKind
from shared.partners import PartnerEndorsement, PartnerInspectionReport, PartnerSupplierApplication
from shared.suppliers import SupplierApplicationSubmitted
from tests.factories import profile
from tests.integration.helpers import eventually, header, publish, read_until, serving
from tests.integration.partner_helpers import application, ce_headers, endorsement, inspection, register

APPLICATION, ENDORSEMENT, INSPECTION = (PartnerSupplierApplication.TYPE, PartnerEndorsement.TYPE,
                                        PartnerInspectionReport.TYPE)


@pytest.fixture
def partner_settings(settings_for, unique):
    settings = settings_for(Settings)
    settings.kafka_topic_prefix = f"it{unique}."
    return settings


async def receipt(kafka: str, prefix: str, partner: str, event_id: str) -> dict:
    record = await read_until(kafka, f"{prefix}partners.receipts",
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


async def send(kafka: str, prefix: str, topic: str, partner: str, ce_type: str, data: dict | bytes,
               key: str = "k") -> str:
    headers = ce_headers(partner, ce_type)
    value = data if isinstance(data, bytes) else json.dumps(data).encode()
    await publish(kafka, raw=[(f"{prefix}{topic}", key.encode(), value, headers)])
    return headers["ce_id"]


async def test_partner_events_are_applied_and_acknowledged(infrastructure, partner_settings, issuer) -> None:
    kafka, prefix = infrastructure.kafka, partner_settings.kafka_topic_prefix
    app = build(partner_settings)
    async with serving(app) as http:
        store = app.state.gateway.partners
        for partner_id, kind in (("clementia", PartnerKind.ONBOARDING_PARTNER), ("amdie", PartnerKind.EXPORT_AGENCY),
                                 ("sgs", PartnerKind.INSPECTION_BODY)):
            await register(store, partner_id, kind)

        event_id = await send(kafka, prefix, "partners.applications", "clementia", APPLICATION, application())
        accepted = await receipt(kafka, prefix, "clementia", event_id)
        assert accepted["outcome"] == "accepted" and accepted["event_type"] == APPLICATION
        supplier_id = accepted["supplier_id"]
        supplier = (await http.get(f"/suppliers/{supplier_id}", headers=issuer.auth("staff"))).json()
        assert supplier["submitted_by"] == "clementia"
        await read_until(kafka, f"{prefix}onboarding.suppliers",
                         lambda r: r.key == supplier_id.encode()
                         and header(r, "ce_type") == SupplierApplicationSubmitted.TYPE)

        early = await send(kafka, prefix, "partners.endorsements", "amdie", ENDORSEMENT, endorsement(supplier_id))
        refused = await receipt(kafka, prefix, "amdie", early)  # documents not verified yet: the workflow says no
        assert refused["outcome"] == "rejected" and refused["reason"] == "conflict", refused
        await app.state.onboarding.verify_documents(supplier_id, reviewer="ops-casablanca")

        endorsed = await send(kafka, prefix, "partners.endorsements", "amdie", ENDORSEMENT, endorsement(supplier_id))
        assert (await receipt(kafka, prefix, "amdie", endorsed))["outcome"] == "accepted"
        inspected = await send(kafka, prefix, "partners.inspections", "sgs", INSPECTION, inspection(supplier_id))
        answer = await receipt(kafka, prefix, "sgs", inspected)
        assert answer["outcome"] == "accepted", answer
        assert answer["supplier_id"] == supplier_id
        supplier = (await http.get(f"/suppliers/{supplier_id}", headers=issuer.auth("staff"))).json()
        assert supplier["status"] == "inspected" and supplier["endorsed_by"] == "AMDIE", supplier
        assert supplier["inspection"]["body"] == "SGS" and supplier["inspection"]["report_id"].startswith("rep-")


async def test_each_rejection_gets_a_receipt_with_the_reason_and_a_dead_letter(infrastructure,
                                                                               partner_settings) -> None:
    kafka, prefix = infrastructure.kafka, partner_settings.kafka_topic_prefix
    app = build(partner_settings)
    async with serving(app):
        store = app.state.gateway.partners
        await register(store, "clementia", PartnerKind.ONBOARDING_PARTNER)
        await register(store, "amdie", PartnerKind.EXPORT_AGENCY)
        same_ice = profile().model_dump(mode="json")
        first = await send(kafka, prefix, "partners.applications", "clementia", APPLICATION,
                           application(profile=same_ice))
        assert (await receipt(kafka, prefix, "clementia", first))["outcome"] == "accepted"

        cases = {  # expected reason: (topic, partner, type, value)
            "undecodable": ("partners.applications", "clementia", APPLICATION, b"{not json"),
            "schema-invalid": ("partners.applications", "clementia", APPLICATION,
                               application(profile={**same_ice, "ice": "12-34"})),
            "unknown-type": ("partners.applications", "clementia", "ma.tijara.partner.gossip.v1", application()),
            "unknown-partner": ("partners.endorsements", "acme", ENDORSEMENT, endorsement("sup-1")),
            "type-not-allowed": ("partners.endorsements", "clementia", ENDORSEMENT, endorsement("sup-1")),
            "supplier-not-found": ("partners.endorsements", "amdie", ENDORSEMENT, endorsement("sup-missing")),
            "conflict": ("partners.applications", "clementia", APPLICATION, application(profile=same_ice)),
        }
        sent = {reason: (await send(kafka, prefix, topic, partner, ce_type, value), partner, topic)
                for reason, (topic, partner, ce_type, value) in cases.items()}
        wrong_topic = await send(kafka, prefix, "partners.applications", "amdie", ENDORSEMENT, endorsement("sup-1"))

        for reason, (event_id, partner, topic) in sent.items():
            answer = await receipt(kafka, prefix, partner if partner != "acme" else "acme", event_id)
            assert answer["outcome"] == "rejected" and answer["reason"] == reason, (reason, answer)
            assert answer["message"], reason
            dead = await read_until(kafka, f"{prefix}{topic}.dlq", lambda r: header(r, "ce_id") == event_id)
            assert header(dead, "dlq_error_type") == reason
        forged = await send(kafka, prefix, "partners.endorsements", "$where: 1", ENDORSEMENT, endorsement("sup-1"))
        anonymous = await receipt(kafka, prefix, "unknown", forged)
        assert anonymous["reason"] == "unknown-partner"
        misplaced = await receipt(kafka, prefix, "amdie", wrong_topic)
        assert misplaced["reason"] == "type-not-allowed" and "belongs on partners.endorsements" in misplaced["message"]


async def test_a_resent_event_gets_the_same_receipt_and_is_applied_once(infrastructure, partner_settings) -> None:
    kafka, prefix = infrastructure.kafka, partner_settings.kafka_topic_prefix
    app = build(partner_settings)
    async with serving(app):
        await register(app.state.gateway.partners, "clementia", PartnerKind.ONBOARDING_PARTNER)
        headers = ce_headers("clementia", APPLICATION)
        value = json.dumps(application()).encode()
        topic = f"{prefix}partners.applications"
        await publish(kafka, raw=[(topic, b"app", value, headers), (topic, b"app", value, headers)])

        async def both_answered() -> list[dict]:
            answers = await collect(kafka, f"{prefix}partners.receipts",
                                    lambda r: json.loads(r.value)["event_id"] == headers["ce_id"])
            assert len(answers) == 2, answers
            return answers

        first, second = await eventually(both_answered)
        assert first["outcome"] == second["outcome"] == "accepted"
        assert first["supplier_id"] == second["supplier_id"]
        assert await app.state.onboarding.store.suppliers.count_documents({}) == 1
