"""What turns a partner event into a command, pure: identity from the registry, scope, provenance, signatures."""

from datetime import UTC, date, datetime

import pytest

from services.partners import domain, intake
from services.partners.domain import PartnerKind
from shared.contracts.partner_commands import EndorseSupplier, RecordInspection
from shared.contracts.partners import PartnerEndorsement, PartnerInspectionReport, Provenance, RejectionReason

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def registered(partner_id: str, kind: PartnerKind, organisation: str | None):
    partner = domain.new_partner(partner_id, partner_id.upper(), kind, organisation=organisation)
    key, plaintext = domain.issue_key(partner, NOW)
    return partner.model_copy(update={"keys": [key]}), plaintext


def signed_headers(partner_id: str, plaintext: str, value: bytes, ce_id: str = "e-1") -> dict[str, str]:
    key_id, _, secret = plaintext.rpartition(".")
    headers = {"ce_id": ce_id, "ce_source": f"/partners/{partner_id}", "ce_type": PartnerEndorsement.TYPE}
    signature = domain.sign_record(domain.kafka_signing_key(secret), *headers.values(), value)
    return headers | {intake.KEY_HEADER: key_id, intake.SIGNATURE_HEADER: signature}


def test_the_command_names_the_registered_organisation_not_the_input() -> None:
    amdie, _ = registered("amdie", PartnerKind.EXPORT_AGENCY, "AMDIE")
    sgs, _ = registered("sgs-ma", PartnerKind.INSPECTION_BODY, "SGS")
    provenance = Provenance(partner="amdie", channel="kafka", received_at=NOW)
    endorsement = PartnerEndorsement(endorsement_id="end-1", supplier_id="sup-1", occurred_at=NOW)
    command = intake.command_for(amdie, "e-1", endorsement, provenance)
    assert isinstance(command, EndorseSupplier) and command.agency == "AMDIE" and command.partner == "amdie"
    assert (command.actor.role, command.actor.organisation, command.actor.subject) == ("agency", "AMDIE",
                                                                                       "partner:amdie")
    assert command.command_id == intake.command_id("amdie", "e-1") != intake.command_id("asmex", "e-1")
    report = PartnerInspectionReport(report_id="r-1", supplier_id="sup-1", passed=True, inspected_on=date(2026, 11, 20),
                                     occurred_at=NOW)
    inspection = intake.command_for(sgs, "e-2", report, provenance)
    assert isinstance(inspection, RecordInspection) and inspection.body == "SGS"


def test_a_record_is_authenticated_by_a_key_of_the_partner_it_names() -> None:
    amdie, amdie_key = registered("amdie", PartnerKind.EXPORT_AGENCY, "AMDIE")
    asmex, asmex_key = registered("asmex", PartnerKind.EXPORT_AGENCY, "ASMEX")
    value = b'{"endorsement_id": "end-1"}'
    assert intake.authenticate_record(amdie, signed_headers("amdie", amdie_key, value), value)
    # ASMEX claims to be AMDIE: its own (valid) key is not one of AMDIE's
    claimed = signed_headers("amdie", asmex_key, value)
    with pytest.raises(intake.Unauthenticated) as failed:
        intake.authenticate_record(amdie, claimed, value)
    assert failed.value.reason is RejectionReason.BAD_SIGNATURE and "only send as itself" in failed.value.message
    # AMDIE's key id with a signature over other content
    tampered = signed_headers("amdie", amdie_key, value) | {"ce_id": "e-2"}
    with pytest.raises(intake.Unauthenticated, match="does not match"):
        intake.authenticate_record(amdie, tampered, value)
    with pytest.raises(intake.Unauthenticated, match="does not match"):  # the value is covered byte for byte
        intake.authenticate_record(amdie, signed_headers("amdie", amdie_key, value), value + b" ")
    with pytest.raises(intake.Unauthenticated, match="unsigned"):
        intake.authenticate_record(asmex, {"ce_id": "e-1"}, value)
    with pytest.raises(intake.Unauthenticated) as nobody:  # ce_source names no registered partner
        intake.authenticate_record(None, {"ce_source": "/partners/acme"}, value)
    assert nobody.value.reason is RejectionReason.UNKNOWN_PARTNER


def test_provenance_scope_and_topic_are_checked() -> None:
    amdie, _ = registered("amdie", PartnerKind.EXPORT_AGENCY, "AMDIE")
    stamped = PartnerEndorsement(endorsement_id="end-1", supplier_id="sup-1", occurred_at=NOW,
                                 provenance=Provenance(partner="sgs", channel="http", received_at=NOW))
    with pytest.raises(intake.Refused) as refused:
        intake.check_provenance_absent(stamped)
    assert refused.value.reason is RejectionReason.PROVENANCE_NOT_ALLOWED
    with pytest.raises(intake.Refused, match="may publish only"):
        intake.check_scope(amdie, PartnerInspectionReport.TYPE)
    with pytest.raises(intake.Refused, match="belongs on partners.endorsements"):
        intake.check_topic(stamped, "partners.inspections")
    assert intake.partner_id_from("/partners/amdie") == "amdie"
    assert intake.partner_id_from("/partners/$where") == intake.partner_id_from("/tijara/x") == ""


def test_onboarding_gives_an_application_command_one_supplier_id() -> None:
    from services.onboarding.consumers import supplier_for
    from shared.contracts.partner_commands import SubmitSupplierApplication
    from tests.factories import profile

    provenance = Provenance(partner="clementia", channel="http", received_at=NOW)
    clementia = domain.new_partner("clementia", "Clementia", PartnerKind.ONBOARDING_PARTNER)
    command = SubmitSupplierApplication(command_id=intake.command_id("clementia", "e-1"), partner="clementia",
                                        provenance=provenance, actor=clementia.actor, application_id="app-1",
                                        profile=profile(), occurred_at=NOW)
    again = command.model_copy(update={"application_id": "app-2"})
    other = command.model_copy(update={"command_id": intake.command_id("clementia", "e-2")})
    assert supplier_for(command) == supplier_for(again) != supplier_for(other)
    assert supplier_for(command).startswith("sup-")
