"""Receipts pushed to a partner's webhook, against a real HTTP receiver on loopback that verifies each push with the
off-the-shelf `standardwebhooks` library: signed per the Standard Webhooks spec, retried with backoff after a
failure under the same webhook-id, pushed once whatever is replayed, and a push that keeps failing recorded as
failed. The partners service and onboarding run in-process on the real broker and store."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook

from services.partners.domain import PartnerKind
from shared.contracts.partners import PartnerEndorsement, PartnerSupplierApplication
from tests.integration.helpers import eventually, header, publish, read_until
from tests.integration.partner_helpers import application, endorsement, partners_and_onboarding, register, signed

APPLICATION, ENDORSEMENT = PartnerSupplierApplication.TYPE, PartnerEndorsement.TYPE


class Receiver:
    """A partner's endpoint on 127.0.0.1: answers 500 to the first push, then 204; keeps what it was sent."""

    def __init__(self) -> None:
        self.pushes: list[tuple[dict[str, str], bytes, int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["content-length"]))
                status = 500 if not receiver.pushes else 204
                receiver.pushes.append(({k.lower(): v for k, v in self.headers.items()}, body, status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tijara/receipts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


async def test_receipts_are_pushed_signed_retried_and_once(settings_for, unique, issuer, receiver,
                                                           infrastructure) -> None:
    prefix = f"wh{unique}."
    fast = {"webhooks_allow_loopback_http": True, "webhook_poll_seconds": 0.1, "webhook_backoff_seconds": 0.3,
            "webhook_max_attempts": 3}
    async with partners_and_onboarding(settings_for, prefix, **fast) as (partners, http, _, _onboarding):
        ingress, operator = partners.state.ingress, issuer.auth("operator")
        keys = {"clementia": await register(ingress, "clementia", PartnerKind.ONBOARDING_PARTNER),
                "amdie": await register(ingress, "amdie", PartnerKind.EXPORT_AGENCY)}
        for refused in ("http://partner.example/hooks", "ftp://127.0.0.1/x", "https://user:pw@partner.example/x"):
            answer = await http.put("/partners/clementia/webhook", json={"url": refused}, headers=operator)
            assert answer.status_code == 400, (refused, answer.text)
        assert (await http.put("/partners/clementia/webhook", json={"url": receiver.url})).status_code == 401
        set_up = await http.put("/partners/clementia/webhook", json={"url": receiver.url}, headers=operator)
        assert set_up.status_code == 200, set_up.text
        secret = set_up.json()["secret"]
        assert secret.startswith("whsec_")
        shown = (await http.get("/partners/clementia", headers=operator)).json()
        assert shown["webhook_url"] == receiver.url and secret not in json.dumps(shown)

        body, headers = signed(keys["clementia"], APPLICATION, application())
        assert (await http.post("/partner-events", content=body, headers=headers)).status_code == 202

        async def pushed_twice() -> None:
            assert [status for *_, status in receiver.pushes] == [500, 204], receiver.pushes

        await eventually(pushed_twice)
        (first, first_body, _), (second, second_body, _) = receiver.pushes
        assert first["webhook-id"] == second["webhook-id"] and first["webhook-id"].startswith("msg_")
        for sent_headers, sent_body in ((first, first_body), (second, second_body)):
            message = Webhook(secret).verify(sent_body, sent_headers)  # the off-the-shelf verification
            assert message["type"] == "ma.tijara.partner.receipt.v1"
        receipt = (await http.get(f"/partner-events/{headers['Ce-Id']}", headers={"X-Tijara-Key": keys[
            "clementia"]})).json()
        assert message["data"] == receipt and receipt["outcome"] == "accepted"

        # replays push nothing again: the event resent, onboarding's outcome delivered once more
        body, again = signed(keys["clementia"], APPLICATION, body, ce_id=headers["Ce-Id"],
                             timestamp=int(time.time()) + 1)
        assert (await http.post("/partner-events", content=body, headers=again)).json()["status"] == "already received"
        outcome = await read_until(infrastructure.kafka, f"{prefix}partners.outcomes",
                                   lambda r: json.loads(r.value)["partner"] == "clementia")
        await publish(infrastructure.kafka, raw=[(outcome.topic, outcome.key, outcome.value,
                                                  {k: v.decode() for k, v in outcome.headers})])
        await read_until(infrastructure.kafka, f"{prefix}partners.receipts.clementia",
                         lambda r: header(r, "ce_id") is not None and r.offset >= 1)  # the resent receipt
        await asyncio.sleep(1.5)  # a dozen push rounds
        assert len(receiver.pushes) == 2
        command = await ingress.inputs.get("cmd-" + first["webhook-id"].removeprefix("msg_"))
        assert command["webhook"]["state"] == "delivered" and command["webhook"]["attempts"] == 2

        # a webhook that never answers: retried with backoff, then recorded as failed with its last error
        await http.put("/partners/amdie/webhook", json={"url": "http://127.0.0.1:9/closed"}, headers=operator)
        body, headers = signed(keys["amdie"], ENDORSEMENT, endorsement("sup-missing"))
        assert (await http.post("/partner-events", content=body, headers=headers)).status_code == 202

        async def failed() -> dict:
            [doc] = await ingress.inputs.inputs.find({"partner": "amdie"}).to_list()
            assert doc.get("webhook", {}).get("state") == "failed", doc.get("webhook")
            return doc["webhook"]

        gave_up = await eventually(failed)
        assert gave_up["attempts"] == 3 and gave_up["last_error"]
        assert (await http.delete("/partners/amdie/webhook", headers=operator)).status_code == 204
        assert (await http.get("/partners/amdie", headers=operator)).json()["webhook_url"] is None


async def test_a_partners_contact_is_for_operators_and_the_notifier_only(settings_for, unique, issuer) -> None:
    async with partners_and_onboarding(settings_for, f"ct{unique}.") as (_, http, _o, _h):
        registration = {"partner_id": "amdie", "name": "AMDIE", "kind": "export-agency", "organisation": "AMDIE",
                        "contact_email": "integration@amdie.example.ma", "language": "fr"}
        created = await http.post("/partners", json=registration, headers=issuer.auth("operator"))
        assert created.status_code == 201, created.text
        assert "integration@amdie.example.ma" not in created.text  # the registry view names no contact
        for wrong in ({"contact_email": "not-an-address"}, {"language": "de"}, {"partner_id": "Amdie_2"}):
            answer = await http.post("/partners", json=registration | {"partner_id": "x"} | wrong,
                                     headers=issuer.auth("operator"))
            assert 400 <= answer.status_code < 500 and answer.status_code not in (401, 403), (wrong, answer.text)
        for role in ("operator", "notifier"):
            answer = await http.get("/partners/amdie/contact", headers=issuer.auth(role))
            assert answer.status_code == 200, (role, answer.text)
            assert answer.json() == {"partner_id": "amdie", "name": "AMDIE", "language": "fr",
                                     "contact_email": "integration@amdie.example.ma"}
        for role in ("staff", "agency:AMDIE", "partner:clementia"):
            assert (await http.get("/partners/amdie/contact", headers=issuer.auth(role))).status_code == 403, role
        assert (await http.get("/partners/amdie", headers=issuer.auth("notifier"))).status_code == 403
        assert (await http.get("/partners/amdie/contact")).status_code == 401
        assert (await http.get("/partners/nobody/contact", headers=issuer.auth("notifier"))).status_code == 404
