"""The schema gate: committed JSON Schemas of every event version are current, no change breaks them, and the gate
itself catches each kind of breaking change (synthetic before/after pairs) while letting additive ones through."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, EmailStr, Field, create_model

from shared.contracts import gate as contract
from shared.contracts.registry import EVENT_TYPES, UPCASTERS


def test_no_event_type_breaks_its_committed_schema() -> None:
    problems = contract.gate(contract.committed_schemas(), contract.current_schemas(), set(UPCASTERS))
    assert not problems, "\n".join(problems)


def test_every_event_type_has_a_current_committed_schema() -> None:
    committed = contract.committed_schemas()
    missing = sorted(set(EVENT_TYPES) - set(committed))
    assert not missing, f"no committed schema for {missing}: run `make schemas` and commit shared/contracts/schemas/"
    stale = [t for t, s in contract.current_schemas().items() if json.loads(contract.render(s)) != committed[t]]
    assert not stale, f"committed schemas out of date for {stale}: run `make schemas` and commit shared/contracts/schemas/"


def test_committed_schemas_are_stably_rendered() -> None:
    for path in sorted(contract.SCHEMA_DIR.glob("*.json")):
        assert path.read_text() == contract.render(json.loads(path.read_text())), path.name


# --- the gate itself, on synthetic before/after pairs -----------------------------------------------------------


class Grade(StrEnum):
    A = "A"
    B = "B"


class Grade2(StrEnum):  # B removed
    A = "A"


class Grade3(StrEnum):  # C added
    A = "A"
    B = "B"
    C = "C"


class Place(BaseModel):
    city: str
    ice: str = Field(pattern=r"^\d{15}$")


class PlaceLoose(BaseModel):
    city: str
    ice: str = Field(pattern=r"^\d+$")


class PlaceNoCity(BaseModel):
    ice: str = Field(pattern=r"^\d{15}$")


class PlaceClosed(Place):
    model_config = ConfigDict(extra="forbid")


def schema(__config__: ConfigDict | None = None, **fields) -> dict:
    model = create_model("Thing", __config__=__config__, **{name: (spec[0], spec[1] if len(spec) > 1 else ...)
                                                          for name, spec in fields.items()})
    return model.model_json_schema()


BEFORE = {
    "thing_id": (Annotated[str, Field(min_length=1, max_length=64)],),
    "quantity": (Annotated[int, Field(ge=1, le=1000)],),
    "weight": (Annotated[float, Field(gt=0, lt=100, multiple_of=0.5)],),
    "grade": (Grade,),
    "note": (Annotated[str, Field(max_length=200)] | None, None),
    "contact": (str | None, None),
    "place": (Place,),
    "tags": (Annotated[list[str], Field(max_length=10)], []),
}


def changes(__config__: ConfigDict | None = None, **after) -> list[str]:
    fields = {k: v for k, v in (BEFORE | after).items() if v is not None}
    return contract.breaking_changes(schema(**BEFORE), schema(__config__, **fields))


BREAKING = {  # kind -> (the change, what the gate says); each one is refused
    "removed field": (dict(quantity=None), ["quantity: removed or renamed"]),
    "renamed field": (dict(quantity=None, qty=(int,)), ["quantity: removed or renamed", "qty: new required field"]),
    "type change": (dict(quantity=(str,)), ["quantity: type changed from integer to string"]),
    "type change in a list": (dict(tags=(list[int], [])), ["tags[]: type changed from string to integer"]),
    "null no longer accepted": (dict(note=(str,)), ["note: type changed: no longer accepts null",
                                                    "note: became required"]),
    "new required field": (dict(origin=(str,)), ["origin: new required field"]),
    "enum value removed": (dict(grade=(Grade2,)), ["grade: enum value(s) removed: B"]),
    "nested field removed": (dict(place=(PlaceNoCity,)), ["place.city: removed or renamed"]),
    "maxLength narrowed": (dict(note=(Annotated[str, Field(max_length=50)] | None, None)),
                           ["note: maxLength narrowed from 200 to 50"]),
    "maxLength added": (dict(contact=(Annotated[str, Field(max_length=80)] | None, None)),
                        ["contact: maxLength narrowed from (none) to 80"]),
    "minLength narrowed": (dict(thing_id=(Annotated[str, Field(min_length=3, max_length=64)],)),
                           ["thing_id: minLength narrowed from 1 to 3"]),
    "minimum narrowed": (dict(quantity=(Annotated[int, Field(ge=10, le=1000)],)),
                         ["quantity: minimum narrowed from 1 to 10"]),
    "maximum narrowed": (dict(quantity=(Annotated[int, Field(ge=1, le=500)],)),
                         ["quantity: maximum narrowed from 1000 to 500"]),
    "exclusiveMinimum narrowed": (dict(weight=(Annotated[float, Field(gt=1, lt=100, multiple_of=0.5)],)),
                                  ["weight: exclusiveMinimum narrowed from 0 to 1"]),
    "exclusiveMaximum narrowed": (dict(weight=(Annotated[float, Field(gt=0, lt=50, multiple_of=0.5)],)),
                                  ["weight: exclusiveMaximum narrowed from 100 to 50"]),
    "multipleOf narrowed": (dict(weight=(Annotated[float, Field(gt=0, lt=100, multiple_of=2)],)),
                            ["weight: multipleOf narrowed from 0.5 to 2"]),
    "minItems added": (dict(tags=(Annotated[list[str], Field(min_length=1, max_length=10)], [])),
                       ["tags: minItems narrowed from (none) to 1"]),
    "maxItems narrowed": (dict(tags=(Annotated[list[str], Field(max_length=3)], [])),
                          ["tags: maxItems narrowed from 10 to 3"]),
    "pattern changed": (dict(place=(PlaceLoose,)), ["place.ice: pattern changed from '^\\\\d{15}$' to '^\\\\d+$'"]),
    "format added": (dict(contact=(EmailStr | None, None)), ["contact: format changed from (none) to 'email'"]),
    "additionalProperties closed (nested)": (dict(place=(PlaceClosed,)),
                                             ["place: additionalProperties closed (unknown fields refused)"]),
}


@pytest.mark.parametrize("kind", BREAKING)
def test_gate_refuses(kind: str) -> None:
    change, expected = BREAKING[kind]
    assert changes(**change) == expected


def test_gate_refuses_additional_properties_closed_on_the_event() -> None:
    assert changes(ConfigDict(extra="forbid")) == ["(event): additionalProperties closed (unknown fields refused)"]


def test_gate_lets_additive_and_widening_changes_through() -> None:
    assert changes(origin=(str | None, None)) == []
    assert changes(grade=(Grade3,)) == []  # a new enum value: tolerant readers keep it as "unknown"
    assert changes(quantity=(int | None, None)) == []  # widening: old messages still valid
    assert changes(note=(Annotated[str, Field(max_length=500)] | None, None)) == []
    assert changes(quantity=(Annotated[int, Field(ge=0)],)) == []
    assert changes(weight=(Annotated[float, Field(gt=0, lt=100, multiple_of=0.25)],)) == []
    assert changes(place=(Annotated[Place, Field()],)) == []
    assert changes() == []


def test_gate_names_the_type_and_field_and_asks_for_a_new_version() -> None:
    committed = {"ma.tijara.test.thing.v1": schema(**BEFORE)}
    broken = {"ma.tijara.test.thing.v1": schema(**{k: v for k, v in BEFORE.items() if k != "grade"})}
    [problem] = contract.gate(committed, broken)
    assert problem.startswith("ma.tijara.test.thing.v1: grade: removed or renamed")
    assert "ma.tijara.test.thing.v2" in problem and "upcaster" in problem


def test_a_new_version_passes_and_a_vanished_one_fails_unless_upcast() -> None:
    v1 = schema(**BEFORE)
    v2 = schema(**{k: v for k, v in BEFORE.items() if k != "grade"})
    committed = {"ma.tijara.test.thing.v1": v1}
    both = {"ma.tijara.test.thing.v1": v1, "ma.tijara.test.thing.v2": v2}
    assert contract.gate(committed, both) == []
    [vanished] = contract.gate(committed, {"ma.tijara.test.thing.v2": v2})
    assert "ma.tijara.test.thing.v1" in vanished and "upcaster" in vanished
    assert contract.gate(committed, {"ma.tijara.test.thing.v2": v2}, upcast={"ma.tijara.test.thing.v1"}) == []


# --- the real evolution: ProductListed v1 -> v2 (price tiers) ---------------------------------------------------


def test_product_listed_v2_needed_a_new_version_and_v1_stays_readable() -> None:
    committed = contract.committed_schemas()
    v1, v2 = committed["ma.tijara.product.listed.v1"], committed["ma.tijara.product.listed.v2"]
    changes = contract.breaking_changes(v1, v2)
    assert "listing.unit_price: removed or renamed" in changes, changes  # the gate would have refused it in place
    assert any(c.startswith("listing.price_tiers") or c.startswith("listing.title") for c in changes), changes
    assert contract.gate({"ma.tijara.product.listed.v1": v1}, {"ma.tijara.product.listed.v1": v2}) != []
    assert "ma.tijara.product.listed.v1" in UPCASTERS  # decoding v1 yields v2 (tests/unit/test_events.py)


def test_every_upcast_version_has_a_committed_schema() -> None:
    missing = sorted(set(UPCASTERS) - set(contract.committed_schemas()))
    assert not missing, f"old versions without a committed schema: {missing}"
