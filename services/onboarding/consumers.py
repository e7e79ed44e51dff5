"""onboarding applies partner commands (`partners.commands`) and answers each on `partners.outcomes`.

The partners service has already authenticated the partner and checked its scope and the input's schema; the
command names the agency or inspection body from the partner's registration, and the actor (the partner system, in
its role) that travels on the supplier's events. Here the workflow decides: the change
and its accepted outcome are written together (service.py, `answering`), a refusal (unknown supplier, a state that
forbids it) is recorded with its rejected outcome. A redelivered command is recognised by its id, in the supplier's
`partner_commands` or among the refusals, and changes nothing: its answer is already on its way.
Batching, per-key order, retries and dead letters are shared/messaging's EventConsumer.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import ValidationError

from services.onboarding.application import DocumentSubmission, SupplierApplication
from services.onboarding.readers import COMMANDS, READERS, CommandReceived
from services.onboarding.service import SOURCE, Onboarding
from shared.contracts.envelope import Envelope
from shared.contracts.partner_commands import (
    EndorseSupplier,
    PartnerCommand,
    PartnerCommandOutcome,
    RecordInspection,
    SubmitSupplierApplication,
)
from shared.contracts.partners import PartnerTopic, ReceiptOutcome, RejectionReason
from shared.errors import ConcurrentUpdate, MarketplaceError, NotFound
from shared.messaging.consumer import ConsumerPolicy, EventConsumer
from shared.messaging.decoding import summary
from shared.settings import ServiceSettings


def supplier_for(command: PartnerCommand) -> str:
    """The supplier a command concerns; an application's new supplier gets an id derived from the command, so a
    redelivered application finds the supplier it created."""
    if isinstance(command, SubmitSupplierApplication):
        return "sup-" + hashlib.sha256(command.command_id.encode()).hexdigest()[:12]
    return command.supplier_id


class PartnerCommands:
    def __init__(self, onboarding: Onboarding) -> None:
        self.onboarding = onboarding
        self.store = onboarding.store

    async def handle(self, envelope: Envelope) -> None:
        received: CommandReceived = envelope.data
        if await self.store.refused_command(received.command_id):
            return
        try:
            command: PartnerCommand = COMMANDS[envelope.type].model_validate(received.model_dump())
        except ValidationError as error:  # what this release cannot apply is refused and answered
            await self.refuse(received, RejectionReason.SCHEMA_INVALID, summary(error), None)
            return
        supplier_id = supplier_for(command)
        if command.command_id in await self.store.partner_commands(supplier_id):
            return
        try:
            await self.apply(command, supplier_id)
        except ConcurrentUpdate:
            raise  # transient: EventConsumer retries
        except NotFound as error:
            await self.refuse(command, RejectionReason.SUPPLIER_NOT_FOUND, error.message, supplier_id)
        except MarketplaceError as error:
            await self.refuse(command, RejectionReason.CONFLICT, error.message, supplier_id)
        except ValidationError as error:
            await self.refuse(command, RejectionReason.SCHEMA_INVALID, summary(error), None)

    async def apply(self, command: PartnerCommand, supplier_id: str) -> None:
        service = self.onboarding
        if isinstance(command, SubmitSupplierApplication):
            application = SupplierApplication(
                profile=command.profile,
                documents=[DocumentSubmission.model_validate(d.model_dump()) for d in command.documents])
            await service.submit_application(application, command.partner, supplier_id=supplier_id,
                                             actor=command.actor, answering=command)
        elif isinstance(command, EndorseSupplier):
            await service.endorse(supplier_id, command.agency, actor=command.actor, answering=command)
        elif isinstance(command, RecordInspection):
            await service.record_inspection(supplier_id, command.body, command.report_id, command.passed,
                                            command.inspected_on, command.reason, actor=command.actor,
                                            answering=command)

    async def refuse(self, command: PartnerCommand | CommandReceived, reason: RejectionReason, message: str,
                     supplier_id: str | None) -> None:
        outcome = PartnerCommandOutcome(command_id=command.command_id, partner=command.partner,
                                        outcome=ReceiptOutcome.REJECTED, reason=reason, message=message[:2000],
                                        supplier_id=None if isinstance(command, SubmitSupplierApplication)
                                        else supplier_id, occurred_at=datetime.now(UTC))
        await self.store.refuse_command(command.command_id, Envelope(outcome, SOURCE))
        self.onboarding.relay.wake(self.store.answers, command.command_id)


def register(broker: KafkaBroker, onboarding: Onboarding, settings: ServiceSettings) -> EventConsumer:
    commands = PartnerCommands(onboarding)
    policy = ConsumerPolicy.of(settings)
    consumer = EventConsumer(broker, settings.consumer_group, {t: commands.handle for t in READERS}, policy,
                             readers=READERS)

    @broker.subscriber(
        settings.topic(PartnerTopic.COMMANDS), group_id=settings.consumer_group, title="partner-commands",
        description="Partner input admitted by the partners service: supplier applications, endorsements and "
        "inspection reports, each answered with an outcome on partners.outcomes.",
        **policy.subscriber_options(),
    )
    async def on_partner_commands(message: KafkaMessage) -> None:
        await consumer.consume(message.raw_message)

    return consumer
