"""inquiries' own reading of `catalogue.products` (is the product on offer, and whose is it) and of
`onboarding.suppliers` (the supplier's status). A status added after this release reads as "unknown"."""

from __future__ import annotations

from typing import ClassVar

from shared.contracts.envelope import Reader, Tolerant
from shared.contracts.products import ProductDelisted, ProductEvent
from shared.contracts.registry import EVENT_TYPES
from shared.contracts.suppliers import SupplierEvent, SupplierStatus


class ProductOffered(Reader):
    """listed and updated events: buyers may ask about the product."""

    LISTED: ClassVar[bool] = True
    product_id: str
    supplier_id: str


class ProductWithdrawn(ProductOffered):
    LISTED: ClassVar[bool] = False


class SupplierChanged(Reader):
    supplier_id: str
    status: Tolerant[SupplierStatus]


def _reader(model: type) -> type[Reader] | None:
    if issubclass(model, ProductEvent):
        return ProductWithdrawn if issubclass(model, ProductDelisted) else ProductOffered
    return SupplierChanged if issubclass(model, SupplierEvent) else None


READERS: dict[str, type[Reader]] = {t: r for t, m in EVENT_TYPES.items() if (r := _reader(m)) is not None}
