"""Per country: which company identifier an application must carry and in what form, where the supplier may be,
which documents prove it and which agencies may endorse it. Pure: no I/O. A country not listed here cannot onboard.

Morocco: the ICE (15 digits) and the RC number with its court city; documents RC extract + ICE certificate (+ ONSSA
approval for food, Law 28-07). Tunisia: the matricule fiscal (checked with python-stdnum's `stdnum.tn.mf`: 7 digits,
a control letter, the VAT code, the category code and a 3-digit establishment number, e.g. 1234567/M/A/M/000); since
law 2018-52 the Registre National des Entreprises (RNE) replaced the trade register and its identifiant unique is
the matricule's first eight characters, so no RC is asked; documents RNE extract + tax identification card.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from stdnum.tn import mf
from stdnum.util import clean

from shared.contracts.suppliers import SupplierProfile
from shared.contracts.vocabulary import DocumentKind, ExportAgency, Region, Sector

FOOD_SECTORS = frozenset({Sector.AGRI_FOOD, Sector.SEAFOOD, Sector.OLIVE_OIL_AND_OLIVES, Sector.SPICES_AND_DATES})
_TUNISIAN_FROM = list(Region).index(Region.ARIANA)  # governorates follow Morocco's regions in the vocabulary


def _moroccan_identity(profile: SupplierProfile) -> list[str]:
    missing = [n for n in ("ice", "rc_number", "rc_city") if getattr(profile, n) is None]
    return [f"profile is missing {', '.join(missing)}: a Moroccan company gives its ICE and its RC number with its "
            "city"] if missing else []


def _tunisian_identity(profile: SupplierProfile) -> list[str]:
    if profile.company_id is not None and mf.is_valid(profile.company_id):
        return []
    return [f"company_id {profile.company_id!r} is not a Tunisian matricule fiscal (7 digits, a control letter, VAT "
            "code A/P/B/D/N, category M/P/C/N/E, 3-digit establishment number; e.g. 1234567/M/A/M/000)"]


@dataclass(frozen=True)
class Nation:
    code: str
    name: str
    identifier: str  # the company identifier's name, in messages
    identity: Callable[[SupplierProfile], list[str]]  # what is missing or malformed in the company's identifiers
    regions: frozenset[Region]
    documents: tuple[DocumentKind, ...]
    food_documents: tuple[DocumentKind, ...] = ()
    agencies: frozenset[ExportAgency] = frozenset()
    language: str = "en"  # what the marketplace writes to its suppliers in, until they choose (en, fr or ar)

    def problems(self, profile: SupplierProfile) -> list[str]:
        """What keeps this application from being complete, in words the applicant understands."""
        found = [f"region {profile.region.value!r} is not in {self.name}"] if profile.region not in self.regions else []
        return found + self.identity(profile)

    def registration(self, profile: SupplierProfile) -> str:
        """The key no two suppliers share: the country and its company identifier."""
        return f"{self.code}:{profile.ice or profile.company_id}"

    def required_documents(self, profile: SupplierProfile) -> list[DocumentKind]:
        food = self.food_documents if FOOD_SECTORS & set(profile.sectors) else ()
        return [*self.documents, *food]


NATIONS = {n.code: n for n in (
    Nation("MA", "Morocco", "ICE", _moroccan_identity, frozenset(list(Region)[:_TUNISIAN_FROM]),
           (DocumentKind.RC_EXTRACT, DocumentKind.ICE_CERTIFICATE), (DocumentKind.ONSSA_APPROVAL,),
           frozenset({ExportAgency.AMDIE, ExportAgency.MAROC_PME, ExportAgency.ASMEX}), language="fr"),
    Nation("TN", "Tunisia", "matricule fiscal", _tunisian_identity, frozenset(list(Region)[_TUNISIAN_FROM:]),
           (DocumentKind.RNE_EXTRACT, DocumentKind.TAX_ID_CARD), (), frozenset({ExportAgency.CEPEX})),
)}


def nation(country: str) -> Nation:
    if country not in NATIONS:
        raise ValueError(f"suppliers from {country!r} cannot apply yet; onboarding accepts {', '.join(NATIONS)}")
    return NATIONS[country]


def compact_identifier(value: object) -> object:
    """A company identifier as typed (1234567/m/a/m/000, with spaces or dots) in the contract's compact form."""
    return clean(value, " /.-").upper() if isinstance(value, str) else value
