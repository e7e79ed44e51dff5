"""onboarding's own reading of `partners.commands`: only what it needs to answer a command whatever it carries (its
id and partner). The command itself is checked against this release's model inside the handler, so a field a newer
partners service added in a way this release cannot apply (a sector added later, say) is refused with a receipt,
never a dead letter."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from shared.contracts.partner_commands import EndorseSupplier, RecordInspection, SubmitSupplierApplication


class CommandReceived(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    command_id: str
    partner: str


COMMANDS = {c.TYPE: c for c in (SubmitSupplierApplication, EndorseSupplier, RecordInspection)}
READERS: dict[str, type[BaseModel]] = {t: CommandReceived for t in COMMANDS}
