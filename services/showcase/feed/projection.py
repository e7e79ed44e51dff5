"""How one event lands in the showcase's read model, as plain fields (`route`), and the merge rule: newest by
sequence wins; an older or repeated event changes nothing.

The rule is written once per medium. The store keeps it inside one conditional upsert, `shared.storage.mongo.apply_if_newer`
(the comparison must happen in the store's atomic write: concurrent handlers and replicas write the same documents),
which every service's projection uses. In memory, `newest` is the same rule: the live model (model/live.py) and the
tests' oracle (tests/showcase_model.py) merge through it, and the property tests check store and memory agree.

Inquiry documents carry what each adds to its supplier's figures (model/figures.py: `inquiry_counts`), so the
response rate and typical time are sums that move by the difference between an inquiry's previous and new document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.showcase.feed.readers import InquiryShown, ProductShown, SupplierShown
from services.showcase.model.figures import inquiry_counts
from shared.contracts.envelope import Reader

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
    fields |= inquiry_counts(e.received_at, e.responded_at)
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


def newest(stored: Mapping[str, Any] | None, _id: str, fields: Mapping[str, Any], sequence: int) -> dict | None:
    """The document after an event's `fields` at `sequence` land on `stored` (None: nothing stored yet), or None when
    the stored one is as new or newer: `apply_if_newer`'s `$set` filtered on an older sequence, in memory."""
    if stored is not None and stored["sequence"] >= sequence:
        return None
    return {**(stored or {}), **fields, "sequence": sequence, "_id": _id}
