"""The envelope: CloudEvents binary mode in, the same event out; poison is named, never half-read."""

import dataclasses
import json

import pytest
from aiokafka import ConsumerRecord

from shared.contracts.envelope import Envelope, Topic
from shared.contracts.partners import PartnerTopic
from shared.contracts.privacy import PrivacyTopic
from shared.contracts.registry import EVENT_TYPES
from shared.messaging import decoding
from shared.messaging.decoding import DecodeOnce, PoisonEvent, decode
from tests import factories


def test_round_trip_keeps_type_subject_key_and_data() -> None:
    event = factories.supplier_verified("sup-1")
    envelope = Envelope(event, "/tijara/onboarding", traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01")
    headers = envelope.headers()
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_type"] == "ma.tijara.supplier.verified.v1"
    assert headers["ce_subject"] == "sup-1" and envelope.key == b"sup-1"
    assert envelope.topic == Topic.SUPPLIERS
    decoded = decode({k: v.encode() for k, v in headers.items()}, envelope.value(), EVENT_TYPES)
    assert decoded.data == event and decoded.id == envelope.id and decoded.traceparent == envelope.traceparent


def test_every_event_type_is_versioned_and_routed_to_its_aggregate_topic() -> None:
    for event_type, model in EVENT_TYPES.items():
        assert event_type.startswith("ma.tijara.") and event_type.rsplit(".", 1)[1].startswith("v")
        assert model.TOPIC in Topic or model.TOPIC in PartnerTopic or model.TOPIC in PrivacyTopic


@pytest.mark.parametrize(
    ("headers", "value", "kind"),
    [
        ({}, b"{}", "undecodable"),
        ({"ce_specversion": "1.0", "ce_id": "1", "ce_source": "/x", "ce_type": "ma.tijara.supplier.verified.v1"},
         b"not json", "undecodable"),
        ({"ce_specversion": "1.0", "ce_id": "1", "ce_source": "/x", "ce_type": "ma.tijara.unknown.v9"},
         b"{}", "unknown-type"),
        ({"ce_specversion": "1.0", "ce_id": "1", "ce_source": "/x", "ce_type": "ma.tijara.supplier.verified.v1"},
         json.dumps({"supplier_id": "s", "sequence": 0}).encode(), "schema-invalid"),
        ({"ce_specversion": b"1.0", "ce_id": b"1", "ce_source": b"/x", "ce_type": b"ma.tijara.\xff.v1"},
         b"{}", "unknown-type"),  # header bytes that are not UTF-8: a dead letter, not a batch failing forever
        ({"ce_specversion": "1.0", "ce_id": "1", "ce_source": "/x", "ce_type": "ma.tijara.supplier.verified.v1"},
         b"[1, 2]", "undecodable"),  # JSON, but not an object
        ({"ce_specversion": "1.0", "ce_id": "1", "ce_source": "/x", "ce_type": "ma.tijara.supplier.verified.v1"},
         b"\xff{}", "undecodable"),
    ],
)
def test_poison_is_classified(headers: dict, value: bytes, kind: str) -> None:
    with pytest.raises(PoisonEvent) as raised:
        decode(headers, value, EVENT_TYPES)
    assert raised.value.kind == kind


def test_product_listed_v1_on_the_log_is_upcast_to_v2() -> None:
    """An old producer's v1 (single unit price) decodes as v2: one open-ended tier from the MOQ."""
    v1 = {"product_id": "prd-old", "supplier_id": "sup-1", "sequence": 1, "occurred_at": "2025-01-10T10:00:00Z",
          "listing": {"title": "Medjool dates, jumbo", "category": "spices-and-dates", "hs_code": "080410",
                      "moq": 500, "moq_unit": "kg", "unit_price": "9.50", "currency": "USD", "incoterms": ["FOB"],
                      "origin_region": "Drâa-Tafilalet", "certifications": ["ONSSA"]}}
    headers = {"ce_specversion": "1.0", "ce_id": "old-1", "ce_source": "/legacy",
               "ce_type": "ma.tijara.product.listed.v1"}
    envelope = decode(headers, json.dumps(v1).encode(), EVENT_TYPES)
    assert envelope.type == "ma.tijara.product.listed.v2"
    listing = envelope.data.listing
    assert listing.title.en == listing.description.en == "Medjool dates, jumbo"
    assert [(t.min_quantity, t.max_quantity, str(t.unit_price)) for t in listing.price_tiers] == [(500, None, "9.50")]
    assert "ma.tijara.product.listed.v1" in EVENT_TYPES  # still documented in the contract


def test_producers_emit_v2_and_it_round_trips() -> None:
    event = factories.product_listed("prd-1", "sup-1")
    envelope = Envelope(event, "/tijara/catalogue")
    assert envelope.type == "ma.tijara.product.listed.v2"
    decoded = decode({k: v.encode() for k, v in envelope.headers().items()}, envelope.value(), EVENT_TYPES)
    assert decoded.data == event


def test_read_models_written_before_v2_still_load() -> None:
    from services.showcase.domain import ProductView

    stored = {"product_id": "p", "supplier_id": "s", "listed": True,
              "listing": {"title": "Medjool dates", "category": "spices-and-dates", "hs_code": "080410", "moq": 5,
                          "moq_unit": "kg", "unit_price": "9.50", "currency": "USD", "incoterms": ["FOB"],
                          "origin_region": "Drâa-Tafilalet"}}
    assert ProductView.model_validate(stored).listing.price_tiers[0].min_quantity == 5


def test_two_readers_of_the_same_records_decode_each_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The showcase's group consumer and its page's follower share a DecodeOnce: whichever reads a record first
    decodes it, the other takes the same envelope; the kept ones are bounded."""
    events = [Envelope(factories.supplier_submitted(f"s{n}"), "/unit") for n in range(4)]
    records = [ConsumerRecord(e.topic, 0, n, 0, 0, e.key, e.value(), None, 0, 0,
                              [(k, v.encode()) for k, v in e.headers().items()]) for n, e in enumerate(events)]
    decoded = []
    real_decode = decoding.decode_record
    monkeypatch.setattr(decoding, "decode_record", lambda *args: decoded.append(args) or real_decode(*args))
    read_once = DecodeOnce(EVENT_TYPES, limit=2)
    first = [read_once(r) for r in records[:2]]
    assert [read_once(r) for r in records[:2]] == first and len(decoded) == 2  # the second reader took them
    assert read_once(records[0]).data == events[0].data and len(decoded) == 3  # taken once: read again
    for r in records[1:]:
        read_once(r)
    assert len(read_once._kept) == 2  # bounded: the oldest went
    assert [read_once(r).data for r in records] == [e.data for e in events]


def _outcome(read, *args):
    try:
        found = read(*args)
    except PoisonEvent as poison:
        return poison.kind
    if found is not None and not hasattr(found.data, "occurred_at"):  # without ce_time: read at "now", twice
        found = dataclasses.replace(found, time=None)
    return found


def _data_outcome(read, *args):
    try:
        return read(*args)
    except PoisonEvent as poison:
        return poison.kind


def test_a_record_decodes_as_its_headers_and_value_do() -> None:
    """decode_record reads the common case straight from the record's header bytes: whatever the record, it gives
    what `decode` gives (the same envelope, None, or the same kind of poison); decode_data the same without the
    envelope."""
    envelope = Envelope(factories.supplier_verified("sup-1"), "/unit", traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01")
    good = [(k, v.encode()) for k, v in envelope.headers().items()]
    cases = [
        (good, envelope.value()),
        ([*good, ("correlation_id", b"c-1"), ("ce_type", envelope.type.encode())], envelope.value()),  # a repeated name
        ([(k, v.decode()) for k, v in good], envelope.value()),  # str headers
        ([(k, v.decode() if k == "ce_time" else v) for k, v in good], envelope.value()),  # one str header
        ([(k, v if k != "ce_time" else b"yesterday") for k, v in good], envelope.value()),
        ([(k, v) for k, v in good if k != "ce_time"], envelope.value()),
        ([(k, v) for k, v in good if k != "ce_id"], envelope.value()),
        ([(k, v if k != "ce_subject" else b"\xff") for k, v in good], envelope.value()),
        ([(k, v if k != "ce_specversion" else b"0.3") for k, v in good], envelope.value()),
        ([(k, v if k != "ce_type" else b"ma.tijara.product.listed.v1") for k, v in good], envelope.value()),
        (good, b'{"supplier_id": "sup-1"}'),
        (good, b"not json"),
        (good, None),
        ((), envelope.value()),
    ]
    from services.inquiries.readers import READERS

    for readers in (EVENT_TYPES, READERS, {}):
        for headers, value in cases:
            record = ConsumerRecord(envelope.topic, 0, 0, 0, 0, envelope.key, value, None, 0, 0, headers)
            assert (_outcome(decoding.decode_record, record, readers)
                    == _outcome(decode, dict(headers), value, readers)), (headers, value)
            expected = _outcome(decoding.decode_record, record, readers)  # decode_data: its data alone
            assert (_data_outcome(decoding.decode_data, record, readers)
                    == (expected.data if isinstance(expected, Envelope) else expected)), (headers, value)
