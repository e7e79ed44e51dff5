"""Tijara's partner SDK: sign and send partner events (HTTP gateway or Kafka) and read their receipts.

    from tijara_partner import ENDORSEMENT, HttpPartner

    async with HttpPartner("amdie-4f1c2a9b0e7d.<secret>", "https://partners.tijara.ma") as amdie:
        sent = await amdie.send(ENDORSEMENT, {"endorsement_id": "AMDIE-2026-77", "supplier_id": "sup-1a2b3c4d5e6f",
                                              "occurred_at": "2026-11-21T08:00:00+00:00"})
        receipt = await amdie.wait_for_receipt(sent.ce_id)

Kafka: `tijara_partner.kafka.KafkaPartner` (needs the `kafka` extra). Webhooks: `verify_webhook`.
The protocol itself, with test vectors: docs/partners.md in the Tijara repository.
"""

from tijara_partner.events import APPLICATION, ENDORSEMENT, INSPECTION_REPORT, Receipt, SupplierState, receipts_topic
from tijara_partner.http import GatewayError, HttpPartner, ReceiptPage, ReceiptTimeout, Sent
from tijara_partner.signing import (
    PartnerKey,
    kafka_signing_key,
    record_signature,
    request_signature,
    signed_record_headers,
    signed_request_headers,
)
from tijara_partner.webhooks import WebhookInvalid, verify_webhook

__all__ = ["APPLICATION", "ENDORSEMENT", "INSPECTION_REPORT", "GatewayError", "HttpPartner", "PartnerKey", "Receipt",
           "ReceiptPage", "ReceiptTimeout", "Sent", "SupplierState", "WebhookInvalid", "kafka_signing_key", "receipts_topic",
           "record_signature", "request_signature", "signed_record_headers", "signed_request_headers",
           "verify_webhook"]
