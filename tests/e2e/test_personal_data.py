"""A person's data across the running marketplace: a buyer inquires through the country page, the supplier answers,
the buyer is notified of the answer (the message reaches Mailpit; notifications keeps its copy);
the log (every topic and dead-letter topic of this run, on the real Kafka) never holds the buyer's or the supplier
contact's e-mail, name or phone; `tijara privacy export` finds every place the buyer appears; `tijara privacy erase
--yes` erases it and prints what each holder published on privacy.erasures (one outcome per holder, the request id
and no person in it): no document of any collection of any service's database and no record of any topic holds it
any more, the page's figures are unchanged, a second erase reports the same, the export is then empty; `tijara
privacy reads` lists who read the contacts (a supplier's, a buyer's, a partner's). A second buyer erased before the
supplier answers: the answer counts on the page, its text is kept nowhere, and nobody is written to."""

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
LATE_EMAIL, LATE_NAME = "s.okafor@lagos-provisions.example.com", "Sam Okafor"
PARTNER_CONTACT = "integration@clementia-e2e.example.ma"
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
    result = CliRunner().invoke(tijara, ["privacy", *args, *services], env={
        "TIJARA_TOKEN": marketplace.token("operator", "privacy-officer"), "KAFKA_BOOTSTRAP_SERVERS": marketplace.kafka,
        "KAFKA_TOPIC_PREFIX": marketplace.extra_env["KAFKA_TOPIC_PREFIX"]})  # erase reads privacy.erasures
    return result.exit_code, result.stdout


def outcomes_of(marketplace, request_id: str) -> dict[str, dict]:
    """The outcomes on privacy.erasures for the request, by service; none holds a person's e-mail or name."""
    _, records = records_of_run(marketplace.kafka, marketplace.extra_env["KAFKA_TOPIC_PREFIX"])
    found = [r for r in records if r.topic.endswith("privacy.erasures") and r.key == request_id.encode()]
    for record in found:
        assert not any(n.lower() in record.value.decode().lower() for n in (BUYER_EMAIL, BUYER_NAME, LATE_EMAIL,
                                                                          LATE_NAME, "@"))
    return {o["service"]: o for o in (json.loads(r.value) for r in found)}


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
    return {"supplier": sid, "inquiry": inquiry["inquiry_id"], "page": page, "product": product}


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
    assert {r["purpose"] for r in contact_reads if r["actor"]["role"] == "notifier"} == {
        "POST /suppliers/contacts"}  # notifications asks a sending batch's suppliers at once
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

    partners, operator = marketplace.url("partners"), marketplace.auth("operator", "amal.ops")
    assert httpx.post(f"{partners}/partners", headers=operator, json={
        "partner_id": "clementia-e2e", "name": "Clementia", "kind": "onboarding-partner",
        "contact_email": PARTNER_CONTACT}).status_code == 201
    for reader in (marketplace.auth("notifier", "tijara-notifications"), operator):
        assert httpx.get(f"{partners}/partners/clementia-e2e/contact", headers=reader).status_code == 200
    code, out = cli(marketplace, "reads", "--partner", "clementia-e2e", "--json")
    assert code == 0, out
    assert sorted((r["actor"]["subject"], r["purpose"]) for r in json.loads(out)["partners"]) == [
        ("amal.ops", "GET /partners/{partner_id}/contact"),
        ("tijara-notifications", "GET /partners/{partner_id}/contact")]
    code, out = cli(marketplace, "reads", "--email", PARTNER_CONTACT, "--json")
    assert len(json.loads(out)["partners"]) == 2 and json.loads(out)["inquiries"] == []


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
    erasure = json.loads(out)
    report = erasure["services"]  # what each holder published on privacy.erasures for this request
    assert report["inquiries"]["records"] == [f"inquiry {answered['inquiry']}"]
    assert report["inquiries"]["records_by_kind"] == [{"kind": "inquiry", "records": 1}]
    assert not report["inquiries"]["already_erased"] and report["onboarding"]["records"] == []
    assert len(report["notifications"]["records"]) == 2 and not report["notifications"]["already_erased"]
    published = outcomes_of(marketplace, erasure["request_id"])
    assert set(published) == set(HOLDERS)  # one outcome per holder, nothing personal in any
    assert all(published[s]["records"] == report[s]["records"] and published[s]["cause"] == "request"
               for s in HOLDERS)
    assert stores_holding(marketplace, [BUYER_EMAIL, BUYER_NAME]) == []
    assert log_holding(marketplace, [BUYER_EMAIL, BUYER_NAME])[2] == []

    page = httpx.get(f"{marketplace.url('showcase')}/api/countries/ma").json()
    assert page["headline"] == answered["page"]["headline"]
    code, out = cli(marketplace, "erase", "--email", BUYER_EMAIL, "--yes", "--json")
    again = json.loads(out)
    assert code == 0 and again["request_id"] != erasure["request_id"]
    for service in HOLDERS:
        assert again["services"][service] == {**report[service],
                                              "already_erased": bool(report[service]["records"])}
    assert set(outcomes_of(marketplace, again["request_id"])) == set(HOLDERS)
    code, out = cli(marketplace, "erase", "--email", BUYER_EMAIL, "--yes", "--json", "--service",
                    "ghost=http://127.0.0.1:9")  # a holder that cannot be asked: the erasure is not complete
    partial = json.loads(out)["services"]
    assert code == 1 and "did not answer" in partial["ghost"]["error"]
    assert all(partial[s]["already_erased"] == bool(report[s]["records"]) for s in HOLDERS)
    code, out = cli(marketplace, "export", "--email", BUYER_EMAIL)
    assert json.loads(out)["services"] == {service: [] for service in HOLDERS}
    code, out = cli(marketplace, "erase", "--email", BUYER_EMAIL, "--yes")  # the table, for people
    assert code == 0 and "inquiries" in out and "already" in out


def test_an_answer_after_the_buyer_was_erased_is_counted_but_kept_nowhere_and_sent_to_nobody(marketplace, answered):
    showcase, inquiries = marketplace.url("showcase"), marketplace.url("inquiries")
    sid, owner = answered["supplier"], marketplace.auth(f"supplier:{answered['supplier']}", "karim@conserverie")
    form = {"product_id": answered["product"], "buyer_company": "Lagos Provisions", "buyer_country": "NG",
            "contact_email": LATE_EMAIL, "quantity": "500", "unit": "carton", "destination": "Lagos",
            "message": f"FOB Safi for 500 cartons? Regards, {LATE_NAME}", "website": ""}
    assert httpx.post(f"{showcase}/countries/ma/inquiries", data=form, timeout=10).status_code == 303
    [late] = [i["inquiry_id"] for i in httpx.get(f"{inquiries}/inquiries", params={"supplier_id": sid},
                                                  headers=owner).json() if i["inquiry_id"] != answered["inquiry"]]
    mailbox = marketplace.mailbox

    def supplier_told():  # the SME's message about it quotes the buyer: sent before the erasure, erased with it
        assert any(LATE_NAME in mailbox.message(m["ID"])["Text"] for m in mailbox.to(CONTACT["email"]))

    eventually(supplier_told)
    code, out = cli(marketplace, "erase", "--email", LATE_EMAIL, "--yes", "--json")
    assert code == 0, out
    assert json.loads(out)["services"]["inquiries"]["records"] == [f"inquiry {late}"]

    answer = httpx.post(f"{inquiries}/inquiries/{late}/response", headers=owner,
                        json={"message": f"Dear {LATE_NAME}, 500 cartons at 22 USD FOB."})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["response"]) == ("responded", "[erased]")
    operator = marketplace.auth("operator", "privacy-officer")

    def suppressed():  # notifications has nobody to write to: nothing sent, no copy kept
        found = httpx.get(f"{marketplace.url('notifications')}/messages", headers=operator,
                          params={"recipient": f"buyer:{late}"}).json()
        assert len(found) == 1, found  # none yet until notifications has consumed the answer: polled again
        [message] = found
        assert (message["kind"], message["status"], message["to"]) == ("inquiry-answered", "suppressed", None)
        return message

    assert "erased" in eventually(suppressed)["reason"]

    def counted():  # the supplier answered both: its response rate says so
        card = next(s for s in httpx.get(f"{showcase}/api/countries/ma").json()["suppliers"] if s["supplier_id"] == sid)
        assert (card["inquiries_30d"], card["response_rate"]) == (2, 1.0)

    eventually(counted)
    needles = [LATE_EMAIL, LATE_NAME, "22 USD FOB"]
    assert mailbox.to(LATE_EMAIL) == []
    assert stores_holding(marketplace, needles) == []
    assert log_holding(marketplace, needles)[2] == []
