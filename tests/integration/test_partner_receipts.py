"""A partner reads its own outcomes over HTTP with its key, against the partners service and onboarding on the real
broker and store: the receipt of one of its events (202 while onboarding decides, 404 for an id it never sent,
another partner's included), its receipts since a cursor in a stable order, and the suppliers it brought with what
it may send next (learnt from onboarding's public supplier events)."""

from __future__ import annotations

import pytest

from services.partners.domain import PartnerKind
from shared.contracts.partners import PartnerEndorsement, PartnerSupplierApplication
from tests.integration.helpers import eventually
from tests.integration.partner_helpers import application, endorsement, partners_and_onboarding, register, signed

APPLICATION, ENDORSEMENT = PartnerSupplierApplication.TYPE, PartnerEndorsement.TYPE


@pytest.fixture
def prefix(unique) -> str:
    return f"rc{unique}."


async def test_a_partner_reads_its_own_receipts_and_suppliers_only(settings_for, prefix) -> None:
    async with partners_and_onboarding(settings_for, prefix) as (partners, http, onboarding, _):
        ingress = partners.state.ingress
        keys = {p: await register(ingress, p, kind) for p, kind in (
            ("clementia", PartnerKind.ONBOARDING_PARTNER), ("amdie", PartnerKind.EXPORT_AGENCY),
            ("asmex", PartnerKind.EXPORT_AGENCY))}

        def key(partner: str) -> dict[str, str]:
            return {"X-Tijara-Key": keys[partner]}

        async def send(partner: str, ce_type: str, payload: dict) -> str:
            body, headers = signed(keys[partner], ce_type, payload)
            assert (await http.post("/partner-events", content=body, headers=headers)).status_code == 202
            return headers["Ce-Id"]

        async def receipt_of(partner: str, ce_id: str) -> dict:
            answer = await http.get(f"/partner-events/{ce_id}", headers=key(partner))
            assert answer.status_code == 200, answer.text
            return answer.json()

        applied = await send("clementia", APPLICATION, application())
        first = await http.get(f"/partner-events/{applied}", headers=key("clementia"))
        assert first.status_code in (200, 202), first.text  # 202 "still processing" until onboarding answers
        accepted = await eventually(lambda: receipt_of("clementia", applied))
        assert accepted["outcome"] == "accepted" and accepted["partner"] == "clementia", accepted
        supplier_id = accepted["supplier_id"]
        assert (await http.get(f"/partner-events/{applied}", headers=key("amdie"))).status_code == 404  # not AMDIE's
        assert (await http.get(f"/partner-events/{applied}")).status_code == 401
        assert (await http.get("/partner-events/never-sent", headers=key("clementia"))).status_code == 404

        early = await send("amdie", ENDORSEMENT, endorsement(supplier_id))  # documents not verified yet
        assert (await eventually(lambda: receipt_of("amdie", early)))["reason"] == "conflict"

        async def amdie_sees(status: str, may_send: list[str]) -> dict:
            answer = (await http.get("/partner-suppliers", headers=key("amdie"))).json()["suppliers"]
            assert [(s["supplier_id"], s["status"], s["may_send"]) for s in answer] == [
                (supplier_id, status, may_send)], answer
            return answer[0]

        waiting = await eventually(lambda: amdie_sees("submitted", []))
        assert waiting["next"] and not waiting["applied_by_you"]
        await onboarding.state.onboarding.verify_documents(supplier_id, reviewer="ops-casablanca")
        await eventually(lambda: amdie_sees("documents-verified", [ENDORSEMENT]))  # the agency may endorse now
        ours = (await http.get("/partner-suppliers", headers=key("clementia"))).json()["suppliers"]
        assert [(s["supplier_id"], s["applied_by_you"]) for s in ours] == [(supplier_id, True)]
        assert (await http.get("/partner-suppliers", headers=key("asmex"))).json()["suppliers"] == []

        endorsed = await send("amdie", ENDORSEMENT, endorsement(supplier_id))
        assert (await eventually(lambda: receipt_of("amdie", endorsed)))["outcome"] == "accepted"
        await eventually(lambda: amdie_sees("endorsed", []))

        async def listed(partner: str, count: int) -> list[dict]:
            answer = (await http.get("/partner-events", headers=key(partner))).json()
            assert len(answer["receipts"]) == count, answer
            return answer["receipts"]

        everything = await eventually(lambda: listed("amdie", 2), timeout=10)
        assert [r["event_id"] for r in everything] == [early, endorsed]  # in the order they were answered
        pages, since = [], None
        while True:  # one at a time: the same order, and the last `next` stays put
            params = {"limit": 1} | ({"since": since} if since else {})
            page = (await http.get("/partner-events", params=params, headers=key("amdie"))).json()
            if not page["receipts"]:
                assert page["next"] == since
                break
            pages += page["receipts"]
            since = page["next"]
        assert pages == everything
        assert [r["event_id"] for r in await listed("clementia", 1)] == [applied]
        assert await listed("asmex", 0) == []
        bad = await http.get("/partner-events", params={"since": "bm90LWEtY3Vyc29y"}, headers=key("amdie"))
        assert bad.status_code == 400 and bad.json()["error"] == "invalid cursor"
