"""channels/mime.py: the bytes handed to SMTP read back by the standard library's parser as the message composed."""

from __future__ import annotations

import email
from email import policy

import pytest

from services.notifications.channels import Outgoing, mime
from services.notifications.templates import render

FACTS = {"inquiry_id": "inq-1", "buyer_company": "Atlantic Foods", "buyer_country": "CA", "product_name": "Sardines",
         "quantity": 1200, "unit": "carton", "destination": None, "message": "Quote?\nCIF Montréal.",
         "answer_url": "http://127.0.0.1:8003/inquiries/inq-1/response", "hours": 0}
UNSUBSCRIBE = "<http://127.0.0.1:8005/unsubscribe?token=" + "a" * 300 + ">"


def parsed(outgoing: Outgoing) -> email.message.EmailMessage:
    raw = mime.as_bytes(outgoing, mime.sender("notifications@tijara.ma", "Tijara"))
    assert all(len(line) <= mime.LINE for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    return email.message_from_bytes(raw, policy=policy.SMTP)


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_the_message_reads_back_as_composed(lang: str) -> None:
    page = render("inquiry-received", lang, FACTS)
    headers = {"List-Unsubscribe": UNSUBSCRIBE, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    message = parsed(Outgoing("<k1@tijara.ma>", "sme@safi.example.ma", page.subject, page.text, page.html, lang,
                              headers))
    assert not message.defects and all(not part.defects for part in message.walk())
    assert message["Subject"] == page.subject
    assert message["From"] == "Tijara <notifications@tijara.ma>" and message["To"] == "sme@safi.example.ma"
    assert message["Message-ID"] == "<k1@tijara.ma>" and message["Content-Language"] == lang
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"] == UNSUBSCRIBE  # one line, never RFC 2047: mail clients read it as a URL
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text.get_content().replace("\r\n", "\n") == page.text
    assert html.get_content().replace("\r\n", "\n") == page.html
    assert ('dir="rtl"' in html.get_content()) == (lang == "ar")


def test_bodies_are_7bit_when_they_can_be_and_never_8bit() -> None:
    ascii_part = mime.body("text/plain", "plain words\n")
    assert b"Content-Transfer-Encoding: 7bit" in ascii_part
    french = mime.body("text/plain", "Quantité: 10 cartons, livraison à Montréal\n")
    assert b"Content-Transfer-Encoding: quoted-printable" in french and french.isascii()
    arabic = mime.body("text/plain", "طلب جديد من شركة أطلس للأغذية\n" * 5)
    assert b"Content-Transfer-Encoding: base64" in arabic and arabic.isascii()
    long_line = mime.body("text/html", "x" * 3000)
    assert b"7bit" not in long_line and all(len(line) <= 76 for line in long_line.split(b"\r\n")[3:])


def test_headers_are_encoded_words_when_not_plain_ascii_and_carry_no_line_break() -> None:
    subject = "طلب جديد من Atlantic Foods (كندا) — " * 3
    message = parsed(Outgoing("<k2@tijara.ma>", "a@b.example", subject, "t\n", "<p>h</p>\n", "ar"))
    assert message["Subject"] == subject
    smuggled = parsed(Outgoing("<k3@tijara.ma>", "a@b.example", "Hello\r\nBcc: victim@example.com", "t\n", "h\n",
                               "en"))
    assert smuggled["Bcc"] is None and smuggled["Subject"] == "Hello Bcc: victim@example.com"


def test_each_message_has_its_own_boundary() -> None:
    outgoing = Outgoing("<k4@tijara.ma>", "a@b.example", "s", "t\n", "h\n", "en")
    first, second = (mime.as_bytes(outgoing, "x@y.example", date="Sun, 06 Dec 2026 19:00:00 GMT") for _ in "12")
    assert first != second and first.split(b"boundary=")[0] == second.split(b"boundary=")[0]
