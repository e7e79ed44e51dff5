"""The partners service's use cases: the registry (partners, keys), admitting or refusing a partner event, and
turning onboarding's outcome into the partner's receipt. Each is one atomic write (state + outbox), then a wake-up.

    partner event --admit--> input (command in its outbox) --relay--> partners.commands --> onboarding
    onboarding --> partners.outcomes --answer--> input (receipt in its outbox) --relay--> partners.receipts.<partner>
    refused event --refuse--> input (receipt in its outbox)            (and, from Kafka, <topic>.dlq)
    unauthenticated record ------------------------------------------> <topic>.dlq only, never answered
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from services.partners import domain, intake
from services.partners.domain import Partner, PartnerKind
from services.partners.readers import OutcomeReceived
from services.partners.store import InputStore, PartnerStore
from shared.contracts.envelope import UNKNOWN, Envelope
from shared.contracts.partner_commands import PartnerCommandOutcome
from shared.contracts.partners import (
    PARTNER_ID_PATTERN,
    PartnerEvent,
    PartnerReceipt,
    Provenance,
    ReceiptOutcome,
    RejectionReason,
    receipts_topic,
)
from shared.errors import MarketplaceError, NotFound
from shared.messaging.relay import OutboxRelay
from shared.telemetry.tracing import current_traceparent

SOURCE = "/tijara/partners"
log = logging.getLogger(__name__)


OpenReceipts = Callable[[list[str]], Awaitable[object]]  # creates partners' receipts topics (shared.messaging.topics)


class ReceiptEnvelope(Envelope):
    """A receipt goes to its partner's own topic, partners.receipts.<partner id>, which only that partner reads."""

    @property
    def topic(self) -> str:
        return receipts_topic(self.data.partner)


class PartnerIngress:
    def __init__(self, partners: PartnerStore, inputs: InputStore, relay: OutboxRelay,
                 open_receipts: OpenReceipts | None = None, allow_loopback_http: bool = False) -> None:
        self.partners = partners
        self.inputs = inputs
        self.relay = relay
        self.open_receipts = open_receipts or _nothing
        self.allow_loopback_http = allow_loopback_http  # webhooks to http://127.0.0.1: tests and development only

    # --- the registry (operators) --------------------------------------------------------------------------------

    async def register(self, partner_id: str, name: str, kind: PartnerKind, rate_per_minute: int = 120,
                       organisation: str | None = None, contact_email: str | None = None,
                       language: domain.Language | None = None) -> Partner:
        try:
            partner = domain.new_partner(partner_id, name, kind, rate_per_minute, organisation, contact_email,
                                         language)
        except ValueError as error:
            raise MarketplaceError(str(error), partner_id=partner_id) from None
        await self.open_receipts([partner.partner_id])  # first: if Kafka refuses, nothing is registered yet
        return await self.partners.add(partner)

    async def open_all_receipts(self) -> None:
        """At start: every registered partner's receipts topic exists (created if missing). A partner registered
        under an id no topic may carry (before ids were restricted) is named in the log, not fatal."""
        ids = [p.partner_id for p in await self.partners.all()]
        unfit = [i for i in ids if not re.fullmatch(PARTNER_ID_PATTERN, i)]
        if unfit:
            log.error("partners %s have ids no Kafka topic may carry: no receipts topic; re-register them", unfit)
        await self.open_receipts([i for i in ids if i not in unfit])

    async def issue_key(self, partner_id: str) -> tuple[domain.ApiKey, str]:
        partner = await self.partner(partner_id)
        key, plaintext = domain.issue_key(partner, datetime.now(UTC))
        await self.partners.add_key(partner_id, key)
        return key, plaintext

    async def revoke_key(self, partner_id: str, key_id: str) -> None:
        await self.partners.revoke_key(partner_id, key_id)

    async def set_webhook(self, partner_id: str, url: str | None) -> domain.Webhook | None:
        """Push this partner's receipts to `url` from now on (a new secret each time), or stop pushing (None)."""
        await self.partner(partner_id)
        try:
            webhook = url and domain.new_webhook(url, datetime.now(UTC), self.allow_loopback_http)
        except ValueError as error:
            raise MarketplaceError(str(error), partner_id=partner_id) from None
        await self.partners.set_webhook(partner_id, webhook or None)
        return webhook or None

    async def partner(self, partner_id: str) -> Partner:
        partner = await self.partners.get(partner_id)
        if partner is None:
            raise NotFound(f"no partner {partner_id!r}; register it first", partner_id=partner_id)
        return partner

    # --- partner events ------------------------------------------------------------------------------------------

    async def admit(self, partner: Partner, event_id: str, data: PartnerEvent, provenance: Provenance) -> bool:
        """Record the event and its command (published by the relay); False if this event was already received
        (the same command: a resent one is answered with the receipt it got, once known)."""
        command = intake.command_for(partner, event_id, data, provenance)
        state = {"partner": partner.partner_id, "event_id": event_id, "event_type": data.TYPE,
                 "channel": provenance.channel, "received_at": provenance.received_at, "receipt": None,
                 "supplier_id": getattr(data, "supplier_id", None)}
        if await self.inputs.create(command.command_id, state, [self._envelope(command)]):
            self.relay.wake(self.inputs.inputs, command.command_id)
            return True
        await self.resend_receipt(command.command_id)
        return False

    async def refuse(self, partner_id: str, event_id: str, event_type: str, refused: intake.Refused,
                     channel: str = "kafka") -> None:
        """Answer a refused event of an AUTHENTICATED partner (the caller dead-letters it); a resent one gets the
        receipt it got. What cannot be authenticated is never answered: there is no one to answer."""
        command_id = intake.command_id(partner_id, event_id)
        receipt = _receipt(partner_id, event_id, event_type, ReceiptOutcome.REJECTED, refused.reason,
                           refused.message, None)
        now = datetime.now(UTC)
        state = {"partner": partner_id, "event_id": event_id, "event_type": event_type[:200], "channel": channel,
                 "received_at": now, "receipt": receipt.model_dump(mode="json"), "answered_at": now,
                 "webhook": _push(now)}
        if await self.inputs.create(command_id, state, [self._envelope(receipt)]):
            self.relay.wake(self.inputs.inputs, command_id)
        else:
            await self.resend_receipt(command_id)

    async def answer(self, outcome: OutcomeReceived | PartnerCommandOutcome) -> None:
        """Onboarding's outcome becomes the partner's receipt (once: a redelivered outcome changes nothing)."""
        recorded = await self.inputs.get(outcome.command_id)
        if recorded is None:
            log.warning("outcome for unknown command %s (of %s); ignored", outcome.command_id, outcome.partner)
            return
        if recorded.get("receipt") is not None:
            return
        if outcome.outcome == UNKNOWN:  # a newer onboarding's answer this release cannot word: it waits, visibly
            log.warning("outcome of command %s is unknown to this release; its receipt waits for an upgrade",
                        outcome.command_id)
            return
        reason = None if outcome.reason == UNKNOWN else outcome.reason  # onboarding's message still says why
        receipt = _receipt(recorded["partner"], recorded["event_id"], recorded["event_type"], outcome.outcome,
                           reason, outcome.message, outcome.supplier_id)
        now = datetime.now(UTC)
        answered = {"receipt": receipt.model_dump(mode="json"), "answered_at": now, "webhook": _push(now),
                    "supplier_id": outcome.supplier_id or recorded.get("supplier_id")}
        await self.inputs.answer(outcome.command_id, recorded["version"], answered, self._envelope(receipt))
        self.relay.wake(self.inputs.inputs, outcome.command_id)

    async def resend_receipt(self, command_id: str) -> None:
        recorded = await self.inputs.get(command_id)
        if recorded is None or recorded.get("receipt") is None:
            return  # still with onboarding: its receipt comes with the outcome
        receipt = PartnerReceipt.model_validate(recorded["receipt"]).model_copy(
            update={"occurred_at": datetime.now(UTC)})
        await self.inputs.resend(command_id, recorded["version"], self._envelope(receipt))
        self.relay.wake(self.inputs.inputs, command_id)

    @staticmethod
    def _envelope(data) -> Envelope:
        kind = ReceiptEnvelope if isinstance(data, PartnerReceipt) else Envelope
        return kind(data, SOURCE, traceparent=current_traceparent())


def _push(now: datetime) -> dict:
    """The receipt's webhook push, recorded with the receipt (its outbox): sent by webhooks.py if the partner has a
    webhook, once; a resent receipt (a resent event, a replayed outcome) records no second push."""
    return {"state": "pending", "attempts": 0, "next_at": now}


async def _nothing(_: list[str]) -> None:
    return None


def _receipt(partner_id: str, event_id: str, event_type: str, outcome: ReceiptOutcome,
             reason: RejectionReason | None, message: str | None, supplier_id: str | None) -> PartnerReceipt:
    return PartnerReceipt(partner=partner_id, event_id=event_id[:200], event_type=event_type[:200],
                          outcome=outcome, reason=reason, message=message and message[:2000],
                          supplier_id=supplier_id, occurred_at=datetime.now(UTC))
