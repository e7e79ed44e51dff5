"""The contract's changelog: `shared/contracts/schemas/changelog/changes.json` (the record) rendered as `docs/contract-changes.md`.

`make schemas` (shared.contracts.gate) diffs the committed schemas against the code's and writes what it finds into the
newest entry of the record: new event types, and each additive change to a type (fields added, enum values added,
enums opened...). A new VERSION of an existing type (`...v2` next to `...v1`) is refused unless the newest entry
names it under `replaces` with the deprecation window of the version it replaces: until `deprecated_until` both
versions are published (the producer writes both), so subscribers move over in their own time; after it, the old
version is no longer produced, and its records on the log stay readable through the upcaster.

An entry: {"version", "date", "summary", "added": [types], "changed": {type: [changes]}, "replaces": {old type:
{"by": new type, "deprecated_until": date, "note"}}, "corrections": [{"type", "change", "why"}]}. `corrections` are
findings of the gate that the authors reviewed and accepted because the schema now states what was always on the wire
(e.g. decimals are strings); the gate lets exactly those through, nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "shared" / "contracts" / "schemas" / "changelog" / "changes.json"
DOC = ROOT / "docs" / "contract-changes.md"


def entries(path: Path = RECORD) -> list[dict[str, Any]]:
    return json.loads(path.read_text()) if path.exists() else []


def acknowledged(record: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(type, gate finding) pairs the record accepts as corrections."""
    return {(c["type"], c["change"]) for entry in record for c in entry.get("corrections", [])}


def _version(ce_type: str) -> tuple[str, int] | None:
    stem, _, number = ce_type.rpartition(".v")
    return (stem, int(number)) if number.isdigit() else None


def _previous(ce_type: str, known: set[str]) -> str | None:
    parsed = _version(ce_type)
    if parsed is None or parsed[1] < 2:
        return None
    older = f"{parsed[0]}.v{parsed[1] - 1}"
    return older if older in known else None


def additive_changes(old: dict[str, Any], new: dict[str, Any], path: str = "") -> list[str]:
    """What `new` adds to `old`, in words (the gate has already refused what breaks)."""
    from shared.contracts.gate import _resolve  # the gate's $ref inlining

    return sorted(set(_added(_resolve(old, old.get("$defs", {})), _resolve(new, new.get("$defs", {})), path)))


def _added(old: Any, new: Any, path: str) -> list[str]:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return []
    where = path or "(event)"
    found = []
    old_values, new_values = _enum(old), _enum(new)
    if new_values is not None and old_values is not None and set(new_values) - set(old_values):
        found.append(f"{where}: enum value(s) added: {', '.join(v for v in new_values if v not in old_values)}")
    if "x-extensible-enum" in new and "x-extensible-enum" not in old and new_values:
        found.append(f"{where}: enum marked open (x-extensible-enum): readers keep a value added later")
    if new.get("format") == "decimal" and old.get("format") != "decimal":
        found.append(f"{where}: typed as a decimal string (format: decimal)")
    for name, schema in new.get("properties", {}).items():
        child = f"{path}.{name}" if path else name
        if name not in old.get("properties", {}):
            found.append(f"{child}: added (optional)")
        else:
            found += _added(old["properties"][name], schema, child)
    if "items" in old and "items" in new:
        found += _added(old["items"], new["items"], f"{path}[]")
    for key in ("anyOf", "oneOf"):
        for variant in new.get(key, []):
            match = next((v for v in old.get(key, [old]) if v.get("type") == variant.get("type")), None)
            found += _added(match or {}, variant, path) if match else []
    return found


def _enum(schema: dict[str, Any]) -> list[str] | None:
    if "enum" in schema:
        return schema["enum"]
    return schema.get("x-extensible-enum")


def record_changes(committed: dict[str, dict], current: dict[str, dict],
                   record: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The record with what changed between `committed` and `current` written into its newest entry, and the
    refusals (a new version no entry announces)."""
    if not record:
        return record, ["shared/contracts/schemas/changelog/changes.json has no entry: add one (version, date, summary) first"]
    newest = record[-1]
    announced = {old: r["by"] for e in record for old, r in e.get("replaces", {}).items()}
    refusals = []
    for ce_type in sorted(set(current) - set(committed)):
        older = _previous(ce_type, set(committed) | set(current))
        if older is not None and announced.get(older) != ce_type:
            refusals.append(f"{ce_type} is a new version of {older}: add to the newest entry of "
                            f"shared/contracts/schemas/changelog/changes.json \"replaces\": {{\"{older}\": {{\"by\": \"{ce_type}\", "
                            "\"deprecated_until\": \"YYYY-MM-DD\"}} (both versions are published until then)")
        elif ce_type not in {t for e in record for t in e.get("added", [])}:
            newest.setdefault("added", []).append(ce_type)
    for ce_type in sorted(set(current) & set(committed)):
        found = [c for c in additive_changes(committed[ce_type], current[ce_type])
                 if c not in newest.get("changed", {}).get(ce_type, [])]
        if found:
            newest.setdefault("changed", {}).setdefault(ce_type, []).extend(found)
    for entry in record:
        entry.get("added", []).sort()
        if "changed" in entry:
            entry["changed"] = {t: sorted(c) for t, c in sorted(entry["changed"].items())}
    return record, refusals


def render_record(record: list[dict[str, Any]]) -> str:
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


def render_doc(record: list[dict[str, Any]]) -> str:
    """docs/contract-changes.md, newest first."""
    lines = ["# Contract changes", "",
             "What changed in the event contract (the JSON Schemas in `shared/contracts/schemas/`, the AsyncAPI documents in",
             "`docs/asyncapi/`, the `tijara-events` package, whose version is the contract's), newest first. Written by",
             "`make schemas` from `shared/contracts/schemas/changelog/changes.json` and the schema gate's diff: do not edit by hand.",
             "",
             "Policy: within a version, changes are additive (new optional fields, new enum values: every enum is",
             "open). A breaking change is a new version of the type (`...v2`); the version it replaces is deprecated",
             "with a window: until its end the producer publishes BOTH versions, after it only the new one, and the",
             "old version's records stay on the log, readable through the upcaster. Follow this file (watch it, or",
             "the `tijara-events` releases) to hear of a change before it reaches your consumer.", ""]
    for entry in reversed(record):
        lines += [f"## {entry['version']} — {entry['date']}", "", entry.get("summary", ""), ""]
        for ce_type in entry.get("added", []):
            lines.append(f"- **new type** `{ce_type}`")
        for old, r in sorted(entry.get("replaces", {}).items()):
            until = r.get("deprecated_until")
            window = (f"deprecated; both published until {until}" if until else "replaced without a window")
            lines.append(f"- **new version** `{r['by']}` replaces `{old}`: {window}. {r.get('note', '')}".rstrip())
        for ce_type, changes in entry.get("changed", {}).items():
            lines.append(f"- `{ce_type}` (additive):")
            lines += [f"  - {c}" for c in changes]
        for c in entry.get("corrections", []):
            lines.append(f"- **correction** `{c['type']}`: {c['change']}. {c['why']}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
