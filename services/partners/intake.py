"""What a partner event must satisfy to become a command, whichever way it came (HTTP gateway or Kafka). Pure.

First, always: who sent it. A Kafka record is authenticated by `authenticate_record` on its raw value and `ce_*`
headers, before anything is decoded: `tijara_signature` must verify with an active key (`tijara_key_id`) of the
partner `ce_source` names. A record that fails is `Unauthenticated`: dead-lettered and never answered (there is
nobody to answer: a receipt would be filed under a partner that did not send it).
Then, for an authenticated sender only (a failure is `Refused`: answered with a receipt under that partner): the
type is one of its scopes and travels on its own topic, `provenance` is left to the marketplace. The agency or
inspection body a command names is the partner's registered organisation, never a field of the input: an agency
can only ever endorse as itself.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from services.partners.domain import Partner, record_signature_valid
from shared.contracts.partner_commands import (
    EndorseSupplier,
    PartnerCommand,
    RecordInspection,
    SubmitSupplierApplication,
)
from shared.contracts.partners import (
    ID_PATTERN,
    PartnerEndorsement,
    PartnerEvent,
    PartnerInspectionReport,
    PartnerSupplierApplication,
    Provenance,
    RejectionReason,
)
from shared.contracts.suppliers import SupplierProfile

PARTNER_SOURCE_PREFIX = "/partners/"
KEY_HEADER, SIGNATURE_HEADER = "tijara_key_id", "tijara_signature"


class Unauthenticated(Exception):
    """A record not tied to a registered partner by its signature: dead-lettered with this reason, never answered."""

    def __init__(self, reason: RejectionReason, message: str) -> None:
        super().__init__(f"{reason.value}: {message}")
        self.reason, self.message = reason, message


class Refused(Exception):
    """A partner event that will not become a command; the partner gets a receipt with this reason."""

    def __init__(self, reason: RejectionReason, message: str) -> None:
        super().__init__(f"{reason.value}: {message}")
        self.reason, self.message = reason, message


def command_id(partner_id: str, event_id: str) -> str:
    """The same partner event (same sender, same id) is the same command, however often it is sent."""
    return "cmd-" + hashlib.sha256(f"{partner_id}\n{event_id}".encode()).hexdigest()[:32]


def partner_id_from(source: str) -> str:
    """`/partners/<id>` -> id; "" when it is not an id we could have registered."""
    partner_id = source.removeprefix(PARTNER_SOURCE_PREFIX) if source.startswith(PARTNER_SOURCE_PREFIX) else ""
    return partner_id if len(partner_id) <= 64 and re.fullmatch(ID_PATTERN, partner_id) else ""


def check_scope(partner: Partner, event_type: str) -> None:
    if not partner.may_publish(event_type):
        raise Refused(RejectionReason.TYPE_NOT_ALLOWED, f"partner {partner.partner_id} ({partner.kind.value}) may "
                      f"publish only {', '.join(partner.scopes)}; not {event_type}")


def check_topic(data: PartnerEvent, topic: str) -> None:
    if topic != data.TOPIC.value:
        raise Refused(RejectionReason.TYPE_NOT_ALLOWED, f"{data.TYPE} belongs on {data.TOPIC.value}, not on {topic}")


def check_provenance_absent(data: PartnerEvent) -> None:
    if data.provenance is not None:
        raise Refused(RejectionReason.PROVENANCE_NOT_ALLOWED,
                      "provenance is set by the marketplace from your credentials; leave it out")


def authenticate_record(partner: Partner | None, headers: Mapping[str, str], value: bytes) -> str:
    """The key id that signed the record, if `partner` (the one `ce_source` names, None when it names no registered
    partner) has that active key and the signature covers these ce_id, ce_source, ce_type and value bytes."""
    if partner is None:
        raise Unauthenticated(RejectionReason.UNKNOWN_PARTNER, f"ce_source must be {PARTNER_SOURCE_PREFIX}<partner "
                              f"id> of a registered partner; got {headers.get('ce_source', '')[:100]!r}")
    key_id, signature = headers.get(KEY_HEADER, ""), headers.get(SIGNATURE_HEADER, "")
    if not key_id or not signature:
        raise Unauthenticated(RejectionReason.BAD_SIGNATURE, f"unsigned: headers {KEY_HEADER} and "
                              f"{SIGNATURE_HEADER} missing")
    key = partner.key(key_id)
    if key is None or key.kafka_signing_key is None:
        raise Unauthenticated(RejectionReason.BAD_SIGNATURE, f"{key_id[:100]!r} is not an active key of "
                              f"{partner.partner_id} (a partner can only send as itself)")
    ce = {name: headers.get(name, "") for name in ("ce_id", "ce_source", "ce_type")}
    if not record_signature_valid(key.kafka_signing_key, ce["ce_id"], ce["ce_source"], ce["ce_type"], value,
                                  signature):
        raise Unauthenticated(RejectionReason.BAD_SIGNATURE, f"{SIGNATURE_HEADER} does not match the record: the "
                              "value, ce_id, ce_source or ce_type changed, or another key signed it")
    return key_id


def command_for(partner: Partner, event_id: str, data: PartnerEvent, provenance: Provenance) -> PartnerCommand:
    """The command onboarding applies; who endorses or inspects comes from the registry."""
    common = {"command_id": command_id(partner.partner_id, event_id), "partner": partner.partner_id,
              "provenance": provenance, "actor": partner.actor, "occurred_at": data.occurred_at}
    organisation = partner.organisation or partner.name
    if isinstance(data, PartnerSupplierApplication):
        return SubmitSupplierApplication(**common, application_id=data.application_id, documents=data.documents,
                                         profile=SupplierProfile.model_validate(data.profile.model_dump()))
    if isinstance(data, PartnerEndorsement):
        return EndorseSupplier(**common, supplier_id=data.supplier_id, endorsement_id=data.endorsement_id,
                               agency=organisation)
    if isinstance(data, PartnerInspectionReport):
        return RecordInspection(**common, supplier_id=data.supplier_id, report_id=data.report_id, body=organisation,
                                passed=data.passed, inspected_on=data.inspected_on, reason=data.reason)
    raise Refused(RejectionReason.TYPE_NOT_ALLOWED, f"{data.TYPE} is not partner input")
