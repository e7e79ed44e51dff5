"""Where a recipient's address, language and choices come from: the service that owns them, asked at send time with
the notifier's own identity (a client-credentials token, shared.web.service_identity). Nothing of it travels on the
streams, and this service keeps only what a message it sent needs (its `rendered` copy, for the retention time).

    supplier -> onboarding  GET /suppliers/{id}/contact
                            POST /suppliers/contacts             (a sending batch's suppliers, in one request)
    buyer    -> inquiries   GET /inquiries/{id}/correspondence   (the inquiry's contact, language, message, answer)
                            POST /inquiries/correspondence       (a sending batch's inquiries, in one request)
    partner  -> partners    GET /partners/{id}/contact           (none: nothing to send)

The sender asks through a `Batch` (one per batch of due messages): all the batch's suppliers in one request, all its
inquiries in another. Nothing is kept past the batch, so a change the owner made is used from the next batch on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from services.notifications.channels import PermanentFailure, TransientFailure
from services.notifications.domain import Audience, Recipient
from shared.web.service_identity import ServiceIdentity, TokenUnavailable

MANY = 500  # the owners' limit on one request for many (inquiries' correspondences, onboarding's contacts)


@dataclass(frozen=True)
class Contact:
    address: str
    language: str
    name: str = ""
    digest: str = "immediate"  # an SME's choice: "immediate" or "daily"
    partner: str | None = None


class NoContact(Exception):
    """The owner knows no address for this recipient: nothing to send."""


class BuyerErased(NoContact):
    """inquiries has no correspondence for the inquiry: its buyer's contact was erased (on request or by retention),
    or the inquiry is unknown. Nobody to write to, so the message is suppressed, not failed: nothing is sent and no
    copy is kept (an answer written after the erasure included)."""

    def __init__(self, inquiry_id: str) -> None:
        super().__init__(f"inquiry {inquiry_id}: its buyer's contact was erased (or the inquiry is unknown); "
                         "nobody to write to")


class Contacts:
    def __init__(self, identity: ServiceIdentity, onboarding: str, inquiries: str, partners: str,
                 timeout: float = 10.0) -> None:
        self.urls = {Audience.SUPPLIER: onboarding.rstrip("/"), Audience.BUYER: inquiries.rstrip("/"),
                     Audience.PARTNER: partners.rstrip("/")}
        self.http = httpx.AsyncClient(auth=identity.auth(), timeout=timeout,
                                      limits=httpx.Limits(max_connections=64, max_keepalive_connections=32))
        # asked for each batch, not kept: a language or address the SME just changed is the one used (a 30 s cache
        # was tried; it made no measurable difference in bench/notifications.py and sent one message in the old
        # language)

    async def close(self) -> None:
        await self.http.aclose()

    async def supplier(self, supplier_id: str) -> dict[str, Any]:
        return await self._get(Audience.SUPPLIER, f"/suppliers/{supplier_id}/contact")

    async def suppliers(self, supplier_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Many suppliers' contacts in one request; a supplier unknown to onboarding is not in the answer."""
        found = await self._post_many(Audience.SUPPLIER, "/suppliers/contacts", "supplier_ids", supplier_ids)
        return {each["supplier_id"]: each for each in found}

    async def correspondence(self, inquiry_id: str) -> dict[str, Any]:
        found = await self._get(Audience.BUYER, f"/inquiries/{inquiry_id}/correspondence", missing_is_none=True)
        if not found:  # 404: erased, or unknown
            raise BuyerErased(inquiry_id)
        return found

    async def correspondences(self, inquiry_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Many inquiries' correspondence in one request; an inquiry unknown or erased is not in the answer."""
        found = await self._post_many(Audience.BUYER, "/inquiries/correspondence", "inquiry_ids", inquiry_ids)
        return {each["inquiry_id"]: each for each in found}

    def batch(self, inquiry_ids: Iterable[str], supplier_ids: Iterable[str] = ()) -> Batch:
        return Batch(self, sorted(set(inquiry_ids)), sorted(set(supplier_ids)))

    async def partner(self, partner_id: str) -> dict[str, Any]:
        return await self._get(Audience.PARTNER, f"/partners/{partner_id}/contact", missing_is_none=True)

    async def contact(self, recipient: Recipient) -> tuple[Contact, dict[str, Any]]:
        return await contact_of(self, recipient)

    async def _post_many(self, audience: Audience, path: str, field: str, ids: list[str]) -> list[dict[str, Any]]:
        """The owner's answers for many ids, MANY to a request; any refusal is the whole batch's, retried later."""
        url, found = self.urls[audience] + path, []
        for start in range(0, len(ids), MANY):
            try:
                answer = await self.http.post(url, json={field: ids[start:start + MANY]})
            except (httpx.HTTPError, TokenUnavailable) as error:
                raise TransientFailure(f"{url} unreachable: {error!r}") from error
            if answer.status_code >= 400:
                raise TransientFailure(f"{url}: {answer.status_code} {answer.text[:200]}")
            found += answer.json()
        return found

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


class Batch:
    """The owners' answers for one batch of messages: the batch's suppliers asked together on first use (one
    request), its inquiries likewise, and a partner's contact once however many messages it has in the batch."""

    def __init__(self, contacts: Contacts, inquiry_ids: list[str], supplier_ids: list[str] = ()) -> None:
        self.contacts = contacts
        self.inquiry_ids = inquiry_ids
        self.supplier_ids = list(supplier_ids)
        self._asked: dict[tuple[str, str], asyncio.Future[dict[str, Any]]] = {}

    async def supplier(self, supplier_id: str) -> dict[str, Any]:
        if supplier_id not in self.supplier_ids:  # not foreseen for this batch: asked alone
            return await self._once("supplier", supplier_id, lambda: self.contacts.supplier(supplier_id))
        found = await self._once("suppliers", "", lambda: self.contacts.suppliers(self.supplier_ids))
        if supplier_id not in found:  # as the single read's 404: onboarding knows no such supplier
            raise PermanentFailure(f"supplier {supplier_id}: unknown to onboarding (POST /suppliers/contacts "
                                   "left it out)")
        return found[supplier_id]

    async def partner(self, partner_id: str) -> dict[str, Any]:
        return await self._once("partner", partner_id, lambda: self.contacts.partner(partner_id))

    async def correspondence(self, inquiry_id: str) -> dict[str, Any]:
        if inquiry_id not in self.inquiry_ids:  # not foreseen for this batch: asked alone
            return await self.contacts.correspondence(inquiry_id)
        found = await self._once("inquiries", "", lambda: self.contacts.correspondences(self.inquiry_ids))
        if inquiry_id not in found:  # as the single read's 404: unknown, or its buyer's contact erased
            raise BuyerErased(inquiry_id)
        return found[inquiry_id]

    async def contact(self, recipient: Recipient) -> tuple[Contact, dict[str, Any]]:
        return await contact_of(self, recipient)

    async def _once(self, kind: str, key: str, ask) -> dict[str, Any]:
        if (kind, key) not in self._asked:  # the first asker's request, shared (a failure too: all retry later)
            self._asked[kind, key] = asyncio.ensure_future(ask())
        return await asyncio.shield(self._asked[kind, key])


async def contact_of(owners: Contacts | Batch, recipient: Recipient) -> tuple[Contact, dict[str, Any]]:
    """The recipient's contact, and the owner's whole answer (a buyer's holds its inquiry's correspondence)."""
    if recipient.audience is Audience.SUPPLIER:
        found = await owners.supplier(recipient.id)
        if not found.get("email"):
            raise NoContact(f"supplier {recipient.id} has no e-mail address")
        return Contact(found["email"], found.get("language") or "fr", found.get("contact_name") or "",
                       found.get("digest") or "immediate", found.get("partner")), found
    if recipient.audience is Audience.BUYER:
        found = await owners.correspondence(recipient.id)
        return Contact(found["contact_email"], found.get("language") or "en", found.get("contact_name") or ""), found
    found = await owners.partner(recipient.id)
    if not found or not found.get("contact_email"):
        raise NoContact(f"partner {recipient.id} has no contact")
    return Contact(found["contact_email"], found.get("language") or "fr", found.get("name") or ""), found
