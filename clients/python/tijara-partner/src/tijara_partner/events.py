"""The partner event types, where each travels on Kafka, and the receipt that answers each event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

APPLICATION = "ma.tijara.partner.supplier-application.v1"
ENDORSEMENT = "ma.tijara.partner.endorsement.v1"
INSPECTION_REPORT = "ma.tijara.partner.inspection-report.v1"

# type -> (Kafka topic, the event field that is the record key)
KAFKA_ROUTES: dict[str, tuple[str, str]] = {
    APPLICATION: ("partners.applications", "application_id"),
    ENDORSEMENT: ("partners.endorsements", "supplier_id"),
    INSPECTION_REPORT: ("partners.inspections", "supplier_id"),
}


def receipts_topic(partner_id: str) -> str:
    """The Kafka topic of a partner's receipts: only that partner may read it."""
    return f"partners.receipts.{partner_id}"


@dataclass(frozen=True)
class Receipt:
    """Tijara's answer to one partner event: `accepted` (with the supplier concerned) or `rejected` with a reason."""

    partner: str
    event_id: str
    event_type: str
    outcome: str
    reason: str | None = None
    message: str | None = None
    supplier_id: str | None = None
    occurred_at: str | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome == "accepted"

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Receipt:
        """From a receipt's JSON; fields this version does not know are ignored (receipts may grow)."""
        return cls(**{name: data.get(name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class SupplierState:
    """A supplier you brought, as Tijara knows it now: `may_send` lists the event types you may send about it now,
    `next` says in words what it waits for."""

    supplier_id: str
    status: str
    may_send: tuple[str, ...] = ()
    next: str | None = None
    trade_name: str | None = None
    country: str | None = None
    verification_level: str | None = None
    updated_at: str | None = None
    applied_by_you: bool = False

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> SupplierState:
        known = {name: data[name] for name in cls.__dataclass_fields__ if data.get(name) is not None}
        return cls(**known | {"may_send": tuple(data.get("may_send") or ())})
