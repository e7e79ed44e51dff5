"""A consumer's reader: only the fields it uses, unknown fields ignored, an enum value it does not know kept as
"unknown"; a message missing what it needs is poison (never half-applied); a type it does not read is skipped."""

import json

import pytest

from services.catalogue.readers import READERS as CATALOGUE
from services.inquiries.readers import READERS as INQUIRIES
from services.inquiries.readers import ProductWithdrawn
from services.showcase.feed.readers import READERS as SHOWCASE
from services.showcase.feed.readers import SupplierShown
from shared.contracts.envelope import UNKNOWN, Envelope
from shared.messaging.decoding import PoisonEvent, decode
from tests import factories


def wire(event, **changes) -> tuple[dict[str, bytes], bytes]:
    envelope = Envelope(event, "/tijara/test")
    data = json.loads(envelope.value()) | changes
    return {k: v.encode() for k, v in envelope.headers().items()}, json.dumps(data).encode()


def test_unknown_fields_are_ignored_and_an_unknown_enum_value_reads_as_unknown() -> None:
    event = factories.supplier_verified("sup-1")
    profile = event.profile.model_dump(mode="json") | {"sectors": ["agri-food", "space-tourism"],
                                                       "region": "Lunar Base", "founded": 1999}
    headers, value = wire(event, status="under-review", verification_level="blockchain", profile=profile,
                          loyalty_points=3)
    supplier = decode(headers, value, SHOWCASE).data
    assert isinstance(supplier, SupplierShown)
    assert supplier.status == UNKNOWN and supplier.verification_level == UNKNOWN
    assert supplier.profile.sectors == ["agri-food", UNKNOWN] and supplier.profile.region == UNKNOWN
    assert decode(headers, value, CATALOGUE).data.status == UNKNOWN
    assert decode(headers, value, INQUIRIES).data.status == UNKNOWN


def test_a_known_value_keeps_its_enum_member() -> None:
    headers, value = wire(factories.supplier_verified("sup-1"))
    assert decode(headers, value, CATALOGUE).data.status == "verified"


@pytest.mark.parametrize("readers", [CATALOGUE, INQUIRIES, SHOWCASE], ids=["catalogue", "inquiries", "showcase"])
def test_missing_what_the_reader_needs_is_poison(readers) -> None:
    headers, value = wire(factories.supplier_verified("sup-1"))
    data = json.loads(value)
    del data["supplier_id"]
    with pytest.raises(PoisonEvent) as poison:
        decode(headers, json.dumps(data).encode(), readers)
    assert poison.value.kind == "schema-invalid" and "supplier_id" in poison.value.detail


def test_a_non_string_where_an_enum_goes_is_poison_not_unknown() -> None:
    headers, value = wire(factories.supplier_verified("sup-1"), status=42)
    with pytest.raises(PoisonEvent, match="status"):
        decode(headers, value, CATALOGUE)


def test_a_contract_type_the_consumer_does_not_read_is_skipped() -> None:
    headers, value = wire(factories.inquiry_received("i-1", "sup-1", "p-1", "US"))
    assert decode(headers, value, CATALOGUE) is None
    with pytest.raises(PoisonEvent, match="unknown-type"):  # but a type in no contract is poison
        decode(headers | {"ce_type": b"ma.tijara.product.teleported.v1"}, value, CATALOGUE)


def test_delisted_reads_as_withdrawn() -> None:
    headers, value = wire(factories.product_delisted("p-1", "sup-1"))
    product = decode(headers, value, INQUIRIES).data
    assert isinstance(product, ProductWithdrawn) and product.LISTED is False


def test_missing_headers_a_bad_time_or_no_json_is_poison_before_any_reader() -> None:
    headers, value = wire(factories.supplier_verified("sup-1"))
    for broken in ({}, headers | {"ce_time": b"yesterday"}, headers | {"ce_specversion": b"0.3"}):
        with pytest.raises(PoisonEvent, match="undecodable"):
            decode(broken, value, SHOWCASE)
    with pytest.raises(PoisonEvent, match="undecodable"):
        decode(headers, b"not json", SHOWCASE)


def test_an_old_version_is_upcast_before_the_reader_reads_it() -> None:
    v1 = {"product_id": "prd-old", "supplier_id": "sup-1", "sequence": 1, "occurred_at": "2025-01-10T10:00:00Z",
          "listing": {"title": "Medjool dates", "category": "spices-and-dates", "hs_code": "080410", "moq": 500,
                      "moq_unit": "kg", "unit_price": "9.50", "currency": "USD", "origin_region": "Drâa-Tafilalet"}}
    headers = {"ce_specversion": b"1.0", "ce_id": b"old-1", "ce_source": b"/legacy",
               "ce_type": b"ma.tijara.product.listed.v1"}
    envelope = decode(headers, json.dumps(v1).encode(), SHOWCASE)
    assert envelope.type == "ma.tijara.product.listed.v2" and str(envelope.data.listing.from_price) == "9.50"
