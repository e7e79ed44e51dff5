"""Personal data, the pure parts: a person found whatever the letter case and never by a reversible key; an erased
inquiry keeps its business facts; an erasure reported the same when asked again (with an in-memory erasure record);
a rejection records when it happened (the start of the contact's retention)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.inquiries.domain import BuyerRequest, Inquiry, InquiryStatus
from services.inquiries.privacy import ERASED_EMAIL, ERASED_TEXT, erased_parts, without_person
from services.onboarding import domain
from shared.web.privacy import erase_once, person_key, same_address
from tests import factories

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_a_person_is_one_key_whatever_the_letter_case_and_the_key_needs_the_secret() -> None:
    assert person_key(" Dana@Example.com", "s") == person_key("dana@example.com", "s")
    assert person_key("dana@example.com", "s") != person_key("dana@example.com", "other secret")
    assert "dana" not in person_key("dana@example.com", "s")
    pattern = same_address("a.b+c@x.example.com")["$regex"]
    assert pattern == r"^a\.b\+c@x\.example\.com$"  # a dot or plus is itself, not a wildcard


def test_an_erased_inquiry_keeps_its_business_facts() -> None:
    request = BuyerRequest(product_id="prd-1", buyer_company="Great Lakes Foods", buyer_country="CA",
                           contact_email="dana@greatlakes.example.com", contact_name="Dana Whitfield", quantity=40,
                           unit="carton", target_price="12.50", currency="USD", message="Call Dana on +1 416 555")
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
