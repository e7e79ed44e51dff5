"""Partner input across processes: the partners service (its own process and database) admits signed input,
onboarding (another process) applies it, and the receipt comes back; the registry is run with `tijara partners`
over HTTP with the operator's token. An agency cannot endorse in another agency's name, over HTTP or Kafka: such a
record is dead-lettered and answered to nobody."""

from __future__ import annotations

import asyncio
import json

import httpx

from deploy.local.demo_partners import seed_demo
from tests.e2e.test_marketplace_flow import apply, wait_for
from tests.integration.helpers import header, publish, read_until
from tests.integration.partner_helpers import application, ce_headers, endorsement, signed, signed_record

APPLICATION, ENDORSEMENT = "ma.tijara.partner.supplier-application.v1", "ma.tijara.partner.endorsement.v1"


def test_a_partner_applies_and_endorses_through_the_partners_service(marketplace, tmp_path):
    partners, onboarding = marketplace.url("partners"), marketplace.url("onboarding")
    prefix = marketplace.extra_env["KAFKA_TOPIC_PREFIX"]
    keys_file = tmp_path / "partner-keys.json"
    assert seed_demo(partners, marketplace.token("operator"), keys_file) == 8
    keys = json.loads(keys_file.read_text())
    assert httpx.get(f"{partners}/partners", timeout=10).status_code == 401  # the registry is the operator's
    assert httpx.get(f"{partners}/partners", headers=marketplace.auth("staff"), timeout=10).status_code == 403
    staff = marketplace.auth("staff")

    body, headers = signed(keys["clementia"], APPLICATION, application())
    accepted = httpx.post(f"{partners}/partner-events", content=body, headers=headers, timeout=10)
    assert accepted.status_code == 202, accepted.text
    receipt = asyncio.run(_receipt(marketplace.kafka, prefix, "clementia", headers["Ce-Id"]))
    assert receipt["outcome"] == "accepted", receipt
    supplier_id = receipt["supplier_id"]
    supplier = httpx.get(f"{onboarding}/suppliers/{supplier_id}", headers=staff, timeout=10).json()
    assert supplier["submitted_by"] == "clementia" and supplier["status"] == "submitted"
    apply(onboarding, supplier_id, "documents-verification", None, staff)

    # ASMEX signs an endorsement that claims to come from AMDIE: dead-lettered, and no receipt under AMDIE's name
    value = json.dumps(endorsement(supplier_id)).encode()
    forged = signed_record(keys["asmex"], ce_headers("amdie", ENDORSEMENT), value)
    asyncio.run(publish(marketplace.kafka, raw=[(f"{prefix}partners.endorsements", supplier_id.encode(), value,
                                                 forged)]))
    dead = asyncio.run(read_until(marketplace.kafka, f"{prefix}partners.endorsements.dlq",
                                  lambda r: header(r, "ce_id") == forged["ce_id"]))
    assert header(dead, "dlq_error_type") == "bad-signature"
    assert httpx.get(f"{onboarding}/suppliers/{supplier_id}", headers=staff, timeout=10).json()["endorsed_by"] is None

    # AMDIE's own signed record endorses, as AMDIE
    own = signed_record(keys["amdie"], ce_headers("amdie", ENDORSEMENT), value)
    asyncio.run(publish(marketplace.kafka, raw=[(f"{prefix}partners.endorsements", supplier_id.encode(), value,
                                                 own)]))
    assert asyncio.run(_receipt(marketplace.kafka, prefix, "amdie", own["ce_id"]))["outcome"] == "accepted"

    def endorsed() -> dict:
        supplier = httpx.get(f"{onboarding}/suppliers/{supplier_id}", headers=staff, timeout=10).json()
        assert supplier["status"] == "endorsed" and supplier["endorsed_by"] == "AMDIE", supplier
        return supplier

    wait_for(endorsed)


async def _receipt(kafka: str, prefix: str, partner: str, event_id: str) -> dict:
    record = await read_until(kafka, f"{prefix}partners.receipts.{partner}",
                              lambda r: r.key == partner.encode() and json.loads(r.value)["event_id"] == event_id)
    return json.loads(record.value)
