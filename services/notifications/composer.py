"""A recorded message made ready to send: its recipient's contact from the owner (contacts.py), the recipient's
choices applied (a daily digest, an unsubscribe), the facts the template needs gathered (the inquiry's text from
inquiries, the supplier's card and the product's name from the projections), then rendered in the recipient's
language. The result is stored with the message, so a resend is the same message."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from services.notifications import domain, templates, unsubscribe
from services.notifications.channels import Outgoing
from services.notifications.contacts import Batch, Contact, Contacts
from services.notifications.domain import Audience, Kind, Recipient
from services.notifications.store import NotificationStore


class Hold(Exception):
    """The recipient takes these in a digest: held until then."""

    def __init__(self, until: datetime) -> None:
        self.until = until


class Suppress(Exception):
    """Nothing to send (the recipient unsubscribed from this kind of message)."""


class Composer:
    def __init__(self, store: NotificationStore, contacts: Contacts, *, public_url: str, showcase_url: str,
                 answer_url: str, unsubscribe_secret: str) -> None:
        self.store = store
        self.contacts = contacts
        self.public_url = public_url.rstrip("/")  # this service, as recipients reach it (the unsubscribe link)
        self.showcase_url = showcase_url.rstrip("/")
        self.answer_url = answer_url.rstrip("/")  # the inquiries service, as suppliers reach it
        self.secret = unsubscribe_secret

    def batch(self, messages: list[dict]) -> Batch:
        """The owners' answers for these messages, asked together (contacts.Batch): the inquiries they are about and
        the suppliers they go to."""
        unsent = [m for m in messages if not m.get("rendered")]
        about = [m["facts"].get("inquiry_id") for m in unsent]
        to = [Recipient.parse(m["recipient"]) for m in unsent]
        buyers = [r.id for r in to if r.audience is Audience.BUYER]
        return self.contacts.batch([i for i in about + buyers if i],
                                   [r.id for r in to if r.audience is Audience.SUPPLIER])

    async def compose(self, message: dict, now: datetime, owners: Contacts | Batch | None = None) -> Outgoing:
        recipient, kind = Recipient.parse(message["recipient"]), Kind(message["kind"])
        owners = owners or self.contacts
        contact, found = await owners.contact(recipient)
        if kind in domain.DIGESTIBLE and contact.digest == "daily":
            raise Hold(domain.next_daily_digest(now))
        if kind in domain.NOT_TRANSACTIONAL and await self.store.is_unsubscribed(contact.address):
            raise Suppress(f"{recipient} unsubscribed from {kind.value} messages")
        lang = templates.language(contact.language)
        facts = await self.facts(kind, recipient, message["facts"], found, lang, now, owners)
        link = self.unsubscribe_url(contact) if kind in domain.NOT_TRANSACTIONAL else None
        rendered = templates.render(kind.value, lang, facts, link)
        headers = {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"} \
            if link else {}
        if message.get("traceparent"):
            headers["X-Tijara-Traceparent"] = message["traceparent"]
        outgoing = Outgoing(message["message_id"], contact.address, rendered.subject, rendered.text, rendered.html,
                            lang, headers)
        await self.store.compose(message["_id"], asdict(outgoing))
        return outgoing

    def unsubscribe_url(self, contact: Contact) -> str:
        return f"{self.public_url}/unsubscribe?token={quote(unsubscribe.token(contact.address, self.secret))}"

    async def facts(self, kind: Kind, recipient: Recipient, facts: dict[str, Any], found: dict[str, Any],
                    lang: str, now: datetime, owners: Contacts | Batch | None = None) -> dict[str, Any]:
        if kind is Kind.DIGEST:
            items = [await self._inquiry(item, lang) for item in facts["items"]]
            return {"items": items, "answer_base": self.answer_url}
        if kind in (Kind.INQUIRY_RECEIVED, Kind.INQUIRY_REMINDER):
            inquiry = await self._inquiry(facts, lang)
            said = await (owners or self.contacts).correspondence(facts["inquiry_id"])
            received = datetime.fromisoformat(facts["received_at"]).replace(tzinfo=UTC)
            return {**inquiry, "message": said.get("message") or "",
                    "hours": int((now - received).total_seconds() // 3600)}
        if kind is Kind.INQUIRY_ANSWERED:
            card = await self._card(facts["supplier_id"], lang)
            return {**card, "product_name": await self._product_name(facts.get("product_id"), lang),
                    "response": found.get("response") or "", "message": found.get("message") or ""}
        card = await self._card(facts["supplier_id"], lang)
        return {**card, "valid_until": facts.get("valid_until"), "reason": facts.get("reason"),
                "to_partner": recipient.audience is Audience.PARTNER}

    async def _inquiry(self, facts: dict[str, Any], lang: str) -> dict[str, Any]:
        return {**facts, "product_name": await self._product_name(facts.get("product_id"), lang),
                "answer_url": f"{self.answer_url}/inquiries/{facts['inquiry_id']}/response",
                "destination": facts.get("destination")}

    async def _product_name(self, product_id: str | None, lang: str) -> str:
        product = await self.store.product(product_id)
        if product is None:
            return templates.translations(lang).gettext("your products")
        return product.get(lang) or product["en"]

    async def _card(self, supplier_id: str, lang: str) -> dict[str, Any]:
        supplier = await self.store.supplier(supplier_id) or {"name": supplier_id, "country": "MA"}
        country = str(supplier.get("country", "MA")).lower()
        return {"supplier_name": supplier["name"], "region": supplier.get("region") if supplier.get("region") !=
                "unknown" else None, "badge": domain.badge(supplier.get("status", ""), supplier.get("level", "")),
                "page_url": f"{self.showcase_url}/countries/{country}/suppliers/{supplier_id}?lang={lang}"}
