"""How one event lands in the showcase's read model, as plain fields: the store `$set`s exactly these with
`apply_if_newer` (tests/showcase_model.py folds them in memory the same way: the model the property tests check the
page against). Newest by sequence wins; an older or repeated event changes nothing.

Inquiry documents carry precomputed 0/1 flags and seconds, so the figures are sums that move by the difference
between an inquiry's previous and new document (live.py): response rate and typical time are sums over counts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.showcase.feed.readers import InquiryShown, ProductShown, SupplierShown
from shared.envelope import Reader

ANSWER_WINDOW = timedelta(hours=24)
SUPPLIERS, PRODUCTS, INQUIRIES = "suppliers", "products", "inquiries"


def supplier_fields(e: SupplierShown) -> dict[str, Any]:
    return {"supplier_id": e.supplier_id, "status": str(e.status), "country": e.profile.country,
            "verification_level": str(e.verification_level), "profile": e.profile.model_dump(mode="json")}


def product_fields(e: ProductShown) -> dict[str, Any]:
    fields: dict[str, Any] = {"product_id": e.product_id, "supplier_id": e.supplier_id, "country": e.country,
                              "listed": e.LISTED}
    if e.listing is not None:  # a delisting from before v2 carries none: keep the last known listing
        fields["listing"] = e.listing.model_dump(mode="json")
    return fields


def inquiry_fields(e: InquiryShown) -> dict[str, Any]:
    fields: dict[str, Any] = {"inquiry_id": e.inquiry_id, "supplier_id": e.supplier_id, "product_id": e.product_id,
                              "buyer_country": e.buyer_country, "received_at": e.received_at}
    responded_at = e.responded_at
    seconds = (responded_at - e.received_at).total_seconds() if responded_at else 0.0
    fields |= {"answered": int(responded_at is not None),
               "answered_in_24h": int(responded_at is not None and seconds <= ANSWER_WINDOW.total_seconds()),
               "response_seconds": seconds}
    return fields


def route(event: Reader) -> tuple[str, str, dict[str, Any]] | None:
    """(collection, id, fields) for an event the page uses; None for the rest."""
    if isinstance(event, SupplierShown):
        return SUPPLIERS, event.supplier_id, supplier_fields(event)
    if isinstance(event, ProductShown):
        return PRODUCTS, event.product_id, product_fields(event)
    if isinstance(event, InquiryShown):
        return INQUIRIES, event.inquiry_id, inquiry_fields(event)
    return None
