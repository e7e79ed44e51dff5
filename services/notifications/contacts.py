"""Where a recipient's address, language and choices come from: the service that owns them, asked at send time with
the notifier's own identity (a client-credentials token, shared.web.service_identity). Nothing of it travels on the
streams, and this service keeps only what a message it sent needs (its `rendered` copy, for the retention time).

    supplier -> onboarding  GET /suppliers/{id}/contact
    buyer    -> inquiries   GET /inquiries/{id}/correspondence   (the inquiry's contact, language, message, answer)
    partner  -> partners    GET /partners/{id}/contact           (none: nothing to send)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from services.notifications.channels import PermanentFailure, TransientFailure
from services.notifications.domain import Audience, Recipient
from shared.web.service_identity import ServiceIdentity, TokenUnavailable


@dataclass(frozen=True)
class Contact:
    address: str
    language: str
    name: str = ""
    digest: str = "immediate"  # an SME's choice: "immediate" or "daily"
    partner: str | None = None


class NoContact(Exception):
    """The owner knows no address for this recipient: nothing to send."""


class Contacts:
    def __init__(self, identity: ServiceIdentity, onboarding: str, inquiries: str, partners: str,
                 timeout: float = 10.0) -> None:
        self.urls = {Audience.SUPPLIER: onboarding.rstrip("/"), Audience.BUYER: inquiries.rstrip("/"),
                     Audience.PARTNER: partners.rstrip("/")}
        self.http = httpx.AsyncClient(auth=identity.auth(), timeout=timeout,
                                      limits=httpx.Limits(max_connections=64, max_keepalive_connections=32))
        # asked each time, not kept: a language or address the SME just changed is the one used (a 30 s cache was
        # tried; it made no measurable difference in bench/notifications.py and sent one message in the old language)

    async def close(self) -> None:
        await self.http.aclose()

    async def supplier(self, supplier_id: str) -> dict[str, Any]:
        return await self._get(Audience.SUPPLIER, f"/suppliers/{supplier_id}/contact")

    async def correspondence(self, inquiry_id: str) -> dict[str, Any]:
        return await self._get(Audience.BUYER, f"/inquiries/{inquiry_id}/correspondence")

    async def contact(self, recipient: Recipient) -> tuple[Contact, dict[str, Any]]:
        """The recipient's contact, and the owner's whole answer (a buyer's holds its inquiry's correspondence)."""
        if recipient.audience is Audience.SUPPLIER:
            found = await self.supplier(recipient.id)
            if not found.get("email"):
                raise NoContact(f"supplier {recipient.id} has no e-mail address")
            return Contact(found["email"], found.get("language") or "fr", found.get("contact_name") or "",
                           found.get("digest") or "immediate", found.get("partner")), found
        if recipient.audience is Audience.BUYER:
            found = await self.correspondence(recipient.id)
            return Contact(found["contact_email"], found.get("language") or "en",
                           found.get("contact_name") or ""), found
        found = await self._get(Audience.PARTNER, f"/partners/{recipient.id}/contact", missing_is_none=True)
        if not found or not found.get("contact_email"):
            raise NoContact(f"partner {recipient.id} has no contact")
        return Contact(found["contact_email"], found.get("language") or "fr", found.get("name") or ""), found

    async def _get(self, audience: Audience, path: str, missing_is_none: bool = False) -> dict[str, Any]:
        url = self.urls[audience] + path
        try:
            answer = await self.http.get(url)
        except (httpx.HTTPError, TokenUnavailable) as error:
            raise TransientFailure(f"{url} unreachable: {error!r}") from error
        if answer.status_code == 404:
            if missing_is_none:
                return {}
            raise PermanentFailure(f"{url}: 404 {answer.text[:200]}")
        if answer.status_code >= 400:  # 401/403: the notifier's client or role misconfigured, fixable: retried too
            raise TransientFailure(f"{url}: {answer.status_code} {answer.text[:200]}")
        return answer.json()
