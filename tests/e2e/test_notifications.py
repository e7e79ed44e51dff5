"""The loop closed, as people live it: a buyer inquires through the country page's form in its language; the
supplier's mailbox on the local SMTP server (Mailpit, read through its HTTP API) holds one message about it, in the
SME's language; the supplier answers with its token; the buyer's mailbox holds one message with the answer, in the
page's language. French, Arabic (right to left) and English."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests import factories

SECONDS = 30.0  # "within seconds" on a loaded two-core machine; typically under two
WORDS = {"fr": ("Quantité", "a répondu à votre demande"), "ar": ("الكمية", "على طلبكم"),
         "en": ("Quantity", "answered your inquiry")}


def eventually(check, timeout: float = SECONDS):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except (AssertionError, httpx.HTTPError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.fixture(scope="module")
def supplier(marketplace):
    """A verified supplier with one listed product, applied for by an onboarding partner."""
    onboarding, catalogue = marketplace.url("onboarding"), marketplace.url("catalogue")
    staff = marketplace.auth("staff")
    profile = factories.profile(trade_name="Conserverie de Safi", region="Marrakech-Safi", city="Safi",
                                sectors=["seafood"],
                                contact={"name": "Karim Bennani", "email": "export@conserverie-safi.example.ma"})
    created = httpx.post(f"{onboarding}/suppliers", json={"profile": profile.model_dump(mode="json"),
                                                          "documents": factories.documents("ONSSA approval")},
                         headers=marketplace.auth("partner:clementia"))
    assert created.status_code == 201, created.text
    sid = created.json()["supplier_id"]
    steps = [("documents-verification", None, staff),
             ("endorsement", {"agency": "ASMEX"}, marketplace.auth("agency:ASMEX")),
             ("inspection", {"body": "SGS", "report_id": "SGS-MA-1", "passed": True,
                             "inspected_on": (datetime.now(UTC) - timedelta(days=3)).date().isoformat()},
              marketplace.auth("inspection:SGS")),
             ("verification", {"decision": "verified"}, staff)]
    for step, body, headers in steps:
        done = httpx.post(f"{onboarding}/suppliers/{sid}/{step}", json=body, headers=headers, timeout=10)
        assert done.status_code == 200, done.text
    owner = marketplace.auth(f"supplier:{sid}")
    listing = factories.listing(title={"en": "Sardines in olive oil", "fr": "Sardines à l'huile d'olive",
                                       "ar": "سردين بزيت الزيتون"}, category="seafood", hs_code="160413",
                                origin_region="Marrakech-Safi").model_dump(mode="json")

    def listed():
        answer = httpx.post(f"{catalogue}/products", json={"supplier_id": sid, "listing": listing}, headers=owner)
        assert answer.status_code == 201, answer.text
        return answer.json()["product_id"]

    product_id = eventually(listed)
    return {"id": sid, "email": "export@conserverie-safi.example.ma", "product_id": product_id, "owner": owner}


def one_message(mailbox, address: str, containing: str) -> dict:
    found = [m for m in mailbox.to(address) if containing in mailbox.message(m["ID"])["Text"]]
    assert len(found) == 1, [m["Subject"] for m in found]
    return mailbox.message(found[0]["ID"]) | {"headers": mailbox.headers(found[0]["ID"])}


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_an_inquiry_reaches_the_supplier_and_the_answer_reaches_the_buyer(marketplace, supplier, lang):
    mailbox = marketplace.mailbox
    inquiries, showcase = marketplace.url("inquiries"), marketplace.url("showcase")
    chosen = httpx.put(f"{marketplace.url('onboarding')}/suppliers/{supplier['id']}/preferences",
                       json={"language": lang}, headers=supplier["owner"])
    assert chosen.status_code == 200, chosen.text
    buyer = f"sourcing-{lang}@atlantic-foods.example.com"
    form = {"product_id": supplier["product_id"], "buyer_company": f"Atlantic Foods {lang}", "buyer_country": "CA",
            "contact_email": buyer, "quantity": "1500", "unit": "carton", "destination": "Montréal",
            "message": f"Prix CIF Montréal pour 1500 cartons ? ({lang})", "website": ""}

    def sent() -> None:  # inquiries takes it once it has seen the product listed (its own consumer, a moment later)
        answer = httpx.post(f"{showcase}/countries/ma/inquiries?lang={lang}", data=form, timeout=10)
        assert answer.status_code == 303, answer.text[-500:]

    eventually(sent)
    started = time.monotonic()
    [inquiry] = [i for i in httpx.get(f"{inquiries}/inquiries", params={"supplier_id": supplier["id"]},
                                      headers=supplier["owner"]).json()
                 if i["request"]["contact_email"] == buyer]

    told = eventually(lambda: one_message(mailbox, supplier["email"], inquiry["inquiry_id"]))
    print(f"\n[{lang}] inquiry -> supplier's mailbox: {time.monotonic() - started:.2f} s")
    assert told["headers"]["Content-Language"] == [lang]
    assert WORDS[lang][0] in told["Text"] and f"Atlantic Foods {lang}" in told["Text"] and form["message"] in told["Text"]
    assert f'lang="{lang}"' in told["HTML"] and (('dir="rtl"' in told["HTML"]) == (lang == "ar"))
    assert "List-Unsubscribe" not in told["headers"]  # what a buyer asks is not a newsletter

    answer = f"1500 cartons : 23,20 USD CIF Montréal, 4 semaines ({lang})."
    answered = httpx.post(f"{inquiries}/inquiries/{inquiry['inquiry_id']}/response", json={"message": answer},
                          headers=supplier["owner"])
    assert answered.status_code == 200, answered.text
    reply = eventually(lambda: one_message(mailbox, buyer, answer))
    assert reply["headers"]["Content-Language"] == [lang]
    assert WORDS[lang][1] in reply["Subject"] + reply["Text"] and "Conserverie de Safi" in reply["Text"]
    assert f"/countries/ma/suppliers/{supplier['id']}" in reply["Text"]
    assert f'lang="{lang}"' in reply["HTML"] and (('dir="rtl"' in reply["HTML"]) == (lang == "ar"))
    assert told["MessageID"] != reply["MessageID"] and reply["MessageID"].endswith("@tijara.ma")
