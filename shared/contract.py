"""The schema gate: JSON Schemas of every event version, committed under shared/schemas/, and the rules that tell a
compatible change from a breaking one.

    python -m shared.contract            # (make schemas) write shared/schemas/<ce_type>.json; refuses breaking changes
    python -m shared.contract --check    # exit 1 and name type and field if the models break a committed schema

A change to an event type is breaking, for consumers reading old messages or old consumers reading new ones, when
a property is removed or renamed, its type changes (or loses a type it accepted), a new required property appears,
an enum loses a value, a constraint narrows (maxLength, minLength, minimum, maximum, exclusiveMinimum/Maximum,
multipleOf, minItems, maxItems, uniqueItems, pattern, format, const), or additionalProperties closes: what a schema
registry's compatibility check refuses. Such a change needs a new version: a new ce_type (`...v2`), with the old one
kept readable (its model stays, or an upcaster in shared.events.UPCASTERS turns it into the new one). Adding an
optional property is compatible, and so is adding an enum value: consumers read through tolerant readers that keep a
value they do not know as "unknown" (shared.envelope.Tolerant). A committed schema whose type is neither an event
type nor upcast any more is a failure too: messages of that version are still in the log.

A type that was never released (its schema is not on main yet) may be reshaped freely: delete its file under
shared/schemas/ and run `make schemas` again.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from shared.events import EVENT_TYPES, UPCASTERS

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


def event_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema a consumer validates against (pydantic's validation mode), with where the event travels."""
    schema = model.model_json_schema(mode="validation")
    schema["x-cloudevents-type"] = model.TYPE
    schema["x-kafka-topic"] = model.TOPIC.value
    schema["x-kafka-key"] = model.SUBJECT
    return schema


def current_schemas() -> dict[str, dict[str, Any]]:
    return {ce_type: event_schema(model) for ce_type, model in sorted(EVENT_TYPES.items())}


def committed_schemas(directory: Path = SCHEMA_DIR) -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))}


def render(schema: dict[str, Any]) -> str:
    """Stable text: sorted keys, two-space indent, final newline (diffs stay readable)."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- comparison ---------------------------------------------------------------------------------------------------


def _resolve(schema: Any, defs: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """Inline local `$ref`s (cycles stop at the second visit), so two schemas compare structurally."""
    if isinstance(schema, list):
        return [_resolve(s, defs, seen) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return {"title": name}
        return _resolve({**defs.get(name, {}), **{k: v for k, v in schema.items() if k != "$ref"}}, defs,
                        seen + (name,))
    return {k: _resolve(v, defs, seen) for k, v in schema.items() if k != "$defs"}


def _variants(schema: dict[str, Any]) -> list[dict[str, Any]]:
    members = schema.get("anyOf") or schema.get("oneOf")
    if members:
        return [v for m in members for v in _variants(m)]
    types = schema.get("type")
    if isinstance(types, list):
        return [{**schema, "type": t} for t in types]
    return [schema]


def _kind(schema: dict[str, Any]) -> str:
    if "type" in schema:
        return str(schema["type"])
    if "properties" in schema:
        return "object"
    if "enum" in schema or "const" in schema:
        return "enum"
    return "any"


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What in `new` breaks readers or writers of `old`, each as '<field path>: <what changed>'."""
    return _compare(_resolve(old, old.get("$defs", {})), _resolve(new, new.get("$defs", {})), "")


def _compare(old: dict[str, Any], new: dict[str, Any], path: str) -> list[str]:
    where = path or "(event)"
    old_variants, new_variants = _variants(old), _variants(new)
    if len(old_variants) > 1 or len(new_variants) > 1:
        problems = []
        for variant in old_variants:
            match = [n for n in new_variants if _kind(n) == _kind(variant)]
            if not match and _kind(variant) != "any" and not any(_kind(n) == "any" for n in new_variants):
                problems.append(f"{where}: type changed: no longer accepts {_kind(variant)}")
            elif match:
                problems += _compare(variant, match[0], path)
        return problems
    old, new = old_variants[0], new_variants[0]
    if _kind(old) != _kind(new) and _kind(new) != "any":
        return [f"{where}: type changed from {_kind(old)} to {_kind(new)}"]
    problems = []
    if "enum" in old or "enum" in new:
        removed = [v for v in old.get("enum", []) if v not in new.get("enum", old.get("enum", []))]
        if removed:
            problems.append(f"{where}: enum value(s) removed: {', '.join(map(str, removed))}")
    problems += _narrowed(old, new, where)
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, schema in old_props.items():
        child = f"{path}.{name}" if path else name
        if name not in new_props:
            problems.append(f"{child}: removed or renamed")
        else:
            problems += _compare(schema, new_props[name], child)
    for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
        child = f"{path}.{name}" if path else name
        problems.append(f"{child}: new required field" if name not in old_props else f"{child}: became required")
    if "items" in old and "items" in new:
        problems += _compare(old["items"], new["items"], f"{path}[]")
    if isinstance(old.get("additionalProperties"), dict) and isinstance(new.get("additionalProperties"), dict):
        problems += _compare(old["additionalProperties"], new["additionalProperties"], f"{path}{{}}")
    return problems


# A bound that moves this way (or appears) refuses values the old schema accepted.
_UPPER_BOUNDS = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")
_LOWER_BOUNDS = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")
# No cheap way to prove one regex (format, constant) accepts all another did: any change or addition is narrowing.
_EXACT = ("pattern", "format", "const")


def _narrowed(old: dict[str, Any], new: dict[str, Any], where: str) -> list[str]:
    """Constraints of `new` that refuse a value `old` accepted: what a schema registry calls narrowing."""
    problems = []
    for bound in _UPPER_BOUNDS + _LOWER_BOUNDS:
        if bound not in new:
            continue
        before, after = old.get(bound), new[bound]
        tighter = before is None or (after < before if bound in _UPPER_BOUNDS else after > before)
        if tighter:
            problems.append(f"{where}: {bound} narrowed from {_shown(before)} to {after!r}")
    for constraint in _EXACT:
        if constraint in new and old.get(constraint) != new[constraint]:
            problems.append(f"{where}: {constraint} changed from {_shown(old.get(constraint))} to "
                            f"{new[constraint]!r}")
    if "multipleOf" in new and not _divides(new["multipleOf"], old.get("multipleOf")):
        problems.append(f"{where}: multipleOf narrowed from {_shown(old.get('multipleOf'))} to {new['multipleOf']!r}")
    if new.get("uniqueItems") and not old.get("uniqueItems"):
        problems.append(f"{where}: uniqueItems added")
    if new.get("additionalProperties") is False and old.get("additionalProperties") is not False:
        problems.append(f"{where}: additionalProperties closed (unknown fields refused)")
    return problems


def _divides(step: float, old_step: float | None) -> bool:
    """Every multiple of `old_step` is a multiple of `step` (no old step: any number was accepted)."""
    if old_step is None:
        return False
    quotient = old_step / step
    return abs(quotient - round(quotient)) < 1e-9


def _shown(value: Any) -> str:
    return "(none)" if value is None else repr(value)


def gate(committed: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]],
         upcast: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Every way `current` breaks the `committed` contract, each message naming the event type and the field."""
    problems = []
    for ce_type, old in sorted(committed.items()):
        if ce_type not in current:
            if ce_type not in upcast:
                problems.append(f"{ce_type}: committed schema has no event model and no upcaster any more; messages "
                                "of this version are still in the log: keep its model or add an upcaster")
            continue
        for change in breaking_changes(old, current[ce_type]):
            problems.append(f"{ce_type}: {change} — breaking: publish it as a new version (a new ce_type, e.g. "
                            f"{_next_version(ce_type)}) and keep {ce_type} readable with an upcaster")
    return problems


def _next_version(ce_type: str) -> str:
    stem, _, version = ce_type.rpartition(".v")
    return f"{stem}.v{int(version) + 1}" if version.isdigit() else f"{ce_type}.v2"


def main(argv: list[str]) -> int:
    problems = gate(committed_schemas(), current_schemas(), set(UPCASTERS))
    if problems:
        print("schema gate: breaking changes\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    if "--check" in argv:
        stale = [t for t, s in current_schemas().items() if committed_schemas().get(t) != json.loads(render(s))]
        if stale:
            print(f"schemas not committed or out of date (run make schemas): {', '.join(stale)}", file=sys.stderr)
            return 1
        return 0
    SCHEMA_DIR.mkdir(exist_ok=True)
    for ce_type, schema in current_schemas().items():
        path = SCHEMA_DIR / f"{ce_type}.json"
        text = render(schema)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(SCHEMA_DIR.parents[1])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
