import pytest

from services.onboarding import domain
from shared.events import SupplierStatus, SupplierVerified, VerificationLevel
from tests.factories import NOW, profile


def submitted():
    return domain.submit_application("sup-1", profile(), "clementia", NOW)[0]


def test_application_records_the_partner_and_emits_submitted() -> None:
    supplier, events = domain.submit_application("sup-1", profile(), "clementia", NOW)
    assert supplier.status is SupplierStatus.SUBMITTED and supplier.submitted_by == "clementia"
    assert [e.TYPE for e in events] == ["ma.tijara.supplier.application-submitted.v1"]
    assert events[0].sequence == 1


def test_verification_is_valid_one_year_and_carries_the_level() -> None:
    supplier, events = domain.verify(submitted(), NOW)
    assert supplier.status is SupplierStatus.VERIFIED and supplier.version == 2
    (event,) = events
    assert isinstance(event, SupplierVerified) and event.sequence == 2
    assert event.verification_level is VerificationLevel.INSPECTED
    assert (event.valid_until - event.verified_at).days == 365


def test_rejection_keeps_the_reason() -> None:
    supplier, events = domain.reject(submitted(), "ONSSA approval expired", NOW)
    assert supplier.status is SupplierStatus.REJECTED and events[0].reason == "ONSSA approval expired"


@pytest.mark.parametrize("first", [domain.verify, lambda s, now: domain.reject(s, "no", now)])
def test_decided_supplier_cannot_be_decided_again(first) -> None:
    decided, _ = first(submitted(), NOW)
    with pytest.raises(domain.IllegalTransition) as raised:
        domain.verify(decided, NOW)
    assert raised.value.status == 409 and raised.value.details["current_state"] == decided.status.value
