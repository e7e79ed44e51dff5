"""onboarding on real Kafka and FerretDB: HTTP in, CloudEvents out through the outbox."""

import asyncio
import json

from services.onboarding.main import Settings, build
from tests.factories import profile
from tests.integration.helpers import header, read_until, serving


async def test_application_and_verification_publish_supplier_events(infrastructure, settings_for) -> None:
    async with serving(build(settings_for(Settings))) as http:
        created = await http.post("/suppliers", json={"profile": profile().model_dump(mode="json"),
                                                      "submitted_by": "clementia"})
        assert created.status_code == 201, created.text
        supplier_id = created.json()["supplier_id"]
        verified = await http.post(f"/suppliers/{supplier_id}/verification", json={"decision": "verified"})
        assert verified.status_code == 200 and verified.json()["status"] == "verified"

        record = await read_until(infrastructure.kafka, "onboarding.suppliers",
                                  lambda r: r.key == supplier_id.encode()
                                  and header(r, "ce_type") == "ma.tijara.supplier.verified.v1")
        assert header(record, "ce_subject") == supplier_id and header(record, "ce_source") == "/tijara/onboarding"
        assert header(record, "traceparent")
        assert json.loads(record.value)["sequence"] == 2

        again = await http.post(f"/suppliers/{supplier_id}/verification", json={"decision": "rejected",
                                                                                 "reason": "late"})
        assert again.status_code == 409 and again.json()["current_state"] == "verified"


async def test_invalid_application_gets_a_readable_422(settings_for) -> None:
    async with serving(build(settings_for(Settings))) as http:
        response = await http.post("/suppliers", json={"profile": {**profile().model_dump(mode="json"),
                                                                   "ice": "12-34"}})
        assert response.status_code == 422
        assert "body.profile.ice" in response.json()["message"]


async def test_same_ice_twice_is_a_conflict(settings_for) -> None:
    async with serving(build(settings_for(Settings))) as http:
        body = {"profile": profile().model_dump(mode="json")}
        assert (await http.post("/suppliers", json=body)).status_code == 201
        second = await http.post("/suppliers", json=body)
        assert second.status_code == 409 and "already registered" in second.json()["message"]


async def test_event_left_in_the_outbox_by_a_crash_is_published_on_restart(infrastructure, settings_for) -> None:
    """The write lands with its pending event; the process dies before publishing; the next start sends it."""
    settings = settings_for(Settings)
    app = build(settings)
    relay = app.state.onboarding.relay
    relay.run = asyncio.Event().wait  # the 'crash': writes land, nothing is ever published by this process
    relay.wake = lambda *args: None
    async with serving(app) as http:
        body = {"profile": profile().model_dump(mode="json")}
        supplier_id = (await http.post("/suppliers", json=body)).json()["supplier_id"]
    async with serving(build(settings)):
        await read_until(infrastructure.kafka, "onboarding.suppliers", lambda r: r.key == supplier_id.encode())
