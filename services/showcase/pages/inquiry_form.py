"""The inquiry form of product and supplier pages: a plain HTML form (works without JavaScript) posted to the
showcase, which checks it in the visitor's language and forwards it to the inquiries service's public
`POST /inquiries` over HTTP. The inquiries service owns inquiries and validates again; the showcase keeps nothing.

Abuse controls before anything is forwarded: a size limit on the body, a honeypot field (`website`, hidden from
people; a bot that fills it is shown the confirmation and nothing is sent) and a per-client rate limit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import parse_qsl

import httpx
from email_validator import EmailNotValidError, validate_email
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from services.showcase.pages.i18n import DEFAULT, LANGUAGES, countries, country_from, gettext
from services.showcase.pages.prebuilt import Rendition

log = logging.getLogger(__name__)
INQUIRY_FIELDS = [  # (name, label, input type, attributes): the form the inquiries service accepts
    ("buyer_company", "Company", "text", 'required maxlength="200" autocomplete="organization"'),
    ("buyer_country", "Country", "country", 'required autocomplete="country"'),  # a list in the page's language
    ("contact_email", "Email", "email", 'required maxlength="200" autocomplete="email"'),
    ("quantity", "Quantity", "number", 'required min="1" max="100000000"'),
    ("unit", "Unit", "text", 'required maxlength="20"'),
    ("destination", "Destination port or city", "text", 'maxlength="200"'),
    ("message", "Message", "textarea", 'required maxlength="4000"'),
]
MAX_BODY = 16 * 1024
LIMITS = {"buyer_company": 200, "buyer_country": 2, "contact_email": 200, "unit": 20, "destination": 200,
          "message": 4000, "quantity": 12}
REQUIRED = ("buyer_company", "buyer_country", "contact_email", "quantity", "unit", "message")
FIELDS = {name for name, *_ in INQUIRY_FIELDS} | {"supplier_id", "product_id", "website"}


class TooLarge(Exception):
    pass


@dataclass
class Submission:
    form: dict[str, str]
    errors: dict[str, str]
    bot: bool = False


def read(body: bytes) -> dict[str, str]:
    if len(body) > MAX_BODY:
        raise TooLarge
    pairs = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=20)
    return {k: v.strip() for k, v in pairs if k in FIELDS}


def check(form: dict[str, str], lang: str) -> Submission:
    """Field errors in the visitor's language, the way a person reads them."""
    _ = lambda text: gettext(lang, text)  # noqa: E731
    errors: dict[str, str] = {}
    for name in REQUIRED:
        if not form.get(name):
            errors[name] = _("This field is required.")
    for name, limit in LIMITS.items():
        if len(form.get(name, "")) > limit and name not in errors:
            errors[name] = _("This field is too long (at most %(n)s characters).") % {"n": limit}
    if "buyer_country" not in errors and form["buyer_country"].upper() not in dict(countries(DEFAULT)):
        errors["buyer_country"] = _("Choose your country from the list.")
    if "contact_email" not in errors:
        try:
            validate_email(form["contact_email"], check_deliverability=False)
        except EmailNotValidError:
            errors["contact_email"] = _("Enter a valid email address, e.g. buyer@example.com.")
    if "quantity" not in errors and not (form["quantity"].isdigit() and int(form["quantity"]) > 0):
        errors["quantity"] = _("Enter a whole number of at least 1.")
    return Submission(form, errors, bot=bool(form.get("website")))


def with_country_chosen(page: Rendition, accept_language: str | None) -> Rendition:
    """The page's form with the buyer's likely country already chosen (from Accept-Language, e.g. fr-CA -> Canada),
    in the HTML itself so it works without JavaScript. The page is rendered once for everyone; choosing is one
    replacement in its bytes, and the ETag names the choice. The page's one list of countries is the form's, which
    ends the page: found from the end (from the start, the search took 4-8 µs of a request, 20 KB of markup)."""
    country = country_from(accept_language)
    if country is None:
        return page
    option = f'<option value="{country}"'.encode()
    at = page.body.rfind(option + b">")
    if at < 0:
        return page
    at += len(option)
    return Rendition(b"".join((page.body[:at], b" selected", page.body[at:])), page.media_type,
                     f'{page.etag[:-1]}-{country}"')


def inquiry(form: dict[str, str], lang: str) -> dict:
    """The JSON the inquiries service's `POST /inquiries` takes; `lang` is the page's language, the one the buyer
    wrote in, so the supplier's answer reaches the buyer in it."""
    return {"product_id": form.get("product_id") or None, "supplier_id": form.get("supplier_id") or None,
            "buyer_company": form["buyer_company"], "buyer_country": form["buyer_country"].upper(),
            "contact_email": form["contact_email"], "quantity": int(form["quantity"]), "unit": form["unit"],
            "destination": form.get("destination") or None, "message": form["message"],
            "language": lang if lang in LANGUAGES else DEFAULT}


class InquiryForwarder:
    def __init__(self, inquiries_url: str, per_client: str = "5/10 minutes") -> None:
        self.http = httpx.AsyncClient(base_url=inquiries_url, timeout=10)
        self.limit = parse(per_client)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def allow(self, client: str) -> bool:
        return self.limiter.hit(self.limit, "inquiry-form", client)

    async def send(self, payload: dict, client: str) -> tuple[bool, str | None]:
        """(sent, inquiry id) or (False, the service's message) when it refused the inquiry. The visitor's address
        goes along, so the inquiries service can limit per buyer rather than per showcase replica."""
        response = await self.http.post("/inquiries", json=payload, headers={"X-Forwarded-For": client})
        if response.status_code == 201:
            return True, response.json().get("inquiry_id")
        if 400 <= response.status_code < 500:
            return False, response.json().get("message")
        response.raise_for_status()
        return False, None

    async def close(self) -> None:
        await self.http.aclose()
