"""Personal data, the pure parts: a person found whatever the letter case and never by a reversible key; an erased
inquiry keeps its business facts, and an answer or a closing written after the erasure keeps no text; an erasure
reported the same when asked again (with an in-memory erasure record), and its outcome published once per request
id, without the person (in-memory outcome store and relay); a rejection records when it happened (the start of the
contact's retention)."""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.errors import DuplicateKeyError

from services.inquiries import domain as inquiries
from services.inquiries.domain import BuyerRequest, Inquiry, InquiryStatus
from services.inquiries.privacy import ERASED_EMAIL, ERASED_TEXT, erased_parts, without_person
from services.onboarding import domain
from shared.contracts.actors import Actor, Role
from shared.web.erasure_outcomes import OUTCOMES, ErasureOutcomes
from shared.web.privacy import (
    ErasureReport,
    RetentionRun,
    erase_and_report,
    erase_once,
    person_key,
    retain_and_report,
    same_address,
)
from tests import factories
from tests.fakes import FakeRelay

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_a_person_is_one_key_whatever_the_letter_case_and_the_key_needs_the_secret() -> None:
    assert person_key(" Dana@Example.com", "s") == person_key("dana@example.com", "s")
    assert person_key("dana@example.com", "s") != person_key("dana@example.com", "other secret")
    assert "dana" not in person_key("dana@example.com", "s")
    pattern = same_address("a.b+c@x.example.com")["$regex"]
    assert pattern == r"^a\.b\+c@x\.example\.com$"  # a dot or plus is itself, not a wildcard


def dana_asks() -> BuyerRequest:
    return BuyerRequest(product_id="prd-1", buyer_company="Great Lakes Foods", buyer_country="CA",
                           contact_email="dana@greatlakes.example.com", contact_name="Dana Whitfield", quantity=40,
                           unit="carton", target_price="12.50", currency="USD", message="Call Dana on +1 416 555")


def test_an_erased_inquiry_keeps_its_business_facts() -> None:
    request = dana_asks()
    inquiry = Inquiry(inquiry_id="inq-1", version=3, supplier_id="sup-1", status=InquiryStatus.CLOSED,
                      request=request, received_at=NOW, response="Dear Dana", responded_at=NOW, closed_at=NOW,
                      close_reason="Dana bought elsewhere")
    erased = without_person(inquiry, NOW)
    assert erased.version == 4 and erased.contact_erased_at == NOW
    assert (erased.request.contact_email, erased.request.contact_name, erased.request.message, erased.response,
            erased.close_reason) == (ERASED_EMAIL, None, ERASED_TEXT, ERASED_TEXT, None)
    kept = ("product_id", "buyer_company", "buyer_country", "quantity", "unit", "target_price", "currency")
    assert all(getattr(erased.request, f) == getattr(request, f) for f in kept)
    assert (erased.received_at, erased.responded_at, erased.closed_at, erased.status) == (NOW, NOW, NOW, "closed")
    assert "Dana" not in erased.model_dump_json()
    assert Inquiry.model_validate(erased.model_dump(mode="json")) == erased  # the stored form still validates
    assert erased_parts(inquiry) == ["buyer's contact (e-mail, name)", "buyer's message", "supplier's answer",
                                     "closing reason"]


def test_an_answer_or_a_closing_after_the_erasure_is_counted_without_its_text() -> None:
    open_inquiry = Inquiry(inquiry_id="inq-1", version=1, supplier_id="sup-1", status=InquiryStatus.OPEN,
                           request=dana_asks(), received_at=NOW)
    erased = without_person(open_inquiry, NOW)
    answered, [event] = inquiries.respond(erased, "Dear Dana, 40 cartons at 12 USD.", NOW)
    assert (answered.status, answered.responded_at, answered.response) == ("responded", NOW, ERASED_TEXT)
    assert (event.responded_at, event.received_at) == (NOW, NOW)  # the response rate and time count it
    closed, [closing] = inquiries.close(answered, "Dana bought elsewhere", NOW)
    assert closed.close_reason is None and closing.reason is None
    assert "Dana" not in closed.model_dump_json() + closing.model_dump_json()
    answered, _ = inquiries.respond(open_inquiry, "Dear Dana", NOW)  # before any erasure: kept as written
    assert answered.response == "Dear Dana"


class Record:
    """The erasure record in memory (shared.web.privacy.Erasures on the store)."""

    def __init__(self) -> None:
        self.docs: dict[str, dict] = {}

    async def earlier(self, key: str) -> dict | None:
        return self.docs.get(key)

    async def note(self, key: str, records: list[str], erased: list[str]) -> dict:
        doc = self.docs.setdefault(key, {"records": [], "erased": []})
        doc["records"] += [r for r in records if r not in doc["records"]]
        doc["erased"] += [e for e in erased if e not in doc["erased"]]
        return doc


async def test_an_erasure_asked_again_reports_the_same() -> None:
    held = {"inquiry inq-1": ["inquiry inq-1: buyer's message"]}

    async def erase():
        found = list(held)
        erased = [e for r in found for e in held.pop(r)]
        return found, erased

    record = Record()
    first = await erase_once("inquiries", record, "k", erase)
    again = await erase_once("inquiries", record, "k", erase)
    assert first.records == ["inquiry inq-1"] and not first.already_erased
    assert again.model_dump() == {**first.model_dump(), "already_erased": True}
    nobody = await erase_once("inquiries", record, "someone else", erase)
    assert (nobody.records, nobody.already_erased) == ([], False)


def test_a_rejection_records_when_it_happened() -> None:
    from services.onboarding.application import SupplierApplication

    supplier, _ = domain.submit_application("sup-1", SupplierApplication(profile=factories.profile()), None, NOW)
    rejected, _ = domain.reject(supplier, "incomplete", NOW)
    assert rejected.rejected_at == NOW


class Outcomes:
    """`erasure_outcomes` in memory: a unique `_id`, as the store's."""

    name = OUTCOMES

    def __init__(self) -> None:
        self.docs: dict[str, dict] = {}

    async def insert_one(self, doc: dict) -> None:
        if doc["_id"] in self.docs:
            raise DuplicateKeyError("E11000 duplicate key")
        self.docs[doc["_id"]] = doc

    async def find_one(self, query: dict, projection: dict | None = None) -> dict | None:
        return self.docs.get(query["_id"])


class Holder:
    """A service's personal data (shared.web.privacy.PersonalData) holding one record, counting its erasures."""

    service = "inquiries"

    def __init__(self) -> None:
        self.held, self.erasures, self.record = True, 0, Record()

    async def erase(self, email: str, records: list[str]) -> ErasureReport:
        self.erasures += 1

        async def erase():
            found, self.held = (["inquiry inq-1"] if self.held else []), False
            return found, [f"{r}: buyer's contact (e-mail, name)" for r in found]
        return await erase_once(self.service, self.record, person_key(email, "s"), erase)

    async def apply_retention(self, dry_run: bool = False) -> RetentionRun:
        erased = [] if dry_run else ["inquiry inq-7"]
        return RetentionRun(service=self.service, dry_run=dry_run, due=["inquiry inq-7"], erased=erased,
                            what="buyer's contact (e-mail, name) and texts")


def published(outcomes: Outcomes) -> list[dict]:
    import json

    return [json.loads(entry["value"]) for doc in outcomes.docs.values() for entry in doc["outbox"]]


async def test_an_erasure_publishes_one_outcome_per_request_without_the_person() -> None:
    store, relay, holder = Outcomes(), FakeRelay(), Holder()
    outcomes = ErasureOutcomes({OUTCOMES: store}, "inquiries", relay)
    operator = Actor(subject="amal.ops", role=Role.OPERATOR)
    first = await erase_and_report(holder, outcomes, "Dana@Example.com", [], "erasure-1", operator)
    retried = await erase_and_report(holder, outcomes, "dana@example.com", [], "erasure-1", operator)
    assert retried == first and holder.erasures == 1  # the same request: handled once, published once
    again = await erase_and_report(holder, outcomes, "dana@example.com", [], "erasure-2", operator)
    assert again == first.model_copy(update={"request_id": "erasure-2", "already_erased": True})
    one, two = published(store)
    assert (one["request_id"], one["service"], one["cause"], one["records"], one["already_erased"]) == (
        "erasure-1", "inquiries", "request", ["inquiry inq-1"], False)
    assert one["records_by_kind"] == [{"kind": "inquiry", "records": 1}]
    assert {**two, "request_id": "erasure-1", "occurred_at": None} == {**one, "already_erased": True,
                                                                        "occurred_at": None}
    assert one["actor"]["subject"].startswith("anon-")  # pseudonymous, like every actor on a topic
    assert "dana" not in str(published(store)).lower() and "amal" not in str(published(store))
    assert [aggregate for _, aggregate in relay.woken] == ["erasure-1", "erasure-2"]


async def test_a_retention_run_that_erased_something_publishes_its_outcome() -> None:
    store = Outcomes()
    outcomes = ErasureOutcomes({OUTCOMES: store}, "inquiries", FakeRelay())
    await retain_and_report(Holder(), outcomes, dry_run=True)
    assert published(store) == []
    await retain_and_report(Holder(), outcomes)
    [outcome] = published(store)
    assert (outcome["cause"], outcome["actor"]["role"], outcome["request_id"][:10]) == ("retention", "system",
                                                                                       "retention-")
    assert outcome["erased"] == ["inquiry inq-7: buyer's contact (e-mail, name) and texts"]
