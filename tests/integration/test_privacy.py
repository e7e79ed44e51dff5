"""Personal data on the real store and Kafka: erasure (idempotent, business facts kept, its outcome published on
privacy.erasures with the request id and nothing personal), export (everything before, nothing after), the record of
who read a contact, and retention with a shortened period (what is due and nothing else, dry run first; what it
erased published too)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from prometheus_client import REGISTRY

from services.inquiries.main import Settings as InquiriesSettings
from services.inquiries.main import build as build_inquiries
from services.onboarding.main import Settings as OnboardingSettings
from services.onboarding.main import build as build_onboarding
from shared.contracts.envelope import Envelope
from shared.contracts.privacy import PrivacyTopic
from shared.contracts.registry import EVENT_TYPES
from shared.messaging.decoding import decode
from tests import factories
from tests.integration.helpers import eventually, publish, read_all, serving

BUYER = "Dana.Whitfield@GreatLakes.example.com"  # asked in two letter cases: found as one person
OTHER = "procurement@hudson.example.com"


def ask(product_id: str, email: str, **more) -> dict:
    return {"product_id": product_id, "buyer_company": "Great Lakes Foods", "buyer_country": "CA",
            "contact_email": email, "contact_name": "Sam Hudson", "quantity": 40, "unit": "carton",
            "message": "A quote for 40 cartons, please.", **more}


def dana(product_id: str, email: str = BUYER) -> dict:
    return ask(product_id, email, contact_name="Dana Whitfield",
               message="Please call Dana on +1 416 555 0199 about 40 cartons.")


async def store_holds(app, *needles: str) -> list[str]:
    """Every document of every collection of the service's database that contains one of `needles`."""
    db = app.state.runtime.db
    found = []
    for name in await db.list_collection_names():
        async for doc in db[name].find({}):
            text = json.dumps(doc, default=str).lower()
            found += [f"{name}/{doc['_id']}" for n in needles if n.lower() in text]
    return found


async def outcomes_of(kafka: str, request_id: str, expected: int = 1) -> list[dict]:
    """The outcomes published on privacy.erasures for `request_id`, once `expected` of them are there; each checked
    to hold nothing personal."""
    async def published():
        records = [r for r in await read_all(kafka, PrivacyTopic.ERASURES.value) if r.key == request_id.encode()]
        assert len(records) >= expected
        return records

    records = await eventually(published)
    for record in records:
        text = (record.value or b"").decode().lower()
        assert not any(n in text for n in ("@", "dana", "whitfield", "416", "fatima", "amrani", "+212")), text
    return [decode(dict(r.headers), r.value, EVENT_TYPES).data.model_dump(mode="json") for r in records]


async def listed_product(http, infrastructure, unique: str) -> tuple[str, str]:
    product, supplier = f"prd-priv-{unique}", f"sup-priv-{unique}"
    await publish(infrastructure.kafka, Envelope(factories.product_listed(product, supplier), "/test"))

    async def known():
        answer = await http.post("/inquiries", json=ask(product, "probe@probe.example.com"))
        assert answer.status_code == 201, answer.text
    await eventually(known)
    return product, supplier


async def test_a_buyer_is_read_exported_erased_once_and_the_business_facts_stay(infrastructure, settings_for,
                                                                               issuer, unique):
    operator = issuer.auth("operator")
    app = build_inquiries(settings_for(InquiriesSettings))
    async with serving(app) as http:
        product, supplier = await listed_product(http, infrastructure, unique)
        mine = [(await http.post("/inquiries", json=dana(product, email))).json() for email in (BUYER, BUYER.lower())]
        theirs = (await http.post("/inquiries", json=ask(product, OTHER))).json()
        owner = issuer.auth(f"supplier:{supplier}", subject="fatima@arganesouss")
        assert (await http.post(f"/inquiries/{mine[0]['inquiry_id']}/response", headers=owner,
                                json={"message": "Dear Dana, 40 cartons at 12 USD."})).status_code == 200
        # reads: the supplier lists its inquiries, staff reads one, the notifier its correspondence
        assert (await http.get("/inquiries", params={"supplier_id": supplier}, headers=owner)).status_code == 200
        staff = issuer.auth("staff", subject="karim.staff")
        assert (await http.get(f"/inquiries/{mine[1]['inquiry_id']}", headers=staff)).status_code == 200
        notifier = issuer.auth("notifier", subject="tijara-notifications")
        assert (await http.get(f"/inquiries/{mine[0]['inquiry_id']}/correspondence",
                               headers=notifier)).status_code == 200
        assert (await http.post("/inquiries/correspondence", json={"inquiry_ids": [mine[1]["inquiry_id"]]},
                                headers=notifier)).status_code == 200

        reads = (await http.get("/privacy/reads", params={"email": BUYER}, headers=operator)).json()
        by_whom = sorted((r["record"], r["actor"]["role"], r["actor"]["subject"], r["purpose"]) for r in reads)
        first, second = (f"inquiry {i['inquiry_id']}" for i in mine)
        assert by_whom == sorted([
            (first, "supplier", "fatima@arganesouss", "GET /inquiries"),
            (second, "supplier", "fatima@arganesouss", "GET /inquiries"),
            (second, "staff", "karim.staff", "GET /inquiries/{inquiry_id}"),
            (first, "notifier", "tijara-notifications", "GET /inquiries/{inquiry_id}/correspondence"),
            (second, "notifier", "tijara-notifications", "POST /inquiries/correspondence")]), reads
        assert all(r["actor"]["organisation"] == supplier for r in reads if r["actor"]["role"] == "supplier")

        exported = (await http.post("/privacy/export", json={"email": BUYER}, headers=operator)).json()
        assert exported["service"] == "inquiries"
        assert sorted(r["record"] for r in exported["records"]) == sorted([first, second])
        answered = next(r for r in exported["records"] if r["record"] == first)
        assert answered["response"] == "Dear Dana, 40 cartons at 12 USD."
        assert "+1 416 555 0199" in answered["message"] and len(answered["contact_reads"]) == 2

        request = f"erasure-{unique}"
        report = (await http.post("/privacy/erasure", json={"email": BUYER, "request_id": request},
                                  headers=operator)).json()
        assert report["records"] == sorted([first, second]) and report["already_erased"] is False
        assert f"{first}: supplier's answer" in report["erased"] and f"{second}: buyer's message" in report["erased"]
        retried = (await http.post("/privacy/erasure", json={"email": BUYER, "request_id": request},
                                   headers=operator)).json()
        assert retried == report  # the same request handled once
        again = (await http.post("/privacy/erasure", json={"email": BUYER.upper(), "request_id": f"{request}-2"},
                                 headers=operator)).json()
        assert again == {**report, "already_erased": True, "request_id": f"{request}-2"}
        [outcome] = await outcomes_of(infrastructure.kafka, request)  # published once, without the person
        assert {k: outcome[k] for k in ("service", "cause", "records", "erased", "already_erased")} == {
            "service": "inquiries", "cause": "request", "records": report["records"], "erased": report["erased"],
            "already_erased": False}
        assert outcome["records_by_kind"] == [{"kind": "inquiry", "records": 2}]
        assert outcome["actor"]["role"] == "operator" and outcome["actor"]["subject"].startswith("anon-")
        [second_outcome] = await outcomes_of(infrastructure.kafka, f"{request}-2")
        assert {**second_outcome, "request_id": request, "occurred_at": None} == {
            **outcome, "already_erased": True, "occurred_at": None}

        kept = (await http.get(f"/inquiries/{mine[0]['inquiry_id']}", headers=staff)).json()
        assert kept["request"]["contact_email"] != BUYER and kept["request"]["contact_name"] is None
        assert (kept["request"]["quantity"], kept["request"]["buyer_country"], kept["status"]) == (40, "CA",
                                                                                                 "responded")
        assert kept["received_at"] == mine[0]["received_at"] and kept["responded_at"] is not None
        assert (await http.get(f"/inquiries/{mine[0]['inquiry_id']}/correspondence",
                               headers=notifier)).status_code == 404  # nobody to write to
        assert (await http.post("/privacy/export", json={"email": BUYER}, headers=operator)).json()["records"] == []
        await app.state.personal_data.reads.settle()
        assert await store_holds(app, BUYER, "Dana Whitfield", "416 555 0199", "Dear Dana") == []
        other = (await http.get(f"/inquiries/{theirs['inquiry_id']}", headers=staff)).json()
        assert other["request"]["contact_email"] == OTHER  # the other buyer untouched


async def test_retention_erases_the_closed_inquiries_that_are_due_and_nothing_else(infrastructure, settings_for,
                                                                                   issuer, unique):
    settings = settings_for(InquiriesSettings).model_copy(update={"buyer_contact_retention": timedelta(seconds=2)})
    operator, staff = issuer.auth("operator"), issuer.auth("staff")
    app = build_inquiries(settings)
    async with serving(app) as http:
        product, _ = await listed_product(http, infrastructure, unique)
        old, new, still_open = [(await http.post("/inquiries", json=ask(product, f"b{n}@buyers.example.com"))).json()
                                ["inquiry_id"] for n in range(3)]
        await http.post(f"/inquiries/{old}/closing", json={"reason": "Dana bought elsewhere"}, headers=staff)
        await asyncio.sleep(2.5)
        await http.post(f"/inquiries/{new}/closing", json={}, headers=staff)
        await http.post("/inquiries/history", headers=operator, json={  # received long ago, never closed
            "request": ask(product, "b9@buyers.example.com"), "received_at": "2024-01-02T10:00:00Z"})
        erased_before = REGISTRY.get_sample_value("tijara_privacy_retention_erased_total",
                                                  {"service": "inquiries", "kind": "buyer's contact"}) or 0

        dry = (await http.post("/privacy/retention", params={"dry_run": "true"}, headers=operator)).json()
        assert dry == {"service": "inquiries", "dry_run": True, "due": [f"inquiry {old}"], "erased": [],
                       "what": "buyer's contact (e-mail, name) and texts"}
        assert (await http.get(f"/inquiries/{old}", headers=staff)).json()["request"]["contact_email"] == \
            "b0@buyers.example.com"
        published_before = {r.key for r in await read_all(infrastructure.kafka, PrivacyTopic.ERASURES.value)}
        run = (await http.post("/privacy/retention", headers=operator)).json()
        assert run["erased"] == [f"inquiry {old}"]

        async def retention_outcome():  # what the run erased, published like a request's outcome
            found = [decode(dict(r.headers), r.value, EVENT_TYPES).data for r in await read_all(
                infrastructure.kafka, PrivacyTopic.ERASURES.value) if r.key not in published_before]
            matching = [o for o in found if o.records == [f"inquiry {old}"]]
            assert len(matching) == 1, found
            return matching[0]
        outcome = await eventually(retention_outcome)
        assert (outcome.cause, outcome.service, outcome.actor.role, outcome.request_id[:10]) == (
            "retention", "inquiries", "system", "retention-")
        assert outcome.erased == [f"inquiry {old}: buyer's contact (e-mail, name) and texts"]
        assert (await http.get(f"/inquiries/{old}", headers=staff)).json()["close_reason"] is None
        for kept, email in ((new, "b1"), (still_open, "b2")):
            assert (await http.get(f"/inquiries/{kept}", headers=staff)).json()["request"]["contact_email"] == \
                f"{email}@buyers.example.com"
        assert REGISTRY.get_sample_value("tijara_privacy_retention_erased_total",
                                         {"service": "inquiries", "kind": "buyer's contact"}) == erased_before + 1
        assert (await http.post("/privacy/retention", headers=operator)).json()["due"] == []


async def test_a_supplier_contact_reads_erasure_export_and_retention(settings_for, issuer, unique):
    settings = settings_for(OnboardingSettings).model_copy(
        update={"rejected_contact_retention": timedelta(seconds=2)})
    operator, staff = issuer.auth("operator"), issuer.auth("staff", subject="karim.staff")
    partner = issuer.auth("partner:clementia", subject="youssef@clementia")
    app = build_onboarding(settings)
    async with serving(app) as http:
        email = f"export-{unique}@arganesouss.example.ma"
        contact = {"name": "Fatima Zahra Amrani", "email": email, "phone": "+212 528 22 33 44"}

        async def apply(**contact_overrides) -> str:
            profile = factories.profile().model_dump(mode="json")
            profile["contact"] = {**contact, **contact_overrides}
            answer = await http.post("/suppliers", headers=partner, json={"profile": profile,
                                                                         "documents": factories.documents()})
            assert answer.status_code == 201, answer.text
            return answer.json()["supplier_id"]

        supplier = await apply()
        sme = issuer.auth(f"supplier:{supplier}", subject="fatima@arganesouss")
        await http.put(f"/suppliers/{supplier}/preferences", json={"language": "ar"}, headers=sme)
        assert (await http.get(f"/suppliers/{supplier}/contact", headers=staff)).status_code == 200
        assert (await http.get(f"/suppliers/{supplier}", headers=partner)).status_code == 200
        agency = issuer.auth("agency:AMDIE", subject="amdie.officer")  # outside its step: no contact, no read
        assert (await http.get(f"/suppliers/{supplier}", headers=agency)).json()["profile"]["contact"] is None

        seen = (await http.get(f"/suppliers/{supplier}/contact-reads", headers=sme)).json()
        assert sorted((r["actor"]["subject"], r["purpose"]) for r in seen) == [
            ("karim.staff", "GET /suppliers/{supplier_id}/contact"),
            ("youssef@clementia", "GET /suppliers/{supplier_id}")]
        other_sme = issuer.auth("supplier:sup-someone-else")
        assert (await http.get(f"/suppliers/{supplier}/contact-reads", headers=other_sme)).status_code == 403
        assert len((await http.get("/privacy/reads", params={"email": email}, headers=operator)).json()) == 2

        exported = (await http.post("/privacy/export", json={"email": email}, headers=operator)).json()
        [record] = exported["records"]
        assert record["contact"]["phone"] == "+212 528 22 33 44" and record["preferences"]["language"] == "ar"
        report = (await http.post("/privacy/erasure", json={"email": email}, headers=operator)).json()
        assert report["records"] == [f"supplier {supplier}"] and not report["already_erased"]
        again = (await http.post("/privacy/erasure", json={"email": email}, headers=operator)).json()
        assert again == {**report, "already_erased": True, "request_id": again["request_id"]}
        assert again["request_id"] != report["request_id"]  # made by the service when the request names none
        [outcome] = await outcomes_of(settings.kafka_bootstrap_servers, report["request_id"])
        assert (outcome["service"], outcome["records"]) == ("onboarding", [f"supplier {supplier}"])
        after = (await http.get(f"/suppliers/{supplier}", headers=staff)).json()
        assert after["profile"]["contact"] is None and after["status"] == "submitted"
        assert (await http.post("/privacy/export", json={"email": email}, headers=operator)).json()["records"] == []
        assert await store_holds(app, email, "+212 528 22 33 44") == []

        # retention: a rejected applicant's contact, 2 s after the rejection here
        due, fresh, live = [await apply(email=f"{n}-{email}") for n in ("due", "fresh", "live")]
        await http.post(f"/suppliers/{due}/rejection", json={"reason": "incomplete"}, headers=staff)
        await asyncio.sleep(2.5)
        await http.post(f"/suppliers/{fresh}/rejection", json={"reason": "incomplete"}, headers=staff)
        dry = (await http.post("/privacy/retention", params={"dry_run": "true"}, headers=operator)).json()
        assert dry["due"] == [f"supplier {due}"] and dry["erased"] == []
        assert (await http.post("/privacy/retention", headers=operator)).json()["erased"] == [f"supplier {due}"]
        for kept in (fresh, live):
            assert (await http.get(f"/suppliers/{kept}", headers=staff)).json()["profile"]["contact"] is not None
        assert (await http.get(f"/suppliers/{due}", headers=staff)).json()["profile"]["contact"] is None


async def test_a_partner_contact_is_exported_and_erased_and_the_partner_stays(infrastructure, settings_for, issuer,
                                                                              unique):
    from services.partners.main import Settings as PartnersSettings
    from services.partners.main import build as build_partners

    operator, email = issuer.auth("operator"), f"integration-{unique}@clementia.example.ma"
    async with serving(build_partners(settings_for(PartnersSettings))) as http:
        registered = await http.post("/partners", headers=operator, json={
            "partner_id": f"clementia-{unique}", "name": "Clementia", "kind": "onboarding-partner",
            "contact_email": email, "language": "fr"})
        assert registered.status_code == 201, registered.text
        record, contact = f"partner clementia-{unique}", f"/partners/clementia-{unique}/contact"
        for reader in (issuer.auth("notifier", subject="tijara-notifications"), issuer.auth("operator", "ops.amal")):
            assert (await http.get(contact, headers=reader)).json()["contact_email"] == email
        assert (await http.get(contact, headers=issuer.auth("staff"))).status_code == 403  # refused: not a read
        reads = (await http.get("/privacy/reads", params={"partner_id": f"clementia-{unique}"},
                                headers=operator)).json()
        assert sorted((r["record"], r["actor"]["role"], r["actor"]["subject"], r["purpose"]) for r in reads) == [
            (record, "notifier", "tijara-notifications", "GET /partners/{partner_id}/contact"),
            (record, "operator", "ops.amal", "GET /partners/{partner_id}/contact")]
        by_person = (await http.get("/privacy/reads", params={"email": email.upper()}, headers=operator)).json()
        assert by_person == reads
        exported = (await http.post("/privacy/export", json={"email": email.upper()}, headers=operator)).json()
        assert [(r["record"], r["contact_email"]) for r in exported["records"]] == [(record, email)]
        assert exported["records"][0]["contact_reads"] == reads
        report = (await http.post("/privacy/erasure", json={"email": email, "request_id": f"erasure-{unique}"},
                                  headers=operator)).json()
        assert report == {"service": "partners", "request_id": f"erasure-{unique}", "records": [record],
                          "erased": [f"{record}: contact e-mail"], "already_erased": False}
        again = (await http.post("/privacy/erasure", json={"email": email}, headers=operator)).json()
        assert again == {**report, "already_erased": True, "request_id": again["request_id"]}
        [outcome] = await outcomes_of(infrastructure.kafka, f"erasure-{unique}")
        assert (outcome["service"], outcome["records_by_kind"]) == ("partners", [{"kind": "partner", "records": 1}])
        after = (await http.get(contact, headers=operator)).json()
        assert after["contact_email"] is None and after["name"] == "Clementia"
        assert len((await http.get("/privacy/reads", params={"partner_id": f"clementia-{unique}"},
                                   headers=operator)).json()) == 2  # no contact answered: no read recorded
        assert (await http.post("/privacy/export", json={"email": email}, headers=operator)).json()["records"] == []
