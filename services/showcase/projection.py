"""How one event lands in the showcase's read model, as plain fields: the store `$set`s exactly these with
`apply_if_newer`, and `Projection` folds them in memory the same way (the pure model the property tests check
the page against). Newest by sequence wins; an older or repeated event changes nothing.

Inquiry documents carry precomputed 0/1 flags and seconds, so the figures are sums that move by the difference
between an inquiry's previous and new document (live.py): response rate and typical time are sums over counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from shared.events import (
    Event,
    InquiryClosed,
    InquiryEvent,
    InquiryReceived,
    InquiryResponded,
    ProductDelisted,
    ProductEvent,
    SupplierEvent,
)

ANSWER_WINDOW = timedelta(hours=24)
SUPPLIERS, PRODUCTS, INQUIRIES = "suppliers", "products", "inquiries"


def supplier_fields(e: SupplierEvent) -> dict[str, Any]:
    return {"supplier_id": e.supplier_id, "status": e.status.value, "country": e.profile.country,
            "verification_level": e.verification_level.value, "profile": e.profile.model_dump(mode="json")}


def product_fields(e: ProductEvent) -> dict[str, Any]:
    fields: dict[str, Any] = {"product_id": e.product_id, "supplier_id": e.supplier_id, "country": e.country,
                              "listed": not isinstance(e, ProductDelisted)}
    listing = getattr(e, "listing", None)
    if listing is not None:  # a delisting from before v2 carries none: keep the last known listing
        fields["listing"] = listing.model_dump(mode="json")
    return fields


def inquiry_fields(e: InquiryEvent) -> dict[str, Any]:
    fields: dict[str, Any] = {"inquiry_id": e.inquiry_id, "supplier_id": e.supplier_id, "product_id": e.product_id}
    if isinstance(e, InquiryReceived | InquiryResponded | InquiryClosed):
        fields |= {"buyer_country": e.buyer_country, "received_at": e.received_at}
    responded_at = getattr(e, "responded_at", None)
    seconds = (responded_at - e.received_at).total_seconds() if responded_at else 0.0
    fields |= {"answered": int(responded_at is not None),
               "answered_in_24h": int(responded_at is not None and seconds <= ANSWER_WINDOW.total_seconds()),
               "response_seconds": seconds}
    return fields


def route(event: Event) -> tuple[str, str, dict[str, Any]] | None:
    """(collection, id, fields) for an event the page uses; None for the rest."""
    if isinstance(event, SupplierEvent):
        return SUPPLIERS, event.supplier_id, supplier_fields(event)
    if isinstance(event, ProductEvent):
        return PRODUCTS, event.product_id, product_fields(event)
    if isinstance(event, InquiryEvent):
        return INQUIRIES, event.inquiry_id, inquiry_fields(event)
    return None


class Projection:
    """The read model in memory: {collection: {id: document}}, with apply_if_newer's semantics."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, dict[str, Any]]] = {SUPPLIERS: {}, PRODUCTS: {}, INQUIRIES: {}}

    def apply(self, event: Event) -> bool:
        routed = route(event)
        if routed is None:
            return False
        collection, _id, fields = routed
        stored = self.docs[collection].get(_id)
        if stored is not None and stored["sequence"] >= event.sequence:
            return False
        self.docs[collection][_id] = {**(stored or {}), **fields, "sequence": event.sequence, "_id": _id}
        return True

    def apply_all(self, events: Iterable[Event]) -> Projection:
        for event in events:
            self.apply(event)
        return self
