"""onboarding's use cases on in-memory fakes of its store and relay: each command lands as state plus its pending
event in one write, wakes the relay, and refuses what the rules refuse. Milliseconds, no servers."""

from datetime import UTC, datetime, timedelta

import pytest

from services.onboarding.service import Onboarding
from shared.contracts.suppliers import SupplierStatus, VerificationLevel
from shared.contracts.vocabulary import DocumentKind
from shared.errors import Conflict, MarketplaceError, NotFound
from tests import factories
from tests.fakes import FakeRelay, FakeSupplierStore


@pytest.fixture
def onboarding() -> Onboarding:
    return Onboarding(FakeSupplierStore(), FakeRelay())


def types(onboarding: Onboarding) -> list[str]:
    return [e.TYPE.split(".")[3] for e in onboarding.store.suppliers.events()]


async def verified_by_inspection(onboarding: Onboarding, ice: int = 1) -> str:
    supplier = await onboarding.submit_application(factories.application(ice=factories.ice(ice)), "clementia")
    sid = supplier.supplier_id
    await onboarding.verify_documents(sid, "clementia-kyc")
    await onboarding.endorse(sid, "AMDIE")
    await onboarding.record_inspection(sid, "SGS", "SGS-1", True, datetime.now(UTC) - timedelta(days=3))
    await onboarding.verify(sid)
    return sid


async def test_submission_saves_the_supplier_with_its_event_and_wakes_the_relay(onboarding) -> None:
    supplier = await onboarding.submit_application(factories.application(ice=factories.ice(1)), "clementia")
    assert supplier.status is SupplierStatus.SUBMITTED and supplier.submitted_by == "clementia"
    assert (await onboarding.get(supplier.supplier_id)) == supplier
    assert types(onboarding) == ["application-submitted"]
    assert onboarding.relay.woken == [("suppliers", supplier.supplier_id)]


async def test_one_supplier_per_ice(onboarding) -> None:
    await onboarding.submit_application(factories.application(ice=factories.ice(2)))
    with pytest.raises(Conflict, match="ICE"):
        await onboarding.submit_application(factories.application(ice=factories.ice(2)))


async def test_the_whole_verification_path_publishes_each_step(onboarding) -> None:
    sid = await verified_by_inspection(onboarding)
    supplier = await onboarding.get(sid)
    assert supplier.status is SupplierStatus.VERIFIED and supplier.verification_level is VerificationLevel.INSPECTED
    assert types(onboarding) == ["application-submitted", "documents-verified", "endorsed", "inspected", "verified"]
    assert [e.sequence for e in onboarding.store.suppliers.events()] == [1, 2, 3, 4, 5]


async def test_document_review_is_internal_and_a_refused_document_blocks_verification(onboarding) -> None:
    sid = (await onboarding.submit_application(factories.application(ice=factories.ice(3)))).supplier_id
    await onboarding.review_document(sid, DocumentKind.ICE_CERTIFICATE, accepted=False, note="illegible")
    assert types(onboarding) == ["application-submitted"]  # a review changes state without an event
    with pytest.raises(Conflict, match="refused ICE certificate"):
        await onboarding.verify_documents(sid, "kyc")


async def test_unknown_agency_or_body_is_a_clear_error(onboarding) -> None:
    sid = (await onboarding.submit_application(factories.application(ice=factories.ice(4)))).supplier_id
    await onboarding.verify_documents(sid, "kyc")
    with pytest.raises(MarketplaceError, match="unknown ExportAgency 'Acme'"):
        await onboarding.endorse(sid, "Acme")
    with pytest.raises(MarketplaceError, match="unknown InspectionBody"):
        await onboarding.record_inspection(sid, "Nobody", "R-1", True, datetime.now(UTC))


async def test_failed_inspection_rejects_with_the_reason(onboarding) -> None:
    sid = (await onboarding.submit_application(factories.application(ice=factories.ice(5)))).supplier_id
    await onboarding.verify_documents(sid, "kyc")
    supplier = await onboarding.record_inspection(sid, "Intertek", "IT-9", False, datetime.now(UTC), "no factory")
    assert supplier.status is SupplierStatus.REJECTED and supplier.rejection_reason == "no factory"
    assert types(onboarding)[-1] == "rejected"


async def test_reject_suspend_and_reinstate(onboarding) -> None:
    sid = await verified_by_inspection(onboarding, 6)
    assert (await onboarding.suspend(sid, "ONSSA approval withdrawn")).status is SupplierStatus.SUSPENDED
    assert (await onboarding.reinstate(sid)).status is SupplierStatus.VERIFIED
    with pytest.raises(Conflict, match="cannot be rejected"):
        await onboarding.reject(sid, "too late")
    other = (await onboarding.submit_application(factories.application(ice=factories.ice(7)))).supplier_id
    assert (await onboarding.reject(other, "ICE does not match the RC")).status is SupplierStatus.REJECTED
    assert types(onboarding)[-3:] == ["reinstated", "application-submitted", "rejected"]


async def test_expiry_runs_only_on_verifications_that_ran_out(onboarding) -> None:
    sid = await verified_by_inspection(onboarding, 8)
    valid_until = (await onboarding.get(sid)).valid_until
    assert await onboarding.expire_verifications(valid_until - timedelta(days=1)) == []
    assert await onboarding.expire_verifications(valid_until + timedelta(seconds=1)) == [sid]
    assert (await onboarding.get(sid)).status is SupplierStatus.EXPIRED
    assert types(onboarding)[-1] == "verification-expired"


async def test_unknown_supplier_is_not_found(onboarding) -> None:
    with pytest.raises(NotFound):
        await onboarding.verify("sup-missing")
