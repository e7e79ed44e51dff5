"""Who reads a supplier's contact (services/onboarding/access.py), at every step of its verification, and the SME's
message preferences with their defaults. Pure: no servers."""

from datetime import timedelta

import pytest

from services.onboarding import access, contacts, domain
from services.onboarding.contacts import Digest, Language, Preferences
from services.onboarding.service import Onboarding
from shared.contracts.actors import Actor, Role
from shared.contracts.suppliers import SupplierStatus as S
from shared.contracts.vocabulary import ExportAgency, InspectionBody
from shared.errors import NotAllowed
from tests import factories
from tests.factories import NOW
from tests.fakes import FakeRelay, FakeSupplierStore


def at(status: S, application=None):
    """A Moroccan supplier applied for by Clementia, walked to `status` through the domain's own transitions."""
    supplier = domain.submit_application("sup-1", application or factories.application(ice=factories.ice(1)),
                                         "clementia", NOW)[0]
    path = {S.DOCUMENTS_VERIFIED: [lambda s: domain.verify_documents(s, "kyc", NOW)],
            S.REJECTED: [lambda s: domain.reject(s, "incomplete", NOW)]}
    path[S.ENDORSED] = [*path[S.DOCUMENTS_VERIFIED], lambda s: domain.endorse(s, ExportAgency.AMDIE, NOW)]
    path[S.INSPECTED] = [*path[S.ENDORSED], lambda s: domain.record_inspection(
        s, InspectionBody.SGS, "SGS-1", True, NOW - timedelta(days=3), None, NOW)]
    path[S.VERIFIED] = [*path[S.INSPECTED], lambda s: domain.verify(s, NOW)]
    path[S.SUSPENDED] = [*path[S.VERIFIED], lambda s: domain.suspend(s, "complaint", NOW)]
    path[S.EXPIRED] = [*path[S.VERIFIED], lambda s: domain.expire(s, NOW + timedelta(days=400))]
    for step in path.get(status, []):
        supplier = step(supplier)[0]
    assert supplier.status is status
    return supplier


def actor(role: Role, organisation: str | None = None) -> Actor:
    return Actor(subject=f"{role.value}-user", role=role, organisation=organisation)


AMDIE, CEPEX, SGS = actor(Role.AGENCY, "AMDIE"), actor(Role.AGENCY, "CEPEX"), actor(Role.INSPECTION, "SGS")


@pytest.mark.parametrize("status", list(S))
def test_an_agency_or_inspection_body_sees_the_contact_only_while_the_supplier_awaits_its_step(status) -> None:
    supplier = at(status)
    assert access.sees_contact(AMDIE, supplier) is (status is S.DOCUMENTS_VERIFIED)
    assert access.sees_contact(CEPEX, supplier) is False  # CEPEX endorses Tunisian exporters, never this one
    assert access.sees_contact(SGS, supplier) is (status in (S.DOCUMENTS_VERIFIED, S.ENDORSED, S.EXPIRED))
    for who in (actor(Role.SUPPLIER, "sup-1"), actor(Role.PARTNER, "clementia"), actor(Role.STAFF),
                actor(Role.NOTIFIER)):
        assert access.sees_contact(who, supplier), who
    for who in (actor(Role.SUPPLIER, "sup-2"), actor(Role.PARTNER, "atlas-digital"), actor(Role.OPERATOR)):
        assert not access.sees_contact(who, supplier), who
        with pytest.raises(NotAllowed):
            access.may_read_contact(who, supplier)


def test_the_whole_record_reaches_an_agency_outside_its_step_without_the_person() -> None:
    submitted, awaiting = at(S.SUBMITTED), at(S.DOCUMENTS_VERIFIED)
    outside = access.visible(AMDIE, submitted)
    assert outside.profile.contact is None and outside.documents == submitted.documents
    assert outside.status is S.SUBMITTED  # it still learns where the supplier stands
    assert access.visible(AMDIE, awaiting).profile.contact == awaiting.profile.contact
    assert access.visible(actor(Role.PARTNER, "clementia"), submitted).profile.contact is not None
    for who in (actor(Role.NOTIFIER), actor(Role.SUPPLIER, "sup-2")):  # the notifier reads contacts, nothing else
        with pytest.raises(NotAllowed):
            access.visible(who, submitted)


def test_a_tunisian_supplier_is_in_cepex_s_step_not_amdie_s() -> None:
    tunisian = domain.verify_documents(domain.submit_application(
        "sup-tn", factories.tunisian_application(company_id=factories.matricule(7)), None, NOW)[0], "kyc", NOW)[0]
    assert access.sees_contact(CEPEX, tunisian) and not access.sees_contact(AMDIE, tunisian)


def test_preferences_default_to_the_country_s_language_and_immediate_messages() -> None:
    moroccan = at(S.SUBMITTED)
    tunisian = domain.submit_application("sup-tn", factories.tunisian_application(), None, NOW)[0]
    assert contacts.chosen(moroccan, None).language is Language.FRENCH
    assert contacts.chosen(tunisian, None).language is Language.ENGLISH
    assert contacts.chosen(moroccan, None).digest is Digest.IMMEDIATE
    chosen = contacts.chosen(moroccan, Preferences(language="ar", digest="daily"))
    assert (chosen.language, chosen.digest) == (Language.ARABIC, Digest.DAILY)
    assert contacts.chosen(moroccan, Preferences(digest="daily")).language is Language.FRENCH


def test_only_the_sme_itself_or_staff_chooses() -> None:
    supplier = at(S.VERIFIED)
    access.may_choose_for(actor(Role.SUPPLIER, "sup-1"), supplier)
    access.may_choose_for(actor(Role.STAFF), supplier)
    for who in (actor(Role.SUPPLIER, "sup-2"), actor(Role.PARTNER, "clementia"), actor(Role.NOTIFIER), AMDIE):
        with pytest.raises(NotAllowed):
            access.may_choose_for(who, supplier)


async def test_the_contact_card_carries_the_person_the_choice_and_the_partner() -> None:
    onboarding = Onboarding(FakeSupplierStore(), FakeRelay())
    supplier = await onboarding.submit_application(factories.application(ice=factories.ice(9)), "clementia")
    card = await onboarding.contact(supplier)
    contact = supplier.profile.contact
    assert card.model_dump(mode="json") == {
        "supplier_id": supplier.supplier_id, "company_name": "Argane Souss", "contact_name": contact.name,
        "email": contact.email, "phone": contact.phone, "language": "fr", "digest": "immediate",
        "partner": "clementia"}
    chosen = await onboarding.choose(supplier, Preferences(language="en", digest="daily"))
    assert (chosen.language, chosen.digest) == ("en", "daily")
    assert (await onboarding.contact(supplier)).language == "en"
    assert onboarding.store.suppliers.events()[-1].TYPE.endswith("application-submitted.v1")  # no event for it


async def test_many_contact_cards_at_once_are_the_single_ones_without_the_unknown() -> None:
    """A sending batch's suppliers in one use case: each card as `contact` answers it, a supplier asked twice
    answered once, an unknown one left out; only a caller who may read the contact gets any."""
    onboarding = Onboarding(FakeSupplierStore(), FakeRelay())
    first = await onboarding.submit_application(factories.application(ice=factories.ice(11)), "clementia")
    second = await onboarding.submit_application(factories.application(ice=factories.ice(12)), "clementia")
    await onboarding.choose(second, Preferences(language="ar", digest="daily"))
    ids = [second.supplier_id, "sup-nobody", first.supplier_id, second.supplier_id]
    found = await onboarding.contacts(ids, actor(Role.NOTIFIER))
    cards = {card.supplier_id: card for _, card in found}
    assert len(found) == 2 and cards[second.supplier_id] == await onboarding.contact(second)
    assert (cards[second.supplier_id].language, cards[second.supplier_id].digest) == ("ar", "daily")
    assert cards[first.supplier_id] == await onboarding.contact(first)
    with pytest.raises(NotAllowed):
        await onboarding.contacts(ids, actor(Role.SUPPLIER, "sup-other"))
