"""Every verification transition, legal and illegal; the application's validations."""

from datetime import timedelta

import pytest
from pydantic import ValidationError

from services.onboarding import domain
from services.onboarding.application import DocumentReview, SupplierApplication
from shared.contracts.suppliers import SupplierStatus as S
from shared.contracts.suppliers import VerificationLevel as L
from shared.contracts.vocabulary import DocumentKind, ExportAgency, InspectionBody
from shared.errors import Conflict
from tests.factories import NOW, application, documents, profile

REPORT_DAY = NOW - timedelta(days=10)


def submitted(food: bool = False):
    return domain.submit_application("sup-1", application(food=food), "clementia", NOW)[0]


def documents_verified():
    return domain.verify_documents(submitted(), "clementia-kyc", NOW)[0]


def endorsed():
    return domain.endorse(documents_verified(), ExportAgency.ASMEX, NOW)[0]


def inspected():
    return domain.record_inspection(endorsed(), InspectionBody.SGS, "SGS-2026-118", True, REPORT_DAY, None, NOW)[0]


def verified():
    return domain.verify(inspected(), NOW)[0]


def suspended():
    return domain.suspend(verified(), "ONSSA approval withdrawn", NOW)[0]


def expired():
    return domain.expire(verified(), NOW + timedelta(days=400))[0]


def rejected():
    return domain.reject(submitted(), "RC extract does not match ICE", NOW)[0]


STATES = {S.SUBMITTED: submitted, S.DOCUMENTS_VERIFIED: documents_verified, S.ENDORSED: endorsed,
          S.INSPECTED: inspected, S.VERIFIED: verified, S.SUSPENDED: suspended, S.EXPIRED: expired,
          S.REJECTED: rejected}
LATER = NOW + timedelta(days=1)
TRANSITIONS = {
    "verify_documents": (lambda s: domain.verify_documents(s, "kyc", LATER), {S.SUBMITTED}),
    "endorse": (lambda s: domain.endorse(s, ExportAgency.AMDIE, LATER), {S.DOCUMENTS_VERIFIED}),
    "inspect": (lambda s: domain.record_inspection(s, InspectionBody.INTERTEK, "IT-1", True, NOW, None, LATER),
                {S.DOCUMENTS_VERIFIED, S.ENDORSED, S.EXPIRED}),
    "verify": (lambda s: domain.verify(s, LATER), {S.DOCUMENTS_VERIFIED, S.ENDORSED, S.INSPECTED}),
    "reject": (lambda s: domain.reject(s, "no", LATER),
               {S.SUBMITTED, S.DOCUMENTS_VERIFIED, S.ENDORSED, S.INSPECTED, S.EXPIRED}),
    "suspend": (lambda s: domain.suspend(s, "complaint", LATER), {S.VERIFIED}),
    "reinstate": (lambda s: domain.reinstate(s, LATER), {S.SUSPENDED}),
}


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_each_transition_is_legal_exactly_from_its_states(name, state) -> None:
    transition, allowed = TRANSITIONS[name]
    supplier = STATES[state]()
    if state in allowed:
        after, events = transition(supplier)
        assert after.version == supplier.version + 1 and len(events) == 1
        event = events[0]
        assert event.sequence == after.version and event.status is after.status
        assert event.verification_level is after.verification_level
        assert event.profile == supplier.profile.model_copy(update={"contact": None})  # personal data stays here
    else:
        with pytest.raises(domain.IllegalTransition) as raised:
            transition(supplier)
        assert isinstance(raised.value, Conflict) and raised.value.details["current_state"] == state.value
        assert state.value in raised.value.message


def test_the_full_path_raises_the_level_and_emits_one_event_per_step() -> None:
    supplier, events = domain.submit_application("sup-1", application(), None, NOW)
    steps = [(lambda s: domain.verify_documents(s, "kyc", NOW), S.DOCUMENTS_VERIFIED, L.DOCUMENTS),
             (lambda s: domain.endorse(s, ExportAgency.MAROC_PME, NOW), S.ENDORSED, L.ENDORSED),
             (lambda s: domain.record_inspection(s, InspectionBody.TUV_RHEINLAND, "TUV-9", True, REPORT_DAY, None,
                                                 NOW), S.INSPECTED, L.INSPECTED),
             (lambda s: domain.verify(s, NOW), S.VERIFIED, L.INSPECTED)]
    types = [events[0].TYPE]
    for step, status, level in steps:
        supplier, events = step(supplier)
        assert (supplier.status, supplier.verification_level) == (status, level)
        types.append(events[0].TYPE)
    assert types == ["ma.tijara.supplier.application-submitted.v1", "ma.tijara.supplier.documents-verified.v1",
                     "ma.tijara.supplier.endorsed.v1", "ma.tijara.supplier.inspected.v1",
                     "ma.tijara.supplier.verified.v1"]
    assert supplier.valid_until == REPORT_DAY + timedelta(days=365)  # the report's year, not the decision's
    assert events[0].valid_until == supplier.valid_until


def test_verification_without_inspection_keeps_its_level_and_lasts_a_year() -> None:
    supplier, (event,) = domain.verify(endorsed(), NOW)
    assert event.verification_level is L.ENDORSED and supplier.valid_until == NOW + timedelta(days=365)


def test_application_records_the_partner() -> None:
    supplier, (event,) = domain.submit_application("sup-1", application(), "clementia", NOW)
    assert supplier.submitted_by == event.submitted_by == "clementia" and event.sequence == 1
    assert all(d.review is DocumentReview.PENDING for d in supplier.documents)


def test_documents_verification_accepts_the_pending_documents() -> None:
    supplier, (event,) = domain.verify_documents(submitted(), "clementia-kyc", NOW)
    assert all(d.review is DocumentReview.ACCEPTED for d in supplier.documents) and event.reviewer == "clementia-kyc"


def test_food_business_needs_its_onssa_approval() -> None:
    food = domain.submit_application("sup-1", application(sectors=["seafood"]), None, NOW)[0]
    with pytest.raises(Conflict) as raised:
        domain.verify_documents(food, "kyc", NOW)
    assert raised.value.details["missing_documents"] == ["ONSSA approval"]
    with_onssa = domain.submit_application("sup-1", application(food=True, sectors=["seafood"]), None, NOW)[0]
    assert domain.verify_documents(with_onssa, "kyc", NOW)[0].status is S.DOCUMENTS_VERIFIED


def test_a_refused_document_blocks_documents_verification() -> None:
    supplier = domain.review_document(submitted(), DocumentKind.RC_EXTRACT, False, "illegible scan")
    assert supplier.documents[0].review is DocumentReview.REFUSED and supplier.documents[0].note == "illegible scan"
    with pytest.raises(Conflict) as raised:
        domain.verify_documents(supplier, "kyc", NOW)
    assert raised.value.details["refused_documents"] == ["RC extract"]


def test_reviewing_a_document_not_submitted_is_a_conflict() -> None:
    with pytest.raises(Conflict):
        domain.review_document(submitted(), DocumentKind.HALAL, True, None)


def test_failed_inspection_rejects_with_the_reason() -> None:
    supplier, (event,) = domain.record_inspection(endorsed(), InspectionBody.BUREAU_VERITAS, "BV-7", False,
                                                  REPORT_DAY, "no production facility at the address", NOW)
    assert supplier.status is S.REJECTED and event.reason == "no production facility at the address"
    assert event.rejected_from is S.ENDORSED


@pytest.mark.parametrize("inspected_on", [NOW + timedelta(days=1), NOW - timedelta(days=366)])
def test_inspection_from_the_future_or_already_expired_is_refused(inspected_on) -> None:
    with pytest.raises(Conflict):
        domain.record_inspection(endorsed(), InspectionBody.SGS, "SGS-1", True, inspected_on, None, NOW)


def test_suspension_and_reinstatement() -> None:
    supplier, (event,) = domain.suspend(verified(), "complaint under review", NOW)
    assert supplier.status is S.SUSPENDED and event.reason == "complaint under review"
    back, (event,) = domain.reinstate(supplier, NOW)
    assert back.status is S.VERIFIED and event.TYPE == "ma.tijara.supplier.reinstated.v1"


def test_reinstated_after_the_validity_ran_out_comes_back_expired() -> None:
    back, (event,) = domain.reinstate(suspended(), NOW + timedelta(days=400))
    assert back.status is event.status is S.EXPIRED


def test_expiry_only_when_due_and_renewal_through_inspection() -> None:
    supplier = verified()
    assert not domain.is_due_for_expiry(supplier, NOW)
    with pytest.raises(Conflict):
        domain.expire(supplier, NOW)
    later = supplier.valid_until + timedelta(seconds=1)
    assert domain.is_due_for_expiry(supplier, later)
    gone, (event,) = domain.expire(supplier, later)
    assert gone.status is S.EXPIRED and event.expired_at == later
    renewed, _ = domain.record_inspection(gone, InspectionBody.SGS, "SGS-2027-4", True, later, None, later)
    assert domain.verify(renewed, later)[0].status is S.VERIFIED


@pytest.mark.parametrize("missing", ["rc_number", "rc_city", "contact"])
def test_application_needs_rc_number_city_and_contact(missing) -> None:
    data = profile().model_dump() | {missing: None}
    with pytest.raises(ValidationError, match=missing):
        SupplierApplication(profile=data, documents=documents())


def test_application_refuses_the_same_document_twice() -> None:
    with pytest.raises(ValidationError, match="once"):
        SupplierApplication(profile=profile(), documents=documents("RC extract"))


@pytest.mark.parametrize(("field", "value"), [("ice", "12345"), ("region", "Paris"), ("sectors", []),
                                               ("rc_number", "RC-12"), ("contact", {"name": "A", "email": "x"})])
def test_profile_validations(field, value) -> None:
    with pytest.raises(ValidationError):
        profile(**{field: value})
