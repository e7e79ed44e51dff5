"""Product listings and who may list them. Pure: no I/O.

Only a verified supplier lists, updates or re-lists. When a supplier is suspended or its verification expires,
every listed product of it is delisted (each with its own event); once verified again it may re-list them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from services.catalogue.listing import Listing, StoredListing
from shared.contracts.envelope import Event, Tolerant
from shared.contracts.products import ProductDelisted, ProductListed, ProductUpdated
from shared.contracts.suppliers import SupplierStatus
from shared.errors import Conflict, NotFound

DELISTED_WHEN = {SupplierStatus.SUSPENDED: "supplier suspended", SupplierStatus.EXPIRED: "supplier verification expired"}


class ListingStatus(StrEnum):
    LISTED = "listed"
    DELISTED = "delisted"


class SupplierStanding(BaseModel):
    """What the catalogue knows of a supplier, learnt from onboarding's events."""

    supplier_id: str
    sequence: int
    status: Tolerant[SupplierStatus]
    country: str = "MA"


class Product(BaseModel):
    model_config = ConfigDict(frozen=True)

    product_id: str
    version: int
    supplier_id: str
    country: str
    status: ListingStatus
    listing: StoredListing
    delisting_reason: str | None = None

    def _facts(self, now: datetime) -> dict:
        return {"product_id": self.product_id, "supplier_id": self.supplier_id, "country": self.country,
                "sequence": self.version, "occurred_at": now, "listing": self.listing.on_the_wire()}


def ensure_may_list(supplier_id: str, standing: SupplierStanding | None) -> SupplierStanding:
    if standing is None:
        raise NotFound(f"no supplier {supplier_id!r} is known to the catalogue", supplier_id=supplier_id)
    if standing.status is not SupplierStatus.VERIFIED:
        raise Conflict(
            f"supplier {supplier_id} is {standing.status}: only verified suppliers can list products",
            supplier_id=supplier_id, supplier_status=str(standing.status),
        )
    return standing


def list_product(
    product_id: str, supplier_id: str, standing: SupplierStanding | None, listing: Listing, now: datetime
) -> tuple[Product, list[Event]]:
    standing = ensure_may_list(supplier_id, standing)
    product = Product(product_id=product_id, version=1, supplier_id=supplier_id, country=standing.country,
                      status=ListingStatus.LISTED, listing=listing)
    return product, [ProductListed(**product._facts(now))]


def _ensure_listed(product: Product, attempted: str) -> None:
    if product.status is not ListingStatus.LISTED:
        raise Conflict(f"product {product.product_id} is {product.status.value}; it cannot be {attempted}",
                       current_state=product.status.value)


def update(product: Product, standing: SupplierStanding | None, listing: Listing,
           now: datetime) -> tuple[Product, list[Event]]:
    _ensure_listed(product, "updated")
    ensure_may_list(product.supplier_id, standing)
    updated = product.model_copy(update={"version": product.version + 1, "listing": listing})
    return updated, [ProductUpdated(**updated._facts(now))]


def delist(product: Product, reason: str, now: datetime) -> tuple[Product, list[Event]]:
    _ensure_listed(product, "delisted")
    delisted = product.model_copy(update={"version": product.version + 1, "status": ListingStatus.DELISTED,
                                          "delisting_reason": reason})
    return delisted, [ProductDelisted(**delisted._facts(now), reason=reason)]


def relist(product: Product, standing: SupplierStanding | None, now: datetime) -> tuple[Product, list[Event]]:
    """A delisted product comes back (e.g. after reinstatement) with a fresh ProductListed."""
    if product.status is not ListingStatus.DELISTED:
        raise Conflict(f"product {product.product_id} is already listed", current_state=product.status.value)
    ensure_may_list(product.supplier_id, standing)
    listed = product.model_copy(update={"version": product.version + 1, "status": ListingStatus.LISTED,
                                        "delisting_reason": None})
    return listed, [ProductListed(**listed._facts(now))]


def delisting_reason(standing: SupplierStanding) -> str | None:
    """Why the supplier's products must come off the catalogue now, or None if they may stay."""
    return DELISTED_WHEN.get(standing.status)
