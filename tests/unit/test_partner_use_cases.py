"""The partner ingress's use cases and onboarding's partner commands, with in-memory stores (no servers): an event
admitted once whatever the resends, a refusal answered at once, an outcome answered once, a redelivered command
applied once and never answered twice differently."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.onboarding.consumers import PartnerCommands, supplier_for
from services.onboarding.nations import nation
from services.onboarding.service import Onboarding
from services.onboarding.store import already_registered
from services.partners import intake
from services.partners.domain import Partner, PartnerKind
from services.partners.service import PartnerIngress
from shared.contracts.envelope import Envelope
from shared.contracts.partner_commands import EndorseSupplier, PartnerCommandOutcome, SubmitSupplierApplication
from shared.contracts.partners import PartnerEndorsement, PartnerReceipt, Provenance, RejectionReason
from shared.errors import ConcurrentUpdate, NotFound
from tests.factories import documents, profile

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


class Collection:
    def __init__(self, name: str) -> None:
        self.name, self.docs, self.outbox = name, {}, []

    def save(self, _id: str, expected_version: int, state: dict, envelopes: list[Envelope]) -> None:
        stored = self.docs.get(_id)
        if (stored is None) != (expected_version == 0) or (stored and stored["version"] != expected_version):
            raise ConcurrentUpdate(f"{_id} changed meanwhile")
        self.docs[_id] = {**(stored or {}), **state}
        self.outbox += envelopes


class Relay:
    def __init__(self) -> None:
        self.woken: list[tuple[str, str]] = []

    def wake(self, collection: Collection, _id: str) -> None:
        self.woken.append((collection.name, _id))


class Inputs:
    def __init__(self) -> None:
        self.inputs = Collection("inputs")

    async def get(self, command_id: str) -> dict | None:
        return self.inputs.docs.get(command_id)

    async def create(self, command_id: str, state: dict, envelopes: list[Envelope]) -> bool:
        if command_id in self.inputs.docs:
            return False
        self.inputs.save(command_id, 0, {**state, "version": 1}, envelopes)
        return True

    async def answer(self, command_id: str, version: int, answered: dict, envelope: Envelope) -> None:
        self.inputs.save(command_id, version, {**answered, "version": version + 1}, [envelope])

    async def resend(self, command_id: str, version: int, envelope: Envelope) -> None:
        self.inputs.save(command_id, version, {"version": version + 1}, [envelope])


class Registry:
    def __init__(self, *partners: Partner) -> None:
        self.by_id = {p.partner_id: p for p in partners}

    async def get(self, partner_id: str) -> Partner | None:
        return self.by_id.get(partner_id)


class Suppliers:
    """onboarding's store: suppliers with their applied partner commands, refusals with their outcome."""

    def __init__(self) -> None:
        self.suppliers, self.answers = Collection("suppliers"), Collection("partner_command_answers")

    async def get(self, supplier_id: str):
        from services.onboarding.domain import Supplier

        doc = self.suppliers.docs.get(supplier_id)
        return Supplier.model_validate(doc) if doc else None

    async def partner_commands(self, supplier_id: str) -> list[str]:
        return list(self.suppliers.docs.get(supplier_id, {}).get("partner_commands", []))

    async def refused_command(self, command_id: str) -> bool:
        return command_id in self.answers.docs

    async def refuse_command(self, command_id: str, envelope: Envelope) -> None:
        if command_id not in self.answers.docs:
            self.answers.save(command_id, 0, {"version": 1}, [envelope])

    async def save(self, supplier, envelopes: list[Envelope], partner_commands: list[str] | None = None) -> None:
        key = nation(supplier.profile.country).registration(supplier.profile)
        if any(d["registration"] == key and i != supplier.supplier_id for i, d in self.suppliers.docs.items()):
            raise already_registered(supplier)
        state: dict[str, Any] = supplier.model_dump(mode="json") | {"registration": key}
        if partner_commands is not None:
            state["partner_commands"] = partner_commands
        self.suppliers.save(supplier.supplier_id, supplier.version - 1, state, envelopes)


def amdie() -> Partner:
    from services.partners.domain import new_partner

    return new_partner("amdie", "AMDIE", PartnerKind.EXPORT_AGENCY, organisation="AMDIE")


def ingress() -> PartnerIngress:
    return PartnerIngress(Registry(amdie()), Inputs(), Relay())


def endorsement(supplier_id: str = "sup-1") -> PartnerEndorsement:
    return PartnerEndorsement(endorsement_id="end-1", supplier_id=supplier_id, occurred_at=NOW)


PROVENANCE = Provenance(partner="amdie", channel="kafka", received_at=NOW)


def published(collection: Collection) -> list[Any]:
    return [e.data for e in collection.outbox]


async def test_an_event_is_admitted_once_and_a_resend_waits_for_its_receipt() -> None:
    service = ingress()
    assert await service.admit(amdie(), "e-1", endorsement(), PROVENANCE)
    assert not await service.admit(amdie(), "e-1", endorsement(), PROVENANCE)  # resent before the outcome
    [command] = published(service.inputs.inputs)
    assert isinstance(command, EndorseSupplier) and command.agency == "AMDIE"
    assert service.relay.woken == [("inputs", command.command_id)]

    outcome = PartnerCommandOutcome(command_id=command.command_id, partner="amdie", outcome="accepted",
                                    supplier_id="sup-1", occurred_at=NOW)
    await service.answer(outcome)
    await service.answer(outcome.model_copy(update={"outcome": "rejected"}))  # a redelivered outcome changes nothing
    receipts = [m for m in published(service.inputs.inputs) if isinstance(m, PartnerReceipt)]
    assert [(r.outcome, r.event_id, r.supplier_id) for r in receipts] == [("accepted", "e-1", "sup-1")]

    assert not await service.admit(amdie(), "e-1", endorsement(), PROVENANCE)  # resent after: the same receipt
    again = [m for m in published(service.inputs.inputs) if isinstance(m, PartnerReceipt)]
    assert [(r.outcome, r.supplier_id) for r in again] == [("accepted", "sup-1")] * 2


async def test_a_refusal_is_answered_at_once_and_the_same_way_when_resent() -> None:
    service = ingress()
    refused = intake.Refused(RejectionReason.SCHEMA_INVALID, "supplier_id: a string")
    await service.refuse("amdie", "e-9", PartnerEndorsement.TYPE, refused)
    await service.refuse("amdie", "e-9", PartnerEndorsement.TYPE, refused)
    receipts = published(service.inputs.inputs)
    assert [(r.partner, r.reason) for r in receipts] == [("amdie", "schema-invalid")] * 2
    with pytest.raises(NotFound):
        await service.partner("asmex")


def onboarding() -> tuple[PartnerCommands, Suppliers]:
    store = Suppliers()
    return PartnerCommands(Onboarding(store, Relay())), store


def command(cls, event_id: str, **fields):
    from services.partners.domain import new_partner

    actor = new_partner("clementia", "Clementia", PartnerKind.ONBOARDING_PARTNER).actor
    return cls(command_id=intake.command_id("clementia", event_id), partner="clementia", actor=actor,
               provenance=PROVENANCE.model_copy(update={"partner": "clementia"}), occurred_at=NOW, **fields)


async def test_onboarding_applies_a_command_once_with_its_outcome_in_the_same_write() -> None:
    commands, store = onboarding()
    application = command(SubmitSupplierApplication, "e-1", application_id="app-1", profile=profile(),
                          documents=documents())
    envelope = Envelope(application, "/tijara/partners")
    await commands.handle(envelope)
    await commands.handle(envelope)  # redelivered: recognised by its id on the supplier
    supplier_id = supplier_for(application)
    assert store.suppliers.docs[supplier_id]["partner_commands"] == [application.command_id]
    outcomes = [m for m in published(store.suppliers) if isinstance(m, PartnerCommandOutcome)]
    assert [(o.outcome, o.supplier_id) for o in outcomes] == [("accepted", supplier_id)]
    [submitted] = [m for m in published(store.suppliers) if not isinstance(m, PartnerCommandOutcome)]
    assert submitted.actor == application.actor and submitted.submitted_by == "clementia"

    twin = command(SubmitSupplierApplication, "e-2", application_id="app-2", profile=profile(ice=store.suppliers.docs[
        supplier_id]["profile"]["ice"]), documents=documents())
    await commands.handle(Envelope(twin, "/tijara/partners"))
    await commands.handle(Envelope(twin, "/tijara/partners"))  # a refusal is recorded once, answered once
    [refusal] = published(store.answers)
    assert refusal.outcome == "rejected" and refusal.reason == "conflict" and "ICE" in refusal.message

    missing = command(EndorseSupplier, "e-3", supplier_id="sup-missing", endorsement_id="end-1", agency="AMDIE")
    await commands.handle(Envelope(missing, "/tijara/partners"))
    assert published(store.answers)[-1].reason == "supplier-not-found"
