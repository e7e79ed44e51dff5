"""Every event type of the contract, by ce_type, and the upcasters that keep old versions readable: two literal
tables, complete as soon as this module is imported (nothing registers itself on import elsewhere). A new event type
is added here by hand; tests/unit/test_registry.py fails while a `Message` with a TYPE is missing from EVENT_TYPES.
Decoding against these tables: shared.messaging.decoding."""

from __future__ import annotations

from collections.abc import Callable

from shared.contracts.envelope import Message
from shared.contracts.inquiries import InquiryClosed, InquiryReceived, InquiryResponded
from shared.contracts.partner_commands import (
    EndorseSupplier,
    PartnerCommandOutcome,
    RecordInspection,
    SubmitSupplierApplication,
)
from shared.contracts.partners import (
    PartnerEndorsement,
    PartnerInspectionReport,
    PartnerReceipt,
    PartnerSupplierApplication,
)
from shared.contracts.privacy import ErasureOutcome
from shared.contracts.products import (
    ProductDelisted,
    ProductListed,
    ProductListedV1,
    ProductUpdated,
    upcast_product_listed_v1,
)
from shared.contracts.suppliers import (
    SupplierApplicationSubmitted,
    SupplierDocumentsVerified,
    SupplierEndorsed,
    SupplierInspected,
    SupplierReinstated,
    SupplierRejected,
    SupplierSuspended,
    SupplierVerificationExpired,
    SupplierVerified,
)

EVENT_TYPES: dict[str, type[Message]] = {
    "ma.tijara.inquiry.closed.v1": InquiryClosed,
    "ma.tijara.inquiry.received.v1": InquiryReceived,
    "ma.tijara.inquiry.responded.v1": InquiryResponded,
    "ma.tijara.partner.command-outcome.v1": PartnerCommandOutcome,
    "ma.tijara.partner.command.endorse-supplier.v1": EndorseSupplier,
    "ma.tijara.partner.command.record-inspection.v1": RecordInspection,
    "ma.tijara.partner.command.submit-application.v1": SubmitSupplierApplication,
    "ma.tijara.partner.endorsement.v1": PartnerEndorsement,
    "ma.tijara.partner.inspection-report.v1": PartnerInspectionReport,
    "ma.tijara.partner.receipt.v1": PartnerReceipt,
    "ma.tijara.partner.supplier-application.v1": PartnerSupplierApplication,
    "ma.tijara.privacy.erasure-outcome.v1": ErasureOutcome,
    "ma.tijara.product.delisted.v1": ProductDelisted,
    "ma.tijara.product.listed.v1": ProductListedV1,  # read as v2 (UPCASTERS); its schema stays documented
    "ma.tijara.product.listed.v2": ProductListed,
    "ma.tijara.product.updated.v1": ProductUpdated,
    "ma.tijara.supplier.application-submitted.v1": SupplierApplicationSubmitted,
    "ma.tijara.supplier.documents-verified.v1": SupplierDocumentsVerified,
    "ma.tijara.supplier.endorsed.v1": SupplierEndorsed,
    "ma.tijara.supplier.inspected.v1": SupplierInspected,
    "ma.tijara.supplier.reinstated.v1": SupplierReinstated,
    "ma.tijara.supplier.rejected.v1": SupplierRejected,
    "ma.tijara.supplier.suspended.v1": SupplierSuspended,
    "ma.tijara.supplier.verification-expired.v1": SupplierVerificationExpired,
    "ma.tijara.supplier.verified.v1": SupplierVerified,
}
"""Every message type of the contract (the marketplace's events, partner input, commands and receipts, erasure
outcomes), by ce_type: what a producer writes, and what a consumer without its own reader models validates
against."""

UPCASTERS: dict[str, Callable[[dict], tuple[str, dict]]] = {
    "ma.tijara.product.listed.v1": upcast_product_listed_v1,
}
"""An old event version's (ce_type, data) turned into the next version's, applied until a current type results."""
