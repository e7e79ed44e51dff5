"""Realistic Moroccan (and a little Tunisian) test data, shared by unit, integration and e2e tests."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from services.catalogue.listing import Listing
from services.onboarding.application import SupplierApplication
from shared.contracts.inquiries import InquiryReceived, InquiryResponded
from shared.contracts.products import ProductDelisted, ProductListed
from shared.contracts.suppliers import (
    SupplierApplicationSubmitted,
    SupplierProfile,
    SupplierStatus,
    SupplierSuspended,
    SupplierVerified,
    VerificationLevel,
)

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def ice(n: int = 1) -> str:
    return f"{random.randrange(10**14, 10**15)}" if n < 0 else f"{1234567 + n:09d}000{n % 10}{(97 - n % 97):02d}"


def profile(**overrides: object) -> SupplierProfile:
    data = {"legal_name": "Argane Souss SARL", "trade_name": "Argane Souss", "rc_number": "45872",
            "rc_city": "Agadir", "region": "Souss-Massa", "city": "Agadir", "sectors": ["argan-and-cosmetics"],
            "contact": {"name": "Fatima Zahra Amrani", "email": "export@arganesouss.example.ma",
                        "phone": "+212 528 22 33 44"},
            "export_markets": ["US", "CA"]}
    data["ice"] = overrides.get("ice") or ice(-1)  # random only when not given (hypothesis forbids it)
    return SupplierProfile.model_validate(data | overrides)


def matricule(n: int = 1) -> str:
    """A Tunisian matricule fiscal, compact: 7 digits, control letter, VAT code A, category M, main establishment."""
    return f"{1_500_000 + n:07d}{'ABCDEFGHJKLMNPQRSTVWXYZ'[n % 23]}AM000"


def tunisian_profile(**overrides: object) -> SupplierProfile:
    data = {"legal_name": "Huilerie Sfax Export SARL", "trade_name": "Huilerie Sfax Export", "country": "TN",
            "company_id": matricule(), "region": "Sfax", "city": "Sfax", "sectors": ["olive-oil-and-olives"],
            "contact": {"name": "Amel Ben Salah", "email": "export@huileriesfax.example.tn",
                        "phone": "+216 74 22 33 44"}, "export_markets": ["US", "CA", "FR"]}
    return SupplierProfile.model_validate(data | overrides)


def tunisian_application(**overrides: object) -> SupplierApplication:
    return SupplierApplication(profile=tunisian_profile(**overrides),
                               documents=documents(kinds=("RNE extract", "tax identification card")))


def documents(*extra: str, kinds: tuple[str, ...] = ("RC extract", "ICE certificate")) -> list[dict]:
    kinds = [*kinds, *extra]
    return [{"kind": k, "reference": f"REF-{i}", "url": f"https://docs.example.ma/{i}.pdf"}
            for i, k in enumerate(kinds)]


def application(food: bool = False, **overrides: object) -> SupplierApplication:
    return SupplierApplication(profile=profile(**overrides),
                               documents=documents(*(["ONSSA approval"] if food else [])))


def listing(**overrides: object) -> Listing:
    """A listing as the catalogue keeps it (its rules checked); `.on_the_wire()` is what the events carry."""
    data = {"title": {"en": "Organic cosmetic argan oil, cold-pressed", "fr": "Huile d'argan cosmétique bio",
                      "ar": "زيت الأركان التجميلي العضوي"},
            "description": {"en": "Cold-pressed from hand-cracked kernels by a women's cooperative near Agadir."},
            "category": "argan-and-cosmetics", "hs_code": "151590", "moq": 50, "moq_unit": "litre",
            "currency": "USD", "price_tiers": [{"min_quantity": 50, "max_quantity": 499, "unit_price": "38.00"},
                                               {"min_quantity": 500, "max_quantity": None, "unit_price": "34.50"}],
            "lead_time_days": 21, "supply_ability": {"quantity": 2000, "unit": "litre", "period": "month"},
            "samples": {"available": True, "price": "15.00"}, "incoterms": ["FOB", "CIF"],
            "port_of_loading": "Agadir", "origin_region": "Souss-Massa", "certifications": ["organic", "argan PGI"],
            "image_urls": ["https://images.tijara.example/151590/1.jpg"]}
    return Listing.model_validate(data | overrides)


def _supplier_facts(supplier_id: str, sequence: int, status: SupplierStatus, level: VerificationLevel,
                    **profile_overrides: object) -> dict:
    return {"supplier_id": supplier_id, "sequence": sequence, "occurred_at": NOW, "status": status,
            "verification_level": level, "profile": profile(**profile_overrides)}


def supplier_submitted(supplier_id: str, sequence: int = 1, **profile_overrides) -> SupplierApplicationSubmitted:
    return SupplierApplicationSubmitted(**_supplier_facts(supplier_id, sequence, SupplierStatus.SUBMITTED,
                                                          VerificationLevel.NONE, **profile_overrides))


def supplier_verified(supplier_id: str, sequence: int = 2, **profile_overrides) -> SupplierVerified:
    return SupplierVerified(**_supplier_facts(supplier_id, sequence, SupplierStatus.VERIFIED,
                                              VerificationLevel.INSPECTED, **profile_overrides),
                            verified_at=NOW, valid_until=NOW.replace(year=2027))


def supplier_suspended(supplier_id: str, sequence: int = 3) -> SupplierSuspended:
    return SupplierSuspended(**_supplier_facts(supplier_id, sequence, SupplierStatus.SUSPENDED,
                                               VerificationLevel.INSPECTED), reason="ONSSA approval withdrawn")


def product_listed(product_id: str, supplier_id: str, sequence: int = 1, **listing_overrides) -> ProductListed:
    return ProductListed(product_id=product_id, supplier_id=supplier_id, sequence=sequence, occurred_at=NOW,
                         listing=listing(**listing_overrides).on_the_wire())


def product_delisted(product_id: str, supplier_id: str, sequence: int = 2) -> ProductDelisted:
    return ProductDelisted(product_id=product_id, supplier_id=supplier_id, sequence=sequence, occurred_at=NOW,
                           reason="out of season")


def inquiry_received(inquiry_id: str, supplier_id: str, product_id: str, country: str = "US",
                     received_at: datetime = NOW) -> InquiryReceived:
    return InquiryReceived(inquiry_id=inquiry_id, supplier_id=supplier_id, product_id=product_id, sequence=1,
                           occurred_at=received_at, buyer_company="Pacific Gourmet Imports", buyer_country=country,
                           quantity=100, unit="litre", received_at=received_at)


def inquiry_responded(inquiry_id: str, supplier_id: str, product_id: str, responded_at: datetime,
                      country: str = "US", received_at: datetime = NOW) -> InquiryResponded:
    return InquiryResponded(inquiry_id=inquiry_id, supplier_id=supplier_id, product_id=product_id, sequence=2,
                            occurred_at=responded_at, buyer_country=country, received_at=received_at,
                            responded_at=responded_at)
