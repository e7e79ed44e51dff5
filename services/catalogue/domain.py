"""Product listings and who may list them. Pure: no I/O."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from shared.errors import Conflict, NotFound
from shared.events import Event, ProductDelisted, ProductListed, ProductListing, SupplierStatus


class ListingStatus(StrEnum):
    LISTED = "listed"
    DELISTED = "delisted"


class SupplierStanding(BaseModel):
    """What the catalogue knows of a supplier, learnt from onboarding's events."""

    supplier_id: str
    sequence: int
    status: SupplierStatus
    country: str = "MA"


class Product(BaseModel):
    model_config = ConfigDict(frozen=True)

    product_id: str
    version: int
    supplier_id: str
    country: str
    status: ListingStatus
    listing: ProductListing


def ensure_may_list(supplier_id: str, standing: SupplierStanding | None) -> SupplierStanding:
    if standing is None:
        raise NotFound(f"no supplier {supplier_id!r} is known to the catalogue", supplier_id=supplier_id)
    if standing.status is not SupplierStatus.VERIFIED:
        raise Conflict(
            f"supplier {supplier_id} is {standing.status.value}: only verified suppliers can list products",
            supplier_id=supplier_id, supplier_status=standing.status.value,
        )
    return standing


def list_product(
    product_id: str, supplier_id: str, standing: SupplierStanding | None, listing: ProductListing, now: datetime
) -> tuple[Product, list[Event]]:
    standing = ensure_may_list(supplier_id, standing)
    product = Product(product_id=product_id, version=1, supplier_id=supplier_id, country=standing.country,
                      status=ListingStatus.LISTED, listing=listing)
    return product, [ProductListed(product_id=product_id, supplier_id=supplier_id, country=product.country,
                                   sequence=1, occurred_at=now, listing=listing)]


def delist(product: Product, reason: str, now: datetime) -> tuple[Product, list[Event]]:
    if product.status is ListingStatus.DELISTED:
        raise Conflict(f"product {product.product_id} is already delisted", current_state=product.status.value)
    delisted = product.model_copy(update={"version": product.version + 1, "status": ListingStatus.DELISTED})
    return delisted, [ProductDelisted(product_id=product.product_id, supplier_id=product.supplier_id,
                                      country=product.country, sequence=delisted.version, occurred_at=now,
                                      reason=reason)]
