"""The contract's changelog: docs/contract-changes.md is written by `make schemas` from the gate's diff and
shared/contracts/schemas/changelog/changes.json; a new version of a type is refused without an entry giving its deprecation
window; the corrections the gate lets through are exactly the decimal typing, nothing else."""

from __future__ import annotations

import copy

from shared.contracts import changes as contract_changes
from shared.contracts import gate as contract


def test_the_changelog_is_current() -> None:
    record = contract_changes.entries()
    updated, refusals = contract_changes.record_changes(contract.committed_schemas(), contract.current_schemas(),
                                                        copy.deepcopy(record))
    assert not refusals
    assert updated == record, "changes not recorded: run `make schemas` and commit"
    assert contract_changes.DOC.read_text() == contract_changes.render_doc(record), "run `make schemas`"


def test_every_type_is_in_the_changelog() -> None:
    added = {t for entry in contract_changes.entries() for t in entry.get("added", [])}
    assert set(contract.committed_schemas()) <= added


V1 = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
V2 = {"type": "object", "properties": {"b": {"type": "integer"}}, "required": ["b"]}
ENTRY = {"version": "9.9.0", "date": "2027-01-01", "summary": "test"}


def test_a_new_version_without_an_entry_is_refused() -> None:
    record, refusals = contract_changes.record_changes({"ma.t.thing.v1": V1}, {"ma.t.thing.v1": V1,
                                                                              "ma.t.thing.v2": V2}, [dict(ENTRY)])
    assert len(refusals) == 1 and "ma.t.thing.v2 is a new version of ma.t.thing.v1" in refusals[0]
    assert "deprecated_until" in refusals[0] and "added" not in record[-1]


def test_a_new_version_with_its_window_is_recorded() -> None:
    entry = dict(ENTRY, replaces={"ma.t.thing.v1": {"by": "ma.t.thing.v2", "deprecated_until": "2027-04-01"}})
    record, refusals = contract_changes.record_changes({"ma.t.thing.v1": V1}, {"ma.t.thing.v1": V1,
                                                                              "ma.t.thing.v2": V2}, [entry])
    assert refusals == []
    text = contract_changes.render_doc(record)
    assert "**new version** `ma.t.thing.v2` replaces `ma.t.thing.v1`: deprecated; both published until 2027-04-01" \
        in text and "## 9.9.0 — 2027-01-01" in text


def test_new_types_and_additive_changes_are_written_into_the_newest_entry() -> None:
    widened = {**V1, "properties": {**V1["properties"], "c": {"type": "string"}}}
    record, refusals = contract_changes.record_changes({"ma.t.thing.v1": V1},
                                                       {"ma.t.thing.v1": widened, "ma.t.other.v1": V2}, [dict(ENTRY)])
    assert refusals == [] and record[-1]["added"] == ["ma.t.other.v1"]
    assert record[-1]["changed"] == {"ma.t.thing.v1": ["c: added (optional)"]}
    again, _ = contract_changes.record_changes({"ma.t.thing.v1": V1},
                                               {"ma.t.thing.v1": widened, "ma.t.other.v1": V2}, record)
    assert again == record  # deterministic: a second run records nothing new


def test_make_schemas_refuses_and_writes_nothing(monkeypatch, capsys) -> None:
    current = contract.current_schemas()
    v2 = {**current, "ma.tijara.product.updated.v2": current["ma.tijara.product.updated.v1"]}
    monkeypatch.setattr(contract, "current_schemas", lambda: v2)
    assert contract.main([]) == 1
    assert "new version of ma.tijara.product.updated.v1" in capsys.readouterr().err
    assert not (contract.SCHEMA_DIR / "ma.tijara.product.updated.v2.json").exists()


def test_corrections_are_only_the_decimal_typing() -> None:
    current = contract.current_schemas()
    for entry in contract_changes.entries():
        for correction in entry.get("corrections", []):
            assert correction["type"] in current and correction["why"]
            field, _, change = correction["change"].partition(": ")
            assert change in ("type changed: no longer accepts number", "format changed from (none) to 'decimal'")
            assert f"{field}: typed as a decimal string (format: decimal)" in "\n".join(
                c for e in contract_changes.entries() for c in e.get("changed", {}).get(correction["type"], []))
