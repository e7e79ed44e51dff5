"""A composed message as the bytes handed to SMTP: multipart/alternative (text, then HTML), UTF-8, written directly.

The `email` package's EmailMessage built and flattened each message in ~5 ms of CPU — the largest cost of the whole
service (bench/notifications.py). The shape of our messages is fixed, so it is written here in ~0.1 ms, by the rules
the package would apply:

- headers: plain when printable ASCII, else RFC 2047 encoded-words (UTF-8, base64; each within 75 characters, one
  a line, folded); a long ASCII value (a List-Unsubscribe URL) stays one line within RFC 5322's 998;
- bodies: 7bit when ASCII with lines within 998 octets, else the shorter of quoted-printable and base64, so any relay
  takes them (nothing here needs 8BITMIME);
- a random boundary, checked against the bodies.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from email.utils import formataddr, formatdate

from services.notifications.channels import Outgoing

LINE = 998  # RFC 5322: octets a line may hold
WORD = 45  # UTF-8 octets in one encoded-word: 60 base64 characters, 72 with "=?utf-8?b?...?=", within 75


def header(value: str) -> str:
    """A header's value as it goes on the wire: itself when it can, else encoded-words on folded lines."""
    if value.isascii() and value.isprintable() and len(value) <= LINE - 80:
        return value
    words, chunk, size = [], [], 0
    for char in value if value.isprintable() else " ".join(value.split()):  # no line breaks smuggled in
        width = len(char.encode())
        if size + width > WORD:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += width
    words.append("".join(chunk))
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w.encode()).decode()}?=" for w in words)


def sender(address: str, name: str) -> str:
    """The From header's value (computed once per channel)."""
    return formataddr((name, address)) if name.isascii() else f"{header(name)} <{address}>"


def body(content_type: str, text: str) -> bytes:
    """One part: its headers and its content, transfer-encoded for a 7-bit relay."""
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode()
    if data.isascii() and max(map(len, data.split(b"\n"))) <= LINE:
        encoding, content = "7bit", data
    else:
        quoted = binascii.b2a_qp(data, istext=True)
        encoded = base64.encodebytes(data)
        encoding, content = ("quoted-printable", quoted) if len(quoted) <= len(encoded) else ("base64", encoded)
    head = f'Content-Type: {content_type}; charset="utf-8"\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n'
    return head.encode() + content.replace(b"\n", b"\r\n")


def as_bytes(message: Outgoing, from_: str, date: str | None = None) -> bytes:
    """The whole message: `from_` as `sender()` gives it; `date` (RFC 5322) defaults to now."""
    parts = [body("text/plain", message.text), body("text/html", message.html)]
    boundary = f"=_{secrets.token_hex(12)}"
    while any(boundary.encode() in part for part in parts):  # never met with 96 random bits; checked all the same
        boundary = f"=_{secrets.token_hex(12)}"
    headers = {"From": from_, "To": message.to, "Subject": header(message.subject), "Message-ID": message.message_id,
               "Date": date or formatdate(usegmt=True),
               "Auto-Submitted": "auto-generated",  # RFC 3834: no auto-replies back to us
               **{name: header(value) for name, value in message.headers.items()},
               "MIME-Version": "1.0", "Content-Type": f'multipart/alternative; boundary="{boundary}"',
               "Content-Language": message.language}
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode()
    separator = f"\r\n--{boundary}\r\n".encode()
    return head + separator + separator.join(parts) + f"\r\n--{boundary}--\r\n".encode()
