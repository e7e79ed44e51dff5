"""The schema gate: committed JSON Schemas of every event version are current, no change breaks them, and the gate
itself catches each kind of breaking change (synthetic before/after pairs) while letting additive ones through."""

from __future__ import annotations

import json
from enum import StrEnum
from pydantic import BaseModel, Field, create_model

from shared import contract
from shared.events import EVENT_TYPES, UPCASTERS


def test_no_event_type_breaks_its_committed_schema() -> None:
    problems = contract.gate(contract.committed_schemas(), contract.current_schemas(), set(UPCASTERS))
    assert not problems, "\n".join(problems)


def test_every_event_type_has_a_current_committed_schema() -> None:
    committed = contract.committed_schemas()
    missing = sorted(set(EVENT_TYPES) - set(committed))
    assert not missing, f"no committed schema for {missing}: run `make schemas` and commit shared/schemas/"
    stale = [t for t, s in contract.current_schemas().items() if json.loads(contract.render(s)) != committed[t]]
    assert not stale, f"committed schemas out of date for {stale}: run `make schemas` and commit shared/schemas/"


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


def schema(**fields) -> dict:
    model = create_model("Thing", **{name: (spec[0], spec[1] if len(spec) > 1 else ...)
                                     for name, spec in fields.items()})
    return model.model_json_schema()


BEFORE = {"thing_id": (str,), "quantity": (int,), "grade": (Grade,), "note": (str | None, None),
          "place": (Place,), "tags": (list[str], [])}


def changes(**after) -> list[str]:
    fields = {k: v for k, v in (BEFORE | after).items() if v is not None}
    return contract.breaking_changes(schema(**BEFORE), schema(**fields))


def test_gate_catches_each_kind_of_breaking_change() -> None:
    assert changes(quantity=None) == ["quantity: removed or renamed"]
    renamed = changes(quantity=None, qty=(int,))
    assert "quantity: removed or renamed" in renamed and "qty: new required field" in renamed
    assert changes(quantity=(str,)) == ["quantity: type changed from integer to string"]
    assert changes(weight=(float,)) == ["weight: new required field"]
    assert changes(note=(str,)) == ["note: type changed: no longer accepts null", "note: became required"]
    assert changes(grade=(Grade2,)) == ["grade: enum value(s) removed: B"]
    assert changes(place=(PlaceNoCity,)) == ["place.city: removed or renamed"]
    assert changes(place=(PlaceLoose,)) == ["place.ice: pattern changed from '^\\\\d{15}$' to '^\\\\d+$'"]
    assert changes(tags=(list[int], [])) == ["tags[]: type changed from string to integer"]


def test_gate_lets_additive_changes_through() -> None:
    assert changes(origin=(str | None, None)) == []
    assert changes(grade=(Grade3,)) == []
    assert changes(quantity=(int | None, None)) == []  # widening: old messages still valid
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
