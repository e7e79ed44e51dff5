"""A person's data across the running marketplace: a buyer inquires through the country page, the supplier answers,
the buyer is notified of the answer (the message reaches Mailpit; notifications keeps its copy);
the log (every topic and dead-letter topic of this run, on the real Kafka) never holds the buyer's or the supplier
contact's e-mail, name or phone; `tijara privacy export` finds every place the buyer appears; `tijara privacy erase
--yes` erases it: no document of any collection of any service's database and no record of any topic holds it any
more, the page's figures are unchanged, a second erase reports the same, the export is then empty; `tijara privacy
reads` lists who read the contacts."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pymongo import MongoClient
from typer.testing import CliRunner

from cli.main import app as tijara
from tests import factories
from tests.e2e.kafka_scan import records_of_run

BUYER_EMAIL, BUYER_NAME = "dana.whitfield@greatlakes-foods.example.com", "Dana Whitfield"
CONTACT = {"name": "Karim Bennani", "email": "k.bennani@conserverie-safi.example.ma", "phone": "+212 524 46 21 90"}
SECONDS = 30.0
HOLDERS = ("onboarding", "inquiries", "partners", "notifications")


def eventually(check, timeout: float = SECONDS):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except (AssertionError, httpx.HTTPError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def cli(marketplace, *args: str) -> tuple[int, str]:
    services = [a for s in HOLDERS for a in ("--service", f"{s}={marketplace.url(s)}")]
    result = CliRunner().invoke(tijara, ["privacy", *args, *services],
                                env={"TIJARA_TOKEN": marketplace.token("operator", "privacy-officer")})
    return result.exit_code, result.stdout


def stores_holding(marketplace, needles: list[str]) -> list[str]:
    """`database/collection/_id: needle` for every document of every collection of every service holding one."""
    found = []
    with MongoClient(marketplace.mongodb, tz_aware=True) as client:
        for name in client.list_database_names():
            if not name.startswith(f"{marketplace.database_prefix}_"):
                continue
            for collection in client[name].list_collection_names():
                for doc in client[name][collection].find({}):
                    text = json.dumps(doc, default=str, ensure_ascii=False).lower()
                    found += [f"{name}/{collection}/{doc['_id']}: {n}" for n in needles if n.lower() in text]
    return found


def log_holding(marketplace, needles: list[str]) -> tuple[int, int, list[str]]:
    """(topics read, records read, `topic@offset: needle` of every record holding one)."""
    topics, records = records_of_run(marketplace.kafka, marketplace.extra_env["KAFKA_TOPIC_PREFIX"])
    found = [f"{r.topic}@{r.offset}: {n}" for r in records for n in needles
             if n.lower() in (r.value or b"").decode(errors="replace").lower()
             or any(n.lower() in (v or b"").decode(errors="replace").lower() for _, v in r.headers)]
    return len(topics), len(records), found


@pytest.fixture(scope="module")
def answered(marketplace):
    """Apply, verify, list, inquire through the page, answer: the flows whose traces the test then looks for."""
    onboarding, catalogue = marketplace.url("onboarding"), marketplace.url("catalogue")
    staff = marketplace.auth("staff", "karim.staff")
    profile = factories.profile(trade_name="Conserverie Bennani", region="Marrakech-Safi", city="Safi",
                                sectors=["seafood"], contact=CONTACT)
    created = httpx.post(f"{onboarding}/suppliers", headers=marketplace.auth("partner:clementia"), json={
        "profile": profile.model_dump(mode="json"), "documents": factories.documents("ONSSA approval")})
    assert created.status_code == 201, created.text
    sid = created.json()["supplier_id"]
    inspected_on = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    for step, body, headers in [
            ("documents-verification", None, staff), ("endorsement", {"agency": "ASMEX"},
                                                      marketplace.auth("agency:ASMEX")),
            ("inspection", {"body": "SGS", "report_id": "SGS-MA-9", "passed": True, "inspected_on": inspected_on},
             marketplace.auth("inspection:SGS")), ("verification", {"decision": "verified"}, staff)]:
        assert httpx.post(f"{onboarding}/suppliers/{sid}/{step}", json=body, headers=headers).status_code == 200
    owner = marketplace.auth(f"supplier:{sid}", "karim@conserverie")
    listing = factories.listing(category="seafood", hs_code="160413").model_dump(mode="json")

    def listed():
        answer = httpx.post(f"{catalogue}/products", json={"supplier_id": sid, "listing": listing}, headers=owner)
        assert answer.status_code == 201, answer.text
        return answer.json()["product_id"]

    product = eventually(listed)
    form = {"product_id": product, "buyer_company": "Great Lakes Foods", "buyer_country": "CA",
            "contact_email": BUYER_EMAIL, "quantity": "1200", "unit": "carton", "destination": "Toronto",
            "message": f"CIF Toronto for 1,200 cartons? Regards, {BUYER_NAME}", "website": ""}
    showcase, inquiries = marketplace.url("showcase"), marketplace.url("inquiries")

    def sent() -> None:  # inquiries takes it once it has seen the product listed (its own consumer, a moment later)
        answer = httpx.post(f"{showcase}/countries/ma/inquiries", data=form, timeout=10)
        assert answer.status_code == 303, answer.text[-500:]

    eventually(sent)
    [inquiry] = httpx.get(f"{inquiries}/inquiries", params={"supplier_id": sid}, headers=owner).json()
    assert httpx.post(f"{inquiries}/inquiries/{inquiry['inquiry_id']}/response", headers=owner,
                      json={"message": f"Dear {BUYER_NAME}, 1,200 cartons at 23 USD CIF."}).status_code == 200
    mailbox = marketplace.mailbox

    def notified():  # the buyer's mailbox holds the answer
        assert any("1,200 cartons at 23 USD" in mailbox.message(m["ID"])["Text"] for m in mailbox.to(BUYER_EMAIL))

    eventually(notified)
    assert httpx.get(f"{onboarding}/suppliers/{sid}/contact", headers=staff).status_code == 200
    assert httpx.get(f"{inquiries}/inquiries/{inquiry['inquiry_id']}/correspondence",
                     headers=marketplace.auth("notifier", "tijara-notifications")).status_code == 200

    def on_the_page():
        page = httpx.get(f"{showcase}/api/countries/ma").json()
        card = next(s for s in page["suppliers"] if s["supplier_id"] == sid)
        assert card["inquiries_30d"] == 1 and card["response_rate"] == 1.0
        return page

    page = eventually(on_the_page)
    return {"supplier": sid, "inquiry": inquiry["inquiry_id"], "page": page}


def test_nothing_personal_is_in_the_log(marketplace, answered):
    needles = [BUYER_EMAIL, BUYER_NAME, *CONTACT.values(), "karim.staff"]
    topics, records, found = log_holding(marketplace, needles)
    print(f"\nlog scan: {records} records on {topics} topics (dead-letter topics included): {len(found)} hits")
    assert topics >= 10 and records > 0 and not found, found


def test_who_read_the_contacts_is_listed(marketplace, answered):
    code, out = cli(marketplace, "reads", "--supplier", answered["supplier"], "--json")
    assert code == 0, out
    contact_reads = json.loads(out)["onboarding"]
    assert {(r["actor"]["subject"], r["purpose"]) for r in contact_reads if r["actor"]["role"] == "staff"} \
        == {("karim.staff", "GET /suppliers/{supplier_id}/contact")}
    assert {r["actor"]["role"] for r in contact_reads} == {"staff", "notifier"}  # notifications wrote to the SME
    code, out = cli(marketplace, "reads", "--email", BUYER_EMAIL, "--json")
    reads = json.loads(out)["inquiries"]
    assert {(r["actor"]["role"], r["purpose"]) for r in reads} == {
        ("supplier", "GET /inquiries"), ("notifier", "GET /inquiries/{inquiry_id}/correspondence"),  # the test's
        ("notifier", "POST /inquiries/correspondence")}  # notifications asks for a batch's correspondence at once
    notifier = {r["actor"]["subject"] for r in reads if r["actor"]["role"] == "notifier"}
    assert "tijara-notifications" in notifier and len(notifier) == 2  # the test's read and the service's own
    seen = httpx.get(f"{marketplace.url('onboarding')}/suppliers/{answered['supplier']}/contact-reads",
                     headers=marketplace.auth(f"supplier:{answered['supplier']}")).json()
    assert "karim.staff" in {r["actor"]["subject"] for r in seen} and len(seen) == len(contact_reads)


def test_the_buyer_is_exported_then_erased_everywhere_and_the_page_stays(marketplace, answered):
    code, out = cli(marketplace, "export", "--email", BUYER_EMAIL)
    assert code == 0, out
    exported = json.loads(out)
    [held] = exported["services"]["inquiries"]
    assert exported["services"]["onboarding"] == []
    copies = exported["services"]["notifications"]  # the buyer's answer, and the supplier's message quoting them
    assert {c["to"] for c in copies} == {BUYER_EMAIL, CONTACT["email"]} and all(BUYER_NAME in c["text"] for c in copies)
    assert held["inquiry_id"] == answered["inquiry"] and BUYER_NAME in held["message"]
    assert held["response"].startswith(f"Dear {BUYER_NAME}") and held["contact_email"] == BUYER_EMAIL
    assert stores_holding(marketplace, [BUYER_EMAIL]), "the buyer is held before the erasure"

    code, out = cli(marketplace, "erase", "--email", BUYER_EMAIL, "--yes", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["inquiries"]["records"] == [f"inquiry {answered['inquiry']}"]
    assert not report["inquiries"]["already_erased"] and report["onboarding"]["records"] == []
    assert len(report["notifications"]["records"]) == 2 and not report["notifications"]["already_erased"]
    assert stores_holding(marketplace, [BUYER_EMAIL, BUYER_NAME]) == []
    assert log_holding(marketplace, [BUYER_EMAIL, BUYER_NAME])[2] == []

    page = httpx.get(f"{marketplace.url('showcase')}/api/countries/ma").json()
    assert page["headline"] == answered["page"]["headline"]
    code, out = cli(marketplace, "erase", "--email", BUYER_EMAIL, "--yes", "--json")
    again = json.loads(out)
    for service in HOLDERS:
        assert again[service] == {**report[service], "already_erased": bool(report[service]["records"])}
    code, out = cli(marketplace, "export", "--email", BUYER_EMAIL)
    assert json.loads(out)["services"] == {service: [] for service in HOLDERS}
    code, out = cli(marketplace, "erase", "--email", BUYER_EMAIL, "--yes")  # the table, for people
    assert code == 0 and "inquiries" in out and "already" in out
