"""onboarding on real Kafka and the local MongoDB-wire store: HTTP in, CloudEvents out through the outbox."""

import asyncio
import json
from datetime import UTC, date, datetime, timedelta

from services.onboarding.main import Settings, build
from shared.contracts.actors import pseudonym
from shared.errors import MarketplaceError
from tests.factories import application as application_model
from tests.factories import documents, matricule, profile, tunisian_application
from tests.integration.helpers import header, read_until, serving


def application(**overrides) -> dict:
    return {"profile": profile(**overrides).model_dump(mode="json"), "documents": documents()}


async def test_every_verification_step_publishes_its_event_with_the_level(infrastructure, settings_for,
                                                                           issuer) -> None:
    async with serving(build(settings_for(Settings))) as http:
        created = await http.post("/suppliers", json=application(), headers=issuer.auth("partner:clementia"))
        assert created.status_code == 201, created.text
        supplier_id = created.json()["supplier_id"]
        inspected_on = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
        staff = "staff"
        steps = [("documents-verification", None, staff, "documents-verified", "documents"),
                 ("endorsement", {"agency": "AMDIE"}, "agency:AMDIE", "endorsed", "endorsed"),
                 ("inspection", {"body": "TÜV Rheinland", "report_id": "TUV-MA-2026-031", "passed": True,
                                 "inspected_on": inspected_on}, "inspection:TÜV Rheinland", "inspected", "inspected"),
                 ("verification", {"decision": "verified"}, staff, "verified", "inspected"),
                 ("suspension", {"reason": "complaint under review"}, staff, "suspended", "inspected"),
                 ("reinstatement", None, staff, "verified", "inspected")]
        for path, body, role, status, level in steps:
            answer = await http.post(f"/suppliers/{supplier_id}/{path}", json=body, headers=issuer.auth(role))
            assert answer.status_code == 200, answer.text
            assert (answer.json()["status"], answer.json()["verification_level"]) == (status, level)

        types = ["application-submitted", "documents-verified", "endorsed", "inspected", "verified", "suspended",
                 "reinstated"]
        for sequence, verb in enumerate(types, start=1):
            record = await read_until(infrastructure.kafka, "onboarding.suppliers",
                                      lambda r: r.key == supplier_id.encode()
                                      and header(r, "ce_type") == f"ma.tijara.supplier.{verb}.v1")
            data = json.loads(record.value)
            assert data["sequence"] == sequence and data["profile"]["rc_city"] == "Agadir"
            assert data["profile"]["contact"] is None  # personal data stays in onboarding
            assert data["actor"]["role"] == ["partner", "staff", "agency", "inspection", "staff", "staff",
                                             "staff"][sequence - 1]
        # staff on a shared topic: by pseudonym, which onboarding can compute from the subject (shared.contracts.actors)
        assert data["actor"] == {"subject": pseudonym("staff-user"), "role": "staff", "organisation": None}
        assert data["actor"]["subject"].startswith("anon-") and "staff-user" not in record.value.decode()
        assert header(record, "ce_source") == "/tijara/onboarding" and header(record, "traceparent")

        again = await http.post(f"/suppliers/{supplier_id}/endorsement", json={"agency": "ASMEX"},
                                headers=issuer.auth("agency:ASMEX"))
        assert again.status_code == 409 and again.json()["current_state"] == "verified"
        assert "cannot be endorsed" in again.json()["message"]


async def test_rejection_at_any_step_and_missing_onssa_approval(settings_for, issuer) -> None:
    staff = issuer.auth("staff")
    async with serving(build(settings_for(Settings))) as http:
        food = (await http.post("/suppliers", json=application(sectors=["seafood"]),
                                headers=issuer.auth("partner:clementia"))).json()["supplier_id"]
        refused = await http.post(f"/suppliers/{food}/documents-verification", headers=staff)
        assert refused.status_code == 409 and refused.json()["missing_documents"] == ["ONSSA approval"]
        unexplained = await http.post(f"/suppliers/{food}/verification", json={"decision": "rejected"}, headers=staff)
        assert unexplained.status_code == 400 and "reason" in unexplained.json()["message"]
        rejected = await http.post(f"/suppliers/{food}/rejection", json={"reason": "no ONSSA approval"},
                                   headers=staff)
        assert rejected.json()["status"] == "rejected" and rejected.json()["rejection_reason"] == "no ONSSA approval"


async def test_verification_expiry_runs_on_the_operator_endpoint(infrastructure, settings_for, issuer) -> None:
    staff, operator = issuer.auth("staff"), issuer.auth("operator")
    async with serving(build(settings_for(Settings))) as http:
        supplier_id = (await http.post("/suppliers", json=application(),
                                       headers=issuer.auth("partner:clementia"))).json()["supplier_id"]
        await http.post(f"/suppliers/{supplier_id}/documents-verification", headers=staff)
        await http.post(f"/suppliers/{supplier_id}/verification", json={"decision": "verified"}, headers=staff)
        soon = await http.post("/operations/verification-expiry", headers=operator)
        assert supplier_id not in soon.json()["expired"]
        later = (datetime.now(UTC) + timedelta(days=366)).isoformat()
        expired = await http.post("/operations/verification-expiry", params={"now": later}, headers=operator)
        assert supplier_id in expired.json()["expired"]
        assert (await http.get(f"/suppliers/{supplier_id}", headers=staff)).json()["status"] == "expired"
        assert supplier_id not in (await http.post("/operations/verification-expiry", params={"now": later},
                                                   headers=operator)).json()["expired"]
        await read_until(infrastructure.kafka, "onboarding.suppliers",
                         lambda r: r.key == supplier_id.encode()
                         and header(r, "ce_type") == "ma.tijara.supplier.verification-expired.v1")


async def test_partner_facing_methods_take_plain_values(settings_for) -> None:
    """The names and arguments partner ingestion (issue 5) calls."""
    app = build(settings_for(Settings))
    async with serving(app):
        onboarding = app.state.onboarding
        supplier = await onboarding.submit_application(application_model(), submitted_by="clementia")
        await onboarding.verify_documents(supplier.supplier_id, reviewer="clementia-kyc")
        await onboarding.endorse(supplier.supplier_id, agency="Maroc PME")
        inspected = await onboarding.record_inspection(supplier.supplier_id, body="Intertek", report_id="ITK-1",
                                                       passed=True, inspected_on=date.today(), reason=None)
        assert inspected.verification_level == "inspected"
        assert (await onboarding.verify(supplier.supplier_id)).status == "verified"
        assert (await onboarding.get(supplier.supplier_id)).endorsed_by == "Maroc PME"
        try:
            await onboarding.endorse(supplier.supplier_id, agency="Chamber of Commerce")
            raise AssertionError("an unknown agency is refused")
        except MarketplaceError as error:
            assert type(error) is MarketplaceError and "AMDIE" in error.message


async def test_invalid_application_gets_a_readable_422_and_malformed_json_a_400(settings_for, issuer) -> None:
    partner = issuer.auth("partner:clementia")
    async with serving(build(settings_for(Settings))) as http:
        response = await http.post("/suppliers", json={"profile": {**profile().model_dump(mode="json"),
                                                                   "ice": "12-34"}}, headers=partner)
        assert response.status_code == 422
        assert "body.profile.ice" in response.json()["message"]
        for content_type in ("application/json", "text/plain"):
            broken = await http.post("/suppliers", content=b'{"profile": ',
                                     headers={**partner, "Content-Type": content_type})
            assert broken.status_code == 400 and broken.json()["error"] == "malformed JSON", broken.text
        unknown = await http.get("/no-such-route")
        assert unknown.status_code == 404 and set(unknown.json()) == {"error", "message"}


async def test_same_ice_twice_is_a_conflict(settings_for, issuer) -> None:
    partner = issuer.auth("partner:clementia")
    async with serving(build(settings_for(Settings))) as http:
        body = application()
        assert (await http.post("/suppliers", json=body, headers=partner)).status_code == 201
        second = await http.post("/suppliers", json=body, headers=partner)
        assert second.status_code == 409 and "already registered" in second.json()["message"]


async def test_tunisian_suppliers_register_once_per_matricule_fiscal_beside_moroccan_ones(settings_for,
                                                                                           issuer) -> None:
    """No ICE for a Tunisian company: the store's unique key is the country and its identifier, so two Tunisian
    suppliers coexist, the same matricule (typed differently) is refused, and CEPEX, not AMDIE, endorses them."""
    partner = issuer.auth("partner:clementia")
    tunisian = tunisian_application(company_id=matricule(41)).model_dump(mode="json")
    async with serving(build(settings_for(Settings))) as http:
        first = await http.post("/suppliers", json=tunisian, headers=partner)
        assert first.status_code == 201 and first.json()["profile"]["company_id"] == matricule(41), first.text
        other = tunisian_application(company_id=matricule(42)).model_dump(mode="json")
        assert (await http.post("/suppliers", json=other, headers=partner)).status_code == 201
        assert (await http.post("/suppliers", json=application(), headers=partner)).status_code == 201
        typed = {**tunisian, "profile": {**tunisian["profile"], "company_id": "/".join(
            [matricule(41)[:7], *matricule(41)[7:10], matricule(41)[10:]]).lower()}}
        again = await http.post("/suppliers", json=typed, headers=partner)
        assert again.status_code == 409 and f"matricule fiscal {matricule(41)} is already registered" in \
            again.json()["message"], again.text
        sid = first.json()["supplier_id"]
        assert (await http.post(f"/suppliers/{sid}/documents-verification", headers=issuer.auth("staff"))
                ).status_code == 200
        refused = await http.post(f"/suppliers/{sid}/endorsement", json={"agency": "AMDIE"},
                                  headers=issuer.auth("agency:AMDIE"))
        assert refused.status_code == 409 and "CEPEX does" in refused.json()["message"], refused.text
        endorsed = await http.post(f"/suppliers/{sid}/endorsement", json={"agency": "CEPEX"},
                                   headers=issuer.auth("agency:CEPEX"))
        assert endorsed.json()["status"] == "endorsed", endorsed.text
        malformed = {**tunisian, "profile": {**tunisian["profile"], "company_id": "1234567OAM000"}}
        bad = await http.post("/suppliers", json=malformed, headers=partner)
        assert bad.status_code == 422 and "not a Tunisian matricule fiscal" in bad.json()["message"], bad.text


async def test_event_left_in_the_outbox_by_a_crash_is_published_on_restart(infrastructure, settings_for,
                                                                           issuer) -> None:
    """The write lands with its pending event; the process dies before publishing; the next start sends it."""
    settings = settings_for(Settings)
    app = build(settings)
    relay = app.state.onboarding.relay
    relay.run = asyncio.Event().wait  # the 'crash': writes land, nothing is ever published by this process
    relay.wake = lambda *args: None
    async with serving(app) as http:
        body = application()
        supplier_id = (await http.post("/suppliers", json=body,
                                       headers=issuer.auth("partner:clementia"))).json()["supplier_id"]
    async with serving(build(settings)):
        await read_until(infrastructure.kafka, "onboarding.suppliers", lambda r: r.key == supplier_id.encode())


async def test_many_contact_cards_in_one_request_for_the_notifier_alone(settings_for, issuer) -> None:
    """A sending batch's suppliers at once: each card as the single route answers it, an unknown supplier left out,
    one whose contact was erased without it; each contact answered recorded as the notifier's read; the notifier
    alone, at most 500 ids, in the OpenAPI."""
    app = build(settings_for(Settings))
    async with serving(app) as http:
        partner, notifier, operator = issuer.auth("partner:clementia"), issuer.auth("notifier"), issuer.auth("operator")
        kept = (await http.post("/suppliers", json=application(), headers=partner)).json()["supplier_id"]
        gone_person = {"name": "Omar Tazi", "email": "omar@tazi.example.ma", "phone": "+212 600 00 00 01"}
        gone = (await http.post("/suppliers", json=application(contact=gone_person),
                                headers=partner)).json()["supplier_id"]
        await http.put(f"/suppliers/{kept}/preferences", json={"language": "en", "digest": "daily"},
                       headers=issuer.auth("staff"))
        erased = await http.post("/privacy/erasure", json={"email": gone_person["email"]}, headers=operator)
        assert erased.status_code == 200, erased.text

        many = await http.post("/suppliers/contacts", json={"supplier_ids": [kept, "sup-nobody", gone, kept]},
                               headers=notifier)
        assert many.status_code == 200, many.text
        cards = {card["supplier_id"]: card for card in many.json()}
        assert len(many.json()) == 2 and set(cards) == {kept, gone}
        assert cards[kept] == (await http.get(f"/suppliers/{kept}/contact", headers=notifier)).json()
        assert (cards[kept]["language"], cards[kept]["digest"]) == ("en", "daily")
        assert (cards[gone]["email"], cards[gone]["contact_name"], cards[gone]["language"]) == (None, None, "fr")

        async def reads_of(supplier_id: str) -> list[tuple]:
            found = (await http.get("/privacy/reads", params={"supplier_id": supplier_id}, headers=operator)).json()
            return sorted((r["actor"]["role"], r["purpose"]) for r in found)

        await app.state.personal_data.reads.settle()  # recorded by a writer of their own, just after the answer
        assert await reads_of(kept) == [("notifier", "GET /suppliers/{supplier_id}/contact"),
                                        ("notifier", "POST /suppliers/contacts")]
        assert await reads_of(gone) == []  # nothing answered, nothing recorded

        for role in ("supplier:" + kept, "partner:clementia", "staff", "agency:AMDIE", "inspection:SGS", "operator"):
            refused = await http.post("/suppliers/contacts", json={"supplier_ids": [kept]}, headers=issuer.auth(role))
            assert refused.status_code == 403 and refused.json()["error"] == "forbidden", (role, refused.text)
        assert (await http.post("/suppliers/contacts", json={"supplier_ids": [kept]})).status_code == 401
        too_many = await http.post("/suppliers/contacts", json={"supplier_ids": [f"sup-{n}" for n in range(501)]},
                                   headers=notifier)
        assert too_many.status_code == 422 and too_many.json()["error"] == "invalid request", too_many.text
        assert "supplier_ids" in too_many.json()["message"] and "500" in too_many.json()["message"]
        none = await http.post("/suppliers/contacts", json={"supplier_ids": []}, headers=notifier)
        assert none.status_code == 422 and "supplier_ids" in none.json()["message"]
        declared = app.openapi()["paths"]["/suppliers/contacts"]["post"]
        assert {"200", "401", "403", "413", "422"} <= set(declared["responses"])
        assert declared["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("ContactsAsked")


async def test_contact_card_preferences_and_who_sees_the_person(settings_for, issuer) -> None:
    """The notifier reads whom to write to; the SME chooses its language and digest (kept in onboarding's own
    database, on no event); an agency sees the person only while the supplier awaits its endorsement."""
    async with serving(build(settings_for(Settings))) as http:
        created = await http.post("/suppliers", json=application(), headers=issuer.auth("partner:clementia"))
        sid, person = created.json()["supplier_id"], created.json()["profile"]["contact"]
        card = await http.get(f"/suppliers/{sid}/contact", headers=issuer.auth("notifier"))
        assert card.status_code == 200, card.text
        assert card.json() == {"supplier_id": sid, "company_name": "Argane Souss", "contact_name": person["name"],
                               "email": person["email"], "phone": person["phone"], "language": "fr",
                               "digest": "immediate", "partner": "clementia"}
        assert (await http.get(f"/suppliers/{sid}", headers=issuer.auth("notifier"))).status_code == 403

        own = issuer.auth(f"supplier:{sid}")
        chosen = await http.put(f"/suppliers/{sid}/preferences", json={"language": "ar", "digest": "daily"},
                                headers=own)
        assert chosen.json() == {"supplier_id": sid, "language": "ar", "digest": "daily"}, chosen.text
        assert (await http.get(f"/suppliers/{sid}/contact", headers=own)).json()["language"] == "ar"
        refused = await http.put(f"/suppliers/{sid}/preferences", json={"language": "xx"}, headers=own)
        assert refused.status_code == 422 and "language" in refused.json()["message"]
        partner = await http.put(f"/suppliers/{sid}/preferences", json={}, headers=issuer.auth("partner:clementia"))
        assert partner.status_code == 403
        reset = await http.put(f"/suppliers/{sid}/preferences", json={}, headers=issuer.auth("staff"))
        assert reset.json() == {"supplier_id": sid, "language": "fr", "digest": "immediate"}
        missing = await http.get("/suppliers/sup-nobody/contact", headers=issuer.auth("notifier"))
        assert missing.status_code == 404

        amdie = issuer.auth("agency:AMDIE")
        assert (await http.get(f"/suppliers/{sid}", headers=amdie)).json()["profile"]["contact"] is None
        assert (await http.get(f"/suppliers/{sid}/contact", headers=amdie)).status_code == 403
        await http.post(f"/suppliers/{sid}/documents-verification", headers=issuer.auth("staff"))
        assert (await http.get(f"/suppliers/{sid}", headers=amdie)).json()["profile"]["contact"] == person
        assert (await http.get(f"/suppliers/{sid}/contact", headers=amdie)).json()["email"] == person["email"]
        await http.post(f"/suppliers/{sid}/endorsement", json={"agency": "AMDIE"}, headers=amdie)
        assert (await http.get(f"/suppliers/{sid}", headers=amdie)).json()["profile"]["contact"] is None
        inspector = await http.get(f"/suppliers/{sid}/contact", headers=issuer.auth("inspection:SGS"))
        assert inspector.status_code == 200  # endorsed: now awaiting an inspection
