"""tijara-events cannot drift from the producers' wire modules: every event type the services publish has its
model in the package, with the same fields at every level, the same topic and key; the package reads every sample
of the published schemas (current and released, minimal and full, with enum values added later) into the same
fields the producer's model has, and upcasts old versions the same way. Its version is the contract's."""

from __future__ import annotations

import json
import sys
import types
import typing
from enum import StrEnum
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from shared.contracts import changes as contract_changes
from shared.contracts import gate as contract
from shared.contracts.registry import EVENT_TYPES, UPCASTERS
from tests.contract import samples

PACKAGE = Path(__file__).resolve().parents[2] / "clients" / "python" / "tijara-events"
sys.path.insert(0, str(PACKAGE / "src"))  # the source tree; tests/e2e/test_events_package.py installs the wheel

import tijara_events  # noqa: E402

CURRENT = contract.current_schemas()
RELEASED = contract.committed_schemas(contract.RELEASED_DIR)


def field_tree(model: type[BaseModel]) -> dict[str, typing.Any]:
    """Field names at every level of nesting (models inside lists, optionals and unions included)."""
    return {name: _nested(info.annotation) for name, info in model.model_fields.items()}


def _nested(annotation: typing.Any) -> typing.Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return field_tree(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is typing.Annotated:
        args = args[:1]
    nested = [n for n in map(_nested, args) if n]
    return nested[0] if nested else None


def headers(ce_type: str) -> dict[str, bytes]:
    return {k: v.encode() for k, v in {"ce_specversion": "1.0", "ce_id": "pkg-1", "ce_source": "/contract",
                                       "ce_type": ce_type, "ce_time": samples.DATE_TIME,
                                       "ce_subject": "s-1"}.items()}


def test_every_wire_type_has_its_model_in_the_package() -> None:
    assert set(tijara_events.TYPES) == set(EVENT_TYPES)
    for ce_type, model in EVENT_TYPES.items():
        mine = tijara_events.TYPES[ce_type]
        assert (mine.TOPIC, mine.SUBJECT) == (model.TOPIC.value, model.SUBJECT), ce_type
        assert field_tree(mine) == field_tree(model), ce_type


# Types whose producer checks rules across fields that a JSON Schema does not express, so a schema-valid sample
# can still be refused by the producer (partner input: a Moroccan application names its ICE and a Moroccan region).
RULES_BEYOND_SCHEMA = {"ma.tijara.partner.supplier-application.v1"}


@pytest.mark.parametrize("ce_type", sorted(set(CURRENT) | set(RELEASED)))
def test_the_package_reads_every_sample_into_the_producers_fields(ce_type: str) -> None:
    for source in (CURRENT, RELEASED):
        schema = source.get(ce_type)
        if schema is None:
            continue
        for data in (samples.minimal(schema), samples.full(schema)):
            event = tijara_events.decode(headers(ce_type), json.dumps(data).encode())
            assert event.known and event.id == "pkg-1" and event.subject == "s-1"
            wire_type, payload = ce_type, data
            while wire_type in UPCASTERS:
                wire_type, payload = UPCASTERS[wire_type](payload)
            assert event.type == wire_type
            try:
                producer = EVENT_TYPES[wire_type].model_validate(payload).model_dump(mode="json")
            except ValidationError:  # an upcast v1 value v2's producer would refuse (v1 image URLs had no pattern)
                assert ce_type in UPCASTERS or ce_type in RULES_BEYOND_SCHEMA, ce_type
                continue
            assert event.data.model_dump(mode="json") == producer, ce_type


@pytest.mark.parametrize("ce_type", sorted(CURRENT))
def test_a_value_added_later_is_kept_and_unknown_fields_too(ce_type: str) -> None:
    data = samples.added_enum_values(CURRENT[ce_type]) | {"field_added_later": {"x": 1}}
    event = tijara_events.decode(headers(ce_type), json.dumps(data).encode())
    dumped = json.dumps(event.data.model_dump(mode="json"))
    assert event.data.model_extra == {"field_added_later": {"x": 1}}
    if "enum" in json.dumps(CURRENT[ce_type]) and ce_type not in UPCASTERS:
        assert samples.ADDED_LATER in dumped, ce_type


def test_an_unknown_type_reads_with_its_fields_kept() -> None:
    data = {"supplier_id": "s-1", "sequence": 7, "status": "under-review", "profile": {"trade_name": "x"}}
    event = tijara_events.decode(headers("ma.tijara.supplier.put-under-review.v1"), json.dumps(data).encode())
    assert not event.known and event.sequence == 7 and event.data.model_extra["status"] == "under-review"
    fold = tijara_events.Fold([event])
    assert fold["s-1"]["status"] == "under-review" and fold.unknown() == [fold["s-1"]]


def test_upcasters_are_the_producers() -> None:
    assert set(tijara_events.UPCASTERS) == set(UPCASTERS)
    for ce_type in UPCASTERS:
        data = samples.full(CURRENT.get(ce_type) or RELEASED[ce_type])
        assert tijara_events.UPCASTERS[ce_type](data) == UPCASTERS[ce_type](data)


def test_confluent_kafka_and_aiokafka_records_decode_alike() -> None:
    data = json.dumps(samples.full(CURRENT["ma.tijara.inquiry.received.v1"])).encode()
    h = list(headers("ma.tijara.inquiry.received.v1").items()) + [("correlation_id", b"req-9")]
    aiokafka = types.SimpleNamespace(topic="inquiries.inquiries", partition=1, offset=5, headers=tuple(h),
                                     value=data, key=b"s-1")
    confluent = types.SimpleNamespace(topic=lambda: "inquiries.inquiries", partition=lambda: 1, offset=lambda: 5,
                                      headers=lambda: h, value=lambda: data, key=lambda: b"s-1")
    a, c = tijara_events.decode_record(aiokafka), tijara_events.decode_record(confluent)
    assert a == c and a.correlation_id == "req-9" and (a.topic, a.partition, a.offset) == ("inquiries.inquiries", 1, 5)


def test_poison_is_refused_with_a_reason() -> None:
    cases = {"tombstone": (headers("ma.tijara.inquiry.received.v1"), None),
             "undecodable": ({"ce_type": b"x"}, b"{}"),
             "schema-invalid": (headers("ma.tijara.inquiry.received.v1"), b'{"inquiry_id": "i"}')}
    for reason, (h, value) in cases.items():
        with pytest.raises(tijara_events.Undecodable) as refused:
            tijara_events.decode(h, value)
        assert refused.value.reason == reason


def test_the_package_is_versioned_with_the_contract() -> None:
    newest = contract_changes.entries()[-1]["version"]
    pyproject = (PACKAGE / "pyproject.toml").read_text()
    assert f'version = "{newest}"' in pyproject and tijara_events.__version__ == newest


def _enums(model: type[BaseModel], found: dict[str, type[StrEnum]]) -> dict[str, type[StrEnum]]:
    for info in model.model_fields.values():
        for kind in _types(info.annotation):
            if isinstance(kind, type) and issubclass(kind, StrEnum):
                found[kind.__name__] = kind
            elif isinstance(kind, type) and issubclass(kind, BaseModel):
                _enums(kind, found)
    return found


def _types(annotation: typing.Any) -> list[typing.Any]:
    return [annotation] + [t for arg in typing.get_args(annotation) for t in _types(arg)]


def test_the_package_knows_every_value_the_producers_write() -> None:
    """A value the producers have is a member in the package (`known`), not a string it merely keeps."""
    from tijara_events import vocabulary

    producers: dict[str, type[StrEnum]] = {}
    for model in EVENT_TYPES.values():
        _enums(model, producers)
    for name, enum in sorted(producers.items()):
        mine = getattr(vocabulary, name, None)
        assert mine is not None, f"tijara_events.vocabulary has no {name}"
        missing = {e.value for e in enum} - {e.value for e in mine}
        assert not missing, f"tijara_events.vocabulary.{name} lacks {sorted(missing)}: add them"
