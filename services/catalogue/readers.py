"""catalogue's own reading of `onboarding.suppliers`: who the supplier is, its status and country. Nothing else of
the supplier's profile; a status added after this release reads as "unknown" (such a supplier may not list)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from shared.contracts.envelope import Reader, Tolerant
from shared.contracts.registry import EVENT_TYPES
from shared.contracts.suppliers import SupplierEvent, SupplierStatus


class _Seat(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    country: str = "MA"


class SupplierChanged(Reader):
    supplier_id: str
    status: Tolerant[SupplierStatus]
    profile: _Seat = _Seat()


READERS: dict[str, type[Reader]] = {t: SupplierChanged for t, m in EVENT_TYPES.items() if issubclass(m, SupplierEvent)}
