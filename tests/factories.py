"""Realistic Moroccan test data, shared by unit, integration and e2e tests."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from shared.events import (
    InquiryReceived,
    ProductDelisted,
    ProductListed,
    ProductListing,
    SupplierApplicationSubmitted,
    SupplierProfile,
    SupplierStatus,
    SupplierVerified,
    VerificationLevel,
)

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def ice(n: int = 1) -> str:
    return f"{random.randrange(10**14, 10**15)}" if n < 0 else f"{1234567 + n:09d}000{n % 10}{(97 - n % 97):02d}"


def profile(**overrides: object) -> SupplierProfile:
    data = {"legal_name": "Argane Souss SARL", "trade_name": "Argane Souss", "ice": ice(-1),
            "region": "Souss-Massa", "city": "Agadir", "sectors": ["argan-and-cosmetics"],
            "export_markets": ["US", "CA"]}
    return SupplierProfile.model_validate(data | overrides)


def listing(**overrides: object) -> ProductListing:
    data = {"title": "Organic cosmetic argan oil, cold-pressed", "category": "argan-and-cosmetics",
            "hs_code": "151590", "moq": 50, "moq_unit": "litre", "unit_price": "38.00", "currency": "USD",
            "incoterms": ["FOB", "CIF"], "origin_region": "Souss-Massa", "certifications": ["organic", "argan PGI"]}
    return ProductListing.model_validate(data | overrides)


def supplier_submitted(supplier_id: str, sequence: int = 1) -> SupplierApplicationSubmitted:
    return SupplierApplicationSubmitted(supplier_id=supplier_id, sequence=sequence, occurred_at=NOW,
                                        status=SupplierStatus.SUBMITTED, verification_level=VerificationLevel.NONE,
                                        profile=profile())


def supplier_verified(supplier_id: str, sequence: int = 2) -> SupplierVerified:
    return SupplierVerified(supplier_id=supplier_id, sequence=sequence, occurred_at=NOW,
                            status=SupplierStatus.VERIFIED, verification_level=VerificationLevel.INSPECTED,
                            profile=profile(), verified_at=NOW, valid_until=NOW.replace(year=2027))


def product_listed(product_id: str, supplier_id: str, sequence: int = 1) -> ProductListed:
    return ProductListed(product_id=product_id, supplier_id=supplier_id, sequence=sequence, occurred_at=NOW,
                         listing=listing())


def product_delisted(product_id: str, supplier_id: str, sequence: int = 2) -> ProductDelisted:
    return ProductDelisted(product_id=product_id, supplier_id=supplier_id, sequence=sequence, occurred_at=NOW,
                           reason="out of season")


def inquiry_received(inquiry_id: str, supplier_id: str, product_id: str, country: str = "US") -> InquiryReceived:
    return InquiryReceived(inquiry_id=inquiry_id, supplier_id=supplier_id, product_id=product_id, sequence=1,
                           occurred_at=NOW, buyer_company="Pacific Gourmet Imports", buyer_country=country,
                           quantity=100, unit="litre", received_at=NOW)
