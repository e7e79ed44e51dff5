"""Each country's onboarding rules: its company identifier, its regions, its documents, its endorsing agencies."""

import pytest
from pydantic import ValidationError

from services.onboarding import domain
from services.onboarding.application import SupplierApplication, required_documents
from services.onboarding.nations import NATIONS
from shared.contracts.suppliers import SupplierStatus as S
from shared.contracts.vocabulary import DocumentKind, ExportAgency, Region
from shared.errors import Conflict
from tests.factories import NOW, application, documents, profile, tunisian_application, tunisian_profile


def test_a_tunisian_supplier_goes_from_application_to_verified_with_cepex() -> None:
    supplier, (event,) = domain.submit_application("sup-tn", tunisian_application(), "clementia", NOW)
    assert event.profile.country == "TN" and event.profile.company_id == "1500001BAM000" and event.profile.ice is None
    supplier = domain.verify_documents(supplier, "clementia-kyc", NOW)[0]
    supplier = domain.endorse(supplier, ExportAgency.CEPEX, NOW)[0]
    assert domain.verify(supplier, NOW)[0].status is S.VERIFIED


@pytest.mark.parametrize("typed", ["1500001/b/a/m/000", "1500001 B A M 000", "1500001.B.A.M.000"])
def test_the_matricule_fiscal_is_accepted_as_typed_and_kept_compact(typed: str) -> None:
    typed_in = tunisian_profile().model_dump(mode="json") | {"company_id": typed}
    assert SupplierApplication(profile=typed_in).profile.company_id == "1500001BAM000"


@pytest.mark.parametrize(("company_id", "why"), [
    (None, "not a Tunisian matricule fiscal"),
    ("1500001IAM000", "matricule fiscal"),  # I, O and U are never control letters
    ("1500001BXM000", "VAT code"),  # X is no VAT regime
    ("1500001BAM001", "matricule fiscal"),  # a secondary establishment is category E
    ("123", "matricule fiscal"),
])
def test_a_malformed_matricule_fiscal_is_refused_with_its_form(company_id, why) -> None:
    with pytest.raises(ValidationError, match=why):
        SupplierApplication(profile=tunisian_profile(company_id=company_id).model_dump())


def test_a_region_of_another_country_is_refused() -> None:
    with pytest.raises(ValidationError, match="region 'Souss-Massa' is not in Tunisia"):
        SupplierApplication(profile=tunisian_profile(region="Souss-Massa").model_dump())
    with pytest.raises(ValidationError, match="region 'Sfax' is not in Morocco"):
        SupplierApplication(profile=profile(region="Sfax").model_dump(), documents=documents())


def test_a_moroccan_supplier_still_needs_its_ice() -> None:
    with pytest.raises(ValidationError, match="missing ice"):
        SupplierApplication(profile=profile().model_dump() | {"ice": None}, documents=documents())


def test_a_country_onboarding_does_not_serve_is_refused() -> None:
    with pytest.raises(ValidationError, match="onboarding accepts MA, TN"):
        SupplierApplication(profile=tunisian_profile(country="SN").model_dump())


def test_each_country_asks_for_its_own_documents() -> None:
    assert required_documents(tunisian_profile()) == [DocumentKind.RNE_EXTRACT, DocumentKind.TAX_ID_CARD]
    moroccan_food = profile(sectors=["seafood"])
    assert DocumentKind.ONSSA_APPROVAL in required_documents(moroccan_food)
    supplier = domain.submit_application("sup-tn", tunisian_application().model_copy(update={"documents": []}),
                                         None, NOW)[0]
    with pytest.raises(Conflict, match="missing RNE extract, tax identification card"):
        domain.verify_documents(supplier, "clementia-kyc", NOW)


def test_only_an_agency_of_the_suppliers_country_endorses_it() -> None:
    tunisian = domain.verify_documents(domain.submit_application("t", tunisian_application(), None, NOW)[0],
                                       "kyc", NOW)[0]
    with pytest.raises(Conflict, match="AMDIE does not endorse suppliers from Tunisia; CEPEX does"):
        domain.endorse(tunisian, ExportAgency.AMDIE, NOW)
    moroccan = domain.verify_documents(domain.submit_application("m", application(), None, NOW)[0], "kyc", NOW)[0]
    with pytest.raises(Conflict, match="CEPEX does not endorse suppliers from Morocco"):
        domain.endorse(moroccan, ExportAgency.CEPEX, NOW)


def test_every_region_belongs_to_exactly_one_country() -> None:
    by_country = [n.regions for n in NATIONS.values()]
    assert set().union(*by_country) == set(Region) and sum(map(len, by_country)) == len(Region) == 36
    assert Region.SOUSS_MASSA in NATIONS["MA"].regions and Region.SFAX in NATIONS["TN"].regions


def test_the_registration_key_tells_countries_apart() -> None:
    assert NATIONS["TN"].registration(tunisian_profile()) == "TN:1500001BAM000"
    assert NATIONS["MA"].registration(profile(ice="001561191000066")) == "MA:001561191000066"
