"""notifications' pure rules: which event becomes which message to whom, derived identities, reminders, expiry
warnings, floods and digests, backoff; the messages rendered in three languages; the unsubscribe link's signature."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications import domain, templates, unsubscribe
from services.notifications.domain import Audience, Kind, Recipient

NOW = datetime(2026, 12, 6, 10, 30, tzinfo=UTC)
INQUIRY = {"inquiry_id": "inq-1", "supplier_id": "sup-1", "product_id": "prd-1", "received_at": NOW.isoformat(),
           "buyer_company": "Atlantic Foods", "buyer_country": "CA", "quantity": 1500, "unit": "carton",
           "destination": None}


def test_an_inquiry_tells_the_supplier_and_an_answer_tells_that_inquirys_buyer() -> None:
    [told] = domain.on_inquiry_received("ev-1", INQUIRY)
    assert told.recipient == Recipient(Audience.SUPPLIER, "sup-1") and told.kind is Kind.INQUIRY_RECEIVED
    [answered] = domain.on_inquiry_answered("ev-2", INQUIRY)
    assert answered.recipient == Recipient(Audience.BUYER, "inq-1") and answered.kind is Kind.INQUIRY_ANSWERED


def test_the_same_event_recipient_and_kind_is_always_the_same_message() -> None:
    first, again = domain.on_inquiry_received("ev-1", INQUIRY)[0], domain.on_inquiry_received("ev-1", INQUIRY)[0]
    assert first.key == again.key and len(first.key) == 32
    assert domain.on_inquiry_received("ev-9", INQUIRY)[0].key != first.key
    assert domain.message_id(first.key, "tijara.ma") == f"<{first.key}@tijara.ma>"
    assert Recipient.parse(str(first.recipient)) == first.recipient


@pytest.mark.parametrize(("ce_type", "kind"), [
    ("ma.tijara.supplier.verified.v1", Kind.SUPPLIER_VERIFIED), ("ma.tijara.supplier.rejected.v1", Kind.SUPPLIER_REJECTED),
    ("ma.tijara.supplier.suspended.v1", Kind.SUPPLIER_SUSPENDED),
    ("ma.tijara.supplier.reinstated.v1", Kind.SUPPLIER_REINSTATED),
    ("ma.tijara.supplier.verification-expired.v1", Kind.VERIFICATION_EXPIRED)])
def test_a_change_of_standing_tells_the_sme_and_its_partner(ce_type: str, kind: Kind) -> None:
    notices = domain.on_supplier_event("ev-3", ce_type, {"supplier_id": "sup-1"}, "clementia")
    assert [(n.recipient.audience, n.kind) for n in notices] == [(Audience.SUPPLIER, kind), (Audience.PARTNER, kind)]
    assert len(domain.on_supplier_event("ev-3", ce_type, {"supplier_id": "sup-1"}, None)) == 1


def test_steps_before_the_decision_tell_nobody() -> None:
    for step in ("application-submitted", "documents-verified", "endorsed", "inspected"):
        assert domain.on_supplier_event("ev", f"ma.tijara.supplier.{step}.v1", {"supplier_id": "s"}, "p") == []


def test_one_reminder_between_20_and_72_hours() -> None:
    assert not domain.reminder_due(NOW - timedelta(hours=19, minutes=59), NOW)
    assert domain.reminder_due(NOW - timedelta(hours=20), NOW)
    assert not domain.reminder_due(NOW - timedelta(hours=72), NOW)
    assert domain.reminder(INQUIRY).key == domain.reminder(INQUIRY).key


def test_expiry_warned_within_30_days_once_per_verification() -> None:
    assert domain.expiry_due("verified", NOW + timedelta(days=30), NOW)
    assert not domain.expiry_due("verified", NOW + timedelta(days=31), NOW)
    assert not domain.expiry_due("suspended", NOW + timedelta(days=3), NOW)
    assert not domain.expiry_due("verified", NOW - timedelta(days=1), NOW)
    first = domain.expiry_warning({"supplier_id": "s", "valid_until": "2027-01-01"}, None)[0]
    renewed = domain.expiry_warning({"supplier_id": "s", "valid_until": "2028-01-01"}, None)[0]
    assert first.key != renewed.key


def test_a_flood_of_inquiries_goes_into_the_hours_digest() -> None:
    assert not domain.held_for_flood(Kind.INQUIRY_RECEIVED, domain.FLOOD_LIMIT)
    assert domain.held_for_flood(Kind.INQUIRY_RECEIVED, domain.FLOOD_LIMIT + 1)
    assert not domain.held_for_flood(Kind.SUPPLIER_VERIFIED, 1000)
    assert domain.flood_window(NOW) == NOW.replace(minute=0)
    members = [{"_id": f"k{i}", "kind": "inquiry-received", "facts": INQUIRY, "created_at": NOW} for i in range(3)]
    digest = domain.digest(Recipient(Audience.SUPPLIER, "sup-1"), NOW, members)
    assert digest.kind is Kind.DIGEST and len(digest.facts["items"]) == 3
    assert domain.digest(Recipient(Audience.SUPPLIER, "sup-1"), NOW, members[:2]).key != digest.key


def test_daily_digest_next_morning_and_backoff_and_giving_up() -> None:
    assert domain.next_daily_digest(NOW) == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    assert domain.next_daily_digest(NOW.replace(hour=6)) == datetime(2026, 12, 6, 7, 0, tzinfo=UTC)
    assert [(domain.retry_at(n, NOW, 5) - NOW).total_seconds() for n in (1, 2, 3, 10)] == [5, 10, 20, 900]
    assert domain.gives_up(NOW - timedelta(days=3), NOW) and not domain.gives_up(NOW - timedelta(hours=1), NOW)


def test_only_reminders_and_digests_may_be_unsubscribed_from() -> None:
    assert Kind.INQUIRY_ANSWERED not in domain.NOT_TRANSACTIONAL
    assert domain.NOT_TRANSACTIONAL == {Kind.INQUIRY_REMINDER, Kind.DIGEST}


def test_an_unsubscribe_token_names_its_address_and_cannot_be_forged() -> None:
    signed = unsubscribe.token("Buyer@Example.com", "secret")
    assert unsubscribe.address_of(signed, "secret") == "buyer@example.com"
    assert unsubscribe.address_of(signed, "other") is None
    assert unsubscribe.address_of(signed[:-2] + "xx", "secret") is None
    assert unsubscribe.address_of("garbage", "secret") is None


FACTS = {Kind.INQUIRY_RECEIVED: {**INQUIRY, "product_name": "Sardines", "message": "<b>Prix ?</b>",
                                 "answer_url": "http://x/inquiries/inq-1/response", "hours": 21},
         Kind.INQUIRY_ANSWERED: {"supplier_name": "Conserverie", "product_name": "Sardines", "response": "Oui",
                                 "region": "Marrakech-Safi", "badge": "Verified", "page_url": "http://p",
                                 "message": "Prix ?"},
         Kind.SUPPLIER_REJECTED: {"supplier_name": "Conserverie", "valid_until": None, "reason": "ONSSA missing",
                                  "page_url": "http://p", "to_partner": True},
         Kind.VERIFICATION_EXPIRING: {"supplier_name": "Conserverie", "valid_until": "2027-01-05T00:00:00+00:00",
                                      "reason": None, "page_url": "http://p", "to_partner": False},
         Kind.DIGEST: {"items": [{**INQUIRY, "kind": "inquiry-received", "product_name": "Sardines"}],
                       "answer_base": "http://x"}}


@pytest.mark.parametrize("lang", templates.LANGUAGES)
@pytest.mark.parametrize("kind", list(FACTS))
def test_every_message_renders_in_every_language_escaping_what_people_wrote(kind: Kind, lang: str) -> None:
    message = templates.render(kind.value, lang, {**FACTS[kind], "kind": kind.value, "hours": 21}, "http://u")
    assert message.subject and message.text.strip()
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in message.html
    assert "<b>Prix" not in message.html  # a buyer's words are text, never markup
    if lang != "en":
        english = templates.render(kind.value, "en", {**FACTS[kind], "kind": kind.value, "hours": 21})
        assert message.subject != english.subject  # translated


def test_every_catalogue_translates_every_text() -> None:
    for lang in ("fr", "ar"):
        catalog = templates.translations(lang)
        from babel.messages.pofile import read_po

        with (templates.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
            untranslated = [m.id for m in read_po(po) if m.id and not m.string]
        assert untranslated == [] and catalog.gettext("Quantity") != "Quantity"
